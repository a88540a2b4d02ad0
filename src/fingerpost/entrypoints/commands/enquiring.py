"""`fingerpost enquire`: a file of children to look for, one signpost a row in the output."""

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError
from fingerpost.domain.values import free_text, parse_purpose
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.answer import ADDED_SIGNPOST_COLUMNS, added_cells
from fingerpost.entrypoints.commands.common import (
    DryRun,
    ErrorsFile,
    check_outputs,
    csv_rows,
    fail,
    finish,
    known_agency,
    open_home,
)
from fingerpost.entrypoints.csvio import atomic_csv_writer
from fingerpost.entrypoints.registering import Tally, batches
from fingerpost.gateway import (
    ENQUIRY_COLUMNS,
    ENQUIRY_REQUIRED,
    ENQUIRY_RULES,
    enquiry_parts,
    parse_enquiry_row,
)
from fingerpost.service.records import SignpostView

__all__ = ["SIGNPOST_COLUMNS", "enquire"]

SIGNPOST_COLUMNS = (
    "enquiry_ref",
    "confidence",
    "agency",
    "agency_name",
    "authority_area",
    "practitioner_name",
    "practitioner_role",
    "practitioner_phone",
    "practitioner_email",
    "involvement",
    "start_date",
    "end_date",
    "why",
)


def enquire(
    file: Annotated[Path, typer.Argument(help="CSV of children to look for, one row each.")],
    agency: Annotated[str, typer.Option("--agency", help="Code of the enquiring agency.")],
    purpose: Annotated[
        str, typer.Option("--purpose", help="Why you are asking; recorded for every row.")
    ],
    output: Annotated[Path, typer.Option("--output", help="Where to write the signposts (CSV).")],
    name: Annotated[
        str, typer.Option("--name", help="Who is enquiring (told to the other practitioner).")
    ] = "",
    email: Annotated[str, typer.Option("--email", help="The enquirer's email.")] = "",
    phone: Annotated[str, typer.Option("--phone", help="The enquirer's phone.")] = "",
    override_reason: Annotated[
        str,
        typer.Option(
            "--override-reason",
            help="See past shields on strong signposts, saying why (audited; each shielding"
            " agency is told). Never a child's details.",
        ),
    ] = "",
    dry_run: DryRun = False,
    errors: ErrorsFile = None,
) -> None:
    """Ask whether other agencies work with these children; write one row per signpost."""
    if not purpose.strip():
        raise fail("--purpose must say why you are asking")
    try:
        parse_purpose(purpose)
        free_text("--override-reason", override_reason, limit=300)
    except DomainError as error:
        raise fail(str(error)) from None
    check_outputs(file, None if dry_run else output, errors)
    fp = open_home()
    known_agency(fp, agency)
    tally = Tally()
    with csv_rows(
        file,
        f"enquire {agency}",
        known=ENQUIRY_COLUMNS,
        required=ENQUIRY_REQUIRED,
        rules=ENQUIRY_RULES,
    ) as rows:
        if dry_run:
            for _ in tally.parse(rows, parse_enquiry_row, "enquiry_ref"):
                pass
        else:
            actor = _enquirer(agency, name, email, phone)
            counts = _ask(fp, actor, purpose, override_reason, tally.readable(rows), tally, output)
    if dry_run:
        summary = f"enquire: {tally.read} rows read · {tally.valid} valid (dry run: nothing asked)"
    else:
        summary = (
            f"enquire: {tally.read} rows read · {tally.valid} enquiries made · "
            f"{counts['with']} with signposts · {counts['signposts']} signposts "
            f"({counts['strong']} strong) written to {output} · {len(tally.errors)} rejected"
        )
    finish(tally, summary, errors, "enquiry_ref")


def _enquirer(agency: str, name: str, email: str, phone: str) -> Actor:
    return Actor(
        subject=f"cli:{agency}:{email or name or 'operator'}",
        name=name or "command line",
        agency=agency,
        role=Role.AGENCY_ADMIN,
        email=email,
        phone=phone,
        strong_auth=True,  # on the server itself, like every command
    )


def _ask(
    fp: Fingerpost,
    actor: Actor,
    purpose: str,
    override_reason: str,
    rows: Iterable[tuple[int, dict[str, str]]],
    tally: Tally,
    output: Path,
) -> dict[str, int]:
    """Ask about every readable row in batches, writing each signpost to `output`; the counts
    of the summary."""
    counts = {"signposts": 0, "strong": 0, "with": 0}
    # A row is refused when the purpose or the reason would name its child.
    parts = partial(enquiry_parts, purpose=purpose, reasons=(override_reason,))
    stream = fp.gateway.parse_stream(rows, parts, workers=fp.settings.workers)
    encoded = tally.accepted(stream, "enquiry_ref")
    with atomic_csv_writer(output, (*SIGNPOST_COLUMNS, *ADDED_SIGNPOST_COLUMNS)) as writer:
        for batch in batches(encoded, fp.settings.batch_size):
            try:
                results = fp.hub.enquire_many(
                    actor,
                    purpose,
                    [q for _, q in batch],
                    batch=True,
                    override_reason=override_reason,
                )
            except DomainError as error:  # e.g. the agency has left fingerpost
                raise fail(str(error)) from None
            for (ref, _), result in zip(batch, results, strict=True):
                counts["with"] += bool(result.signposts)
                for s in result.signposts:
                    counts["signposts"] += 1
                    counts["strong"] += s.confidence == "strong"
                    writer.writerow(_cells(ref, s))
    return counts


def _cells(ref: str, s: SignpostView) -> tuple[str, ...]:
    return (
        ref,
        s.confidence.value,
        s.agency,
        s.agency_name,
        s.authority_area,
        s.practitioner_name,
        s.practitioner_role,
        s.practitioner_phone,
        s.practitioner_email,
        s.involvement,
        s.start_date.isoformat(),
        s.end_date.isoformat() if s.end_date else "",
        s.why,
        *added_cells(s),
    )
