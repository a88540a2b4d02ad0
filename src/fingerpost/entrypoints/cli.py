"""The `fingerpost` command line (Typer + Rich). Exit status: 0 all rows accepted (a row kept with
a warning is accepted), 1 some rows rejected (valid rows stored), 2 usage or file-level error, or a
`sync` the safety brake refused (nothing written). Formats: docs/formats.md."""

import gc
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.text import Text

from fingerpost import __version__
from fingerpost.audit.events import DamagedCheckpoint
from fingerpost.bootstrap import BackupError, Fingerpost, NoHome, read_witness
from fingerpost.config import Settings
from fingerpost.deployables import HubOnly, HubUnavailable, marked, open_home
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError, InvalidValue, MassEnd
from fingerpost.domain.hours import OfficeHours
from fingerpost.domain.model import Agency
from fingerpost.domain.values import free_text, parse_date, parse_purpose, parse_vocabulary
from fingerpost.domain.vocabulary import AgencyKind, Role
from fingerpost.entrypoints.answer import ADDED_SIGNPOST_COLUMNS, added_cells
from fingerpost.entrypoints.csvio import (
    CsvFileError,
    CsvReader,
    Rows,
    atomic_csv_writer,
    atomic_text_writer,
    check_writable,
    write_errors,
)
from fingerpost.entrypoints.deploy_cli import gateway_app, hub_app
from fingerpost.entrypoints.fhir_cli import register_fhir_file
from fingerpost.entrypoints.gateways_cli import gateways_app, service_keys_app
from fingerpost.entrypoints.registering import Tally, batches, register_rows
from fingerpost.entrypoints.secret_cli import secret_app
from fingerpost.entrypoints.syncing import sync_rows
from fingerpost.gateway import (
    ENQUIRY_COLUMNS,
    ENQUIRY_REQUIRED,
    ENQUIRY_RULES,
    REGISTER_COLUMNS,
    REGISTER_REQUIRED,
    REGISTER_RULES,
    AnyOf,
    enquiry_parts,
    parse_enquiry_row,
)

__all__ = ["app", "main"]

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
AGENCY_COLUMNS = (
    "code",
    "name",
    "authority_area",
    "kind",
    "duty_phone",
    "duty_email",
    "out_of_hours_phone",
    "out_of_hours_name",
    "office_hours",
)
AGENCY_REQUIRED = ("code", "name", "authority_area", "kind")
# Who the command line acts as: the operator at the server's console.
OPERATOR = Actor(subject="cli:operator", name="command line", agency="-", role=Role.OPERATOR)

app = typer.Typer(
    name="fingerpost",
    help="fingerpost: who else is working with this child, and how to reach them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
agencies_app = typer.Typer(help="Agencies taking part: import and list.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for the HTTP API.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(agencies_app, name="agencies")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
model_app = typer.Typer(
    help="The match model: train it on the register, show it.", no_args_is_help=True
)
app.add_typer(model_app, name="model")
notifications_app = typer.Typer(
    help="Notifications: who looked for an agency's children, links, alerts; e-mail delivery.",
    no_args_is_help=True,
)
app.add_typer(notifications_app, name="notifications")
reviews_app = typer.Typer(
    help="Urgent (break-glass) enquiries awaiting an auditor's finding.", no_args_is_help=True
)
app.add_typer(reviews_app, name="reviews")
keys_app = typer.Typer(help="Encryption keys: rotate agencies' data keys or the master key.",
                       no_args_is_help=True)  # fmt: skip
app.add_typer(keys_app, name="keys")
certificate_app = typer.Typer(help="Destruction certificates.", no_args_is_help=True)
app.add_typer(certificate_app, name="certificate")
hub_app.add_typer(gateways_app, name="gateways")  # `hub gateways …` (docs/adr/0026)
gateway_app.add_typer(service_keys_app, name="keys")  # `gateway keys new`
gateway_app.add_typer(secret_app, name="secret")  # `gateway secret …` (docs/adr/0027)
app.add_typer(hub_app, name="hub")  # docs/adr/0032
app.add_typer(gateway_app, name="gateway")

# Messages stay one line each (soft_wrap) so scripts can read them, and markup is off: file
# contents appear in messages and must print as they are. Data goes to stdout via typer.echo.
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


class InputFormat(StrEnum):
    CSV = "csv"
    FHIR = "fhir"


DryRun = Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")]
ErrorsFile = Annotated[
    Path | None,
    typer.Option(
        "--errors", help="Write rejected rows (line, reference, reason) to this CSV file."
    ),
]


def _fail(message: str, status: int = 2) -> typer.Exit:
    err.print(Text.assemble(("error: ", "bold red"), _shown(message)))
    return typer.Exit(status)


def _shown(text: str) -> str:
    """Text from a file (a column name, a path) as it may be shown on a terminal: a control or
    format character is written as its code, so a file cannot send escape sequences to the
    operator's terminal (issue 18)."""
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _open(*, read_only: bool = False) -> Fingerpost:
    """Open the installation, initialising an empty home (and saying so on stderr); a
    `read_only` command never initialises one: it exits 2 where there is none."""
    settings = Settings()
    try:
        fp = open_home(settings, create=not read_only)  # a hub's, a gateway's or development
    except NoHome as error:
        raise _fail(f"{error}: check FINGERPOST_HOME (this command never creates one)") from None
    except Exception as error:  # noqa: BLE001 - report any start-up failure plainly, exit 2
        raise _fail(f"cannot open the installation at {settings.home}: {error}") from None
    if fp.fresh:
        err.print(f"Initialised a new fingerpost home in {settings.home.resolve()}")
    return fp


@contextmanager
def _progress(label: str) -> Iterator[Callable[[BinaryIO, int], BinaryIO] | None]:
    """A progress bar over the bytes of the input file, on a terminal only."""
    if not err.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:

        def wrap(handle: BinaryIO, size: int) -> BinaryIO:
            return progress.wrap_file(handle, total=size)

        yield wrap


def _finish(tally: Tally, summary: str, errors_file: Path | None, ref_column: str) -> None:
    """Report the rows rejected and those kept with a warning; exit 1 only for rejections (a
    row kept with a warning is accepted, so a file of such rows exits 0)."""
    problems = tally.sorted_problems()
    for problem in problems[:20]:
        warning = "warning: " if problem.kept else ""
        err.print(f"line {problem.line}: {warning}{problem.reason}")
    if len(problems) > 20:
        err.print(f"… and {len(problems) - 20} more rejected rows or warnings")
    if errors_file is not None:
        write_errors(errors_file, ref_column, problems)
    err.print(summary)
    raise typer.Exit(1 if tally.errors else 0)


def _check_outputs(file: Path, output: Path | None = None, errors: Path | None = None) -> None:
    """Before anything is read or stored: each output can be written, and none is the input
    (nor `--errors` the `--output`). Exit 2 otherwise, nothing written."""
    try:
        if output is not None:
            check_writable(output, "--output", inputs=(file,))
        if errors is not None:
            if output is not None and errors.resolve() == output.resolve():
                raise CsvFileError(f"--errors {errors}: is also the --output file")
            check_writable(errors, "--errors", inputs=(file,))
    except CsvFileError as error:
        raise _fail(f"{error} (nothing was written)") from None


@contextmanager
def _csv_rows(
    file: Path,
    label: str,
    *,
    known: Sequence[str],
    required: Sequence[str],
    rules: Sequence[AnyOf] = (),
    again: bool = False,
) -> Iterator[Rows]:
    """A CSV file's rows with a progress bar; a file-level problem exits 2 with nothing written
    (the caller writes only inside the block). `again`: a second reading, warned about once."""
    try:
        with _progress(label) as wrap, _bulk_memory():
            reader = CsvReader(file, known=known, required=required, rules=rules, wrap=wrap)
            with reader.open() as rows:
                if not again:
                    _warn_extra(reader)
                yield rows
    except CsvFileError as error:
        raise _fail(str(error)) from None


@contextmanager
def _bulk_memory() -> Iterator[None]:
    """A file's rows make and drop millions of short-lived objects, none in cycles that matter:
    with the default thresholds the cycle collector would scan every object the command has
    loaded, again and again, costing an eighth of a registration's time. What is loaded already
    is set aside (frozen) and young objects are collected less often; both are put back after."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _warn_extra(reader: CsvReader) -> None:
    if reader.extra_columns:
        extra = ", ".join(reader.extra_columns)
        message = _shown(f"ignoring unknown column(s): {extra}")
        err.print(Text.assemble(("warning: ", "yellow"), message))


@app.command()
def init() -> None:
    """Initialise FINGERPOST_HOME (database schema, fresh keys). Idempotent."""
    fp = _open()
    if not fp.fresh:
        err.print(f"fingerpost home {fp.settings.home.resolve()} is ready (nothing to do)")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@agencies_app.command("import")
def agencies_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: code,name,authority_area,kind[,duty_phone,duty_email,out_of_hours_phone,"
            "out_of_hours_name,office_hours] (office_hours like Mon-Fri 09:00-17:00, or 24/7;"
            " empty: the default, Mon-Fri 09:00-17:00)"
        ),
    ],
    dry_run: DryRun = False,
    errors: ErrorsFile = None,
) -> None:
    """Create or update agencies from a CSV file. Never deletes."""
    _check_outputs(file, errors=errors)
    tally = Tally()
    good: list[Agency] = []
    with _csv_rows(file, "agencies", known=AGENCY_COLUMNS, required=AGENCY_REQUIRED) as rows:
        good.extend(tally.parse(rows, _agency, "code"))
    created = updated = 0
    if good and not dry_run:
        created, updated = _open().hub.import_agencies(Actor.system("operator"), good)
    verb = "would import" if dry_run else "imported"
    _finish(
        tally,
        f"agencies: {tally.read} rows read · {len(good)} {verb} ({created} new, {updated} updated)"
        f" · {len(tally.errors)} rejected",
        errors,
        "code",
    )


_AGENCY_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")


def _agency(row: dict[str, str]) -> Agency:
    code = row.get("code", "").strip()
    name = row.get("name", "").strip()
    area = row.get("authority_area", "").strip().upper()
    if not _AGENCY_CODE.fullmatch(code):
        raise InvalidValue(
            "code: capital letters, digits and hyphens, at most 32 (e.g. MAN-CSC); codes are"
            " what tokens, files and signposts name the agency by"
        )
    if not name:
        raise InvalidValue("name: required")
    if not (len(area) == 9 and area[0].isalpha() and area[1:].isdigit()):
        raise InvalidValue("authority_area: not an ONS code such as E08000035")
    return Agency(
        code=code,
        name=name,
        authority_area=area,
        kind=parse_vocabulary(AgencyKind, row.get("kind", ""), "kind"),
        duty_phone=row.get("duty_phone", "").strip(),
        duty_email=row.get("duty_email", "").strip(),
        out_of_hours_phone=row.get("out_of_hours_phone", "").strip(),
        out_of_hours_name=free_text(
            "out_of_hours_name", row.get("out_of_hours_name", ""), limit=100
        ),
        office_hours=OfficeHours.parse(row.get("office_hours", "")),
    )


@agencies_app.command("list")
def agencies_list() -> None:
    """List the agencies taking part."""
    for agency in _open(read_only=True).hub.agencies():
        typer.echo(f"{agency.code}\t{agency.kind}\t{agency.authority_area}\t{agency.name}")


def _known_agency(fp: Fingerpost, code: str, *, taking_part: bool = True) -> Agency:
    """The agency named on the command line; by default one that still takes part."""
    agency = fp.hub.agency(code)
    if agency is None:
        raise _fail(
            f"unknown agency code {code!r}: import it first with `fingerpost agencies import`"
        )
    if taking_part and (left := fp.hub.left_on(code)) is not None:
        raise _fail(f"agency {code} left fingerpost on {left:%Y-%m-%d}: its data was destroyed")
    return agency


@app.command()
def register(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV of involvements, one row each (see the contract), or a FHIR Bundle."
        ),
    ],
    agency: Annotated[str, typer.Option("--agency", help="Code of the registering agency.")],
    dry_run: DryRun = False,
    errors: ErrorsFile = None,
    input_format: Annotated[
        InputFormat,
        typer.Option(
            "--format",
            help="csv: the register columns. fhir: a FHIR R4 transaction or batch Bundle"
            " (docs/fhir.md).",
        ),
    ] = InputFormat.CSV,
) -> None:
    """Register (or update) an agency's involvements with children. Idempotent per row.

    Besides the contract's columns, an optional `care_leaver` column (yes/no) marks a care
    leaver, whose involvement is kept to age 25 rather than 18 (docs/adr/0009). An invalid NHS
    number never refuses a row: it is set aside, the row kept without it and the reason reported
    as a warning (exit 0 when every row is accepted). Columns and rules: docs/formats.md."""
    _check_outputs(file, errors=errors)
    fp = _open()
    _known_agency(fp, agency)
    if input_format is InputFormat.FHIR:
        actor = Actor.system(agency)
        say = err.print
        raise typer.Exit(
            register_fhir_file(fp, actor, file, dry_run=dry_run, errors=errors, say=say)
        )
    with _csv_rows(
        file,
        f"register {agency}",
        known=REGISTER_COLUMNS,
        required=REGISTER_REQUIRED,
        rules=REGISTER_RULES,
    ) as rows:
        report = register_rows(
            fp, Actor.system(agency), rows, dry_run=dry_run, workers=fp.settings.workers
        )
    _finish(report.tally, report.summary(), errors, "local_ref")


@app.command()
def sync(
    file: Annotated[
        Path, typer.Argument(help="CSV of the agency's complete current list (register columns).")
    ],
    agency: Annotated[str, typer.Option("--agency", help="Code of the agency whose list it is.")],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the counts (new, changed, unchanged, to end); write"
                     " nothing."),
    ] = False,
    allow_mass_end: Annotated[
        bool,
        typer.Option("--allow-mass-end", help="End involvements missing from the file even when"
                     " they are more than FINGERPOST_SYNC_MAX_END_SHARE of the open ones."),
    ] = False,
    snapshot_date: Annotated[
        str | None,
        typer.Option("--snapshot-date", help="When the list was taken (YYYY-MM-DD); what is"
                     " missing from it ends that day. Default: today."),
    ] = None,
    errors: ErrorsFile = None,
) -> None:  # fmt: skip
    """Sync an agency to its complete current list (a nightly export): new rows registered,
    changed rows updated, unchanged rows left alone, and the agency's open involvements missing
    from the file ended on the snapshot's date. Refused (exit 2, nothing changed) when it would
    end more than FINGERPOST_SYNC_MAX_END_SHARE (default 10 %) of them, unless --allow-mass-end."""
    try:
        on = parse_date(snapshot_date or "", "--snapshot-date")
    except InvalidValue as error:
        raise _fail(str(error)) from None
    _check_outputs(file, errors=errors)
    fp = _open()
    _known_agency(fp, agency)
    readings = iter(("reading", "writing"))

    def open_rows() -> AbstractContextManager[Rows]:
        step = next(readings, "writing")
        return _csv_rows(
            file,
            f"sync {agency} ({step})",
            known=REGISTER_COLUMNS,
            required=REGISTER_REQUIRED,
            rules=REGISTER_RULES,
            again=step != "reading",
        )

    try:
        report = sync_rows(
            fp,
            Actor.system(agency),
            open_rows,
            on=on,
            dry_run=dry_run,
            allow_mass_end=allow_mass_end,
            workers=fp.settings.workers,
        )
    except MassEnd as error:
        raise _fail(str(error)) from None
    _finish(report.tally, report.summary(), errors, "local_ref")


@app.command()
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
        raise _fail("--purpose must say why you are asking")
    try:
        parse_purpose(purpose)
        free_text("--override-reason", override_reason, limit=300)
    except DomainError as error:
        raise _fail(str(error)) from None
    _check_outputs(file, None if dry_run else output, errors)
    fp = _open()
    _known_agency(fp, agency)
    actor = Actor(
        subject=f"cli:{agency}:{email or name or 'operator'}",
        name=name or "command line",
        agency=agency,
        role=Role.AGENCY_ADMIN,
        email=email,
        phone=phone,
        strong_auth=True,  # on the server itself, like every command
    )
    tally = Tally()
    counts = {"signposts": 0, "strong": 0, "with": 0}

    with _csv_rows(
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
            # A row is refused when the purpose or the reason would name its child.
            parts = partial(enquiry_parts, purpose=purpose, reasons=(override_reason,))
            stream = fp.gateway.parse_stream(
                tally.readable(rows), parts, workers=fp.settings.workers
            )
            encoded = tally.accepted(stream, "enquiry_ref")
            with atomic_csv_writer(output, (*SIGNPOST_COLUMNS, *ADDED_SIGNPOST_COLUMNS)) as writer:
                for batch in batches(encoded, fp.settings.batch_size):
                    refs = [ref for ref, _ in batch]
                    try:
                        results = fp.hub.enquire_many(
                            actor,
                            purpose,
                            [q for _, q in batch],
                            batch=True,
                            override_reason=override_reason,
                        )
                    except DomainError as error:  # e.g. the agency has left fingerpost
                        raise _fail(str(error)) from None
                    for ref, result in zip(refs, results, strict=True):
                        counts["with"] += bool(result.signposts)
                        for s in result.signposts:
                            counts["signposts"] += 1
                            counts["strong"] += s.confidence == "strong"
                            writer.writerow(
                                (
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
                            )
    if dry_run:
        summary = f"enquire: {tally.read} rows read · {tally.valid} valid (dry run: nothing asked)"
    else:
        summary = (
            f"enquire: {tally.read} rows read · {tally.valid} enquiries made · "
            f"{counts['with']} with signposts · {counts['signposts']} signposts "
            f"({counts['strong']} strong) written to {output} · {len(tally.errors)} rejected"
        )
    _finish(tally, summary, errors, "enquiry_ref")


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default FINGERPOST_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default FINGERPOST_PORT).")
    ] = None,
) -> None:
    """Serve the web pages and the HTTP API in one process (development only: a deployment runs
    `fingerpost hub serve` and `fingerpost gateway serve`, docs/adr/0032)."""
    import uvicorn

    from fingerpost.entrypoints.api import create_app
    from fingerpost.entrypoints.logs import configure as configure_logs

    fp = _open()
    if (kind := marked(fp.settings.home.resolve())) is not None:  # docs/adr/0032
        raise _fail(f"this is a {kind}'s home: serve it with `fingerpost {kind} serve`")
    bind_host = host or fp.settings.host
    bind_port = port or fp.settings.port
    err.print(
        f"fingerpost {__version__} serving on http://{bind_host}:{bind_port}"
        " (pages at /, API docs at /docs)"
    )
    configure_logs(fp.settings.log_level)
    # uvicorn's access log would print query strings; the app logs route templates instead.
    uvicorn.run(
        create_app(fp),
        host=bind_host,
        port=bind_port,
        log_level=fp.settings.log_level,
        access_log=False,
    )


@tokens_app.command("create")
def tokens_create(
    agency: Annotated[str, typer.Option("--agency", help="Agency code the user acts for.")],
    role: Annotated[
        str, typer.Option("--role", help="practitioner, agency-admin, auditor or operator.")
    ],
    name: Annotated[str, typer.Option("--name", help="The user's name.")],
    email: Annotated[str, typer.Option("--email", help="The user's email (their identity).")],
    phone: Annotated[str, typer.Option("--phone", help="The user's phone.")] = "",
    hours: Annotated[
        int | None,
        typer.Option(
            "--hours",
            min=1,
            max=24 * 30,
            help="Lifetime in hours (at most FINGERPOST_TOKEN_MAX_HOURS, default 24).",
        ),
    ] = None,
    strong: Annotated[
        bool,
        typer.Option(
            "--strong/--weak",
            help="Mark the sign-in as strong (multi-factor, the `acr` claim): needed for urgent"
            " enquiries, shielding and shield overrides (FINGERPOST_STRONG_AUTH_FOR).",
        ),
    ] = True,
) -> None:
    """Print a signed bearer token for the API (the built-in development issuer)."""
    from datetime import timedelta

    from fingerpost.audit.events import AuditAction

    try:
        parsed_role = parse_vocabulary(Role, role, "role")
    except DomainError as error:
        raise _fail(str(error)) from None
    if not email.strip() or not name.strip():
        raise _fail("--name and --email are required")
    local, _, domain = email.strip().rpartition("@")
    if not local or "." not in domain.strip(".") or any(ch.isspace() for ch in email.strip()):
        raise _fail("--email must be the user's e-mail address (it is their identity)")
    fp = _open()
    _known_agency(fp, agency)
    actor = Actor(
        subject=email.strip().lower(),
        name=name.strip(),
        agency=agency,
        role=parsed_role,
        email=email.strip(),
        phone=phone.strip(),
        strong_auth=strong,
    )
    try:
        token = fp.tokens.issue(actor, ttl=timedelta(hours=hours) if hours else None)
    except ValueError as error:
        raise _fail(str(error)) from None
    fp.hub.record(
        Actor.system(agency),
        AuditAction.TOKEN_ISSUED,
        subject=actor.subject,
        role=parsed_role.value,
    )
    typer.echo(token)


@audit_app.command("verify")
def audit_verify(
    witness: Annotated[
        Path | None,
        typer.Option(
            "--witness",
            help="A tree head you kept (an `audit export` file, or a checkpoint from `audit"
            " proof`): the log must still hold it.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Recompute the Merkle tree from every stored event and check every signed checkpoint,
    the head kept in the home at the last verification and any --witness; report the first bad
    event, if any (exit 1)."""
    fp = _open(read_only=True)
    try:
        kept = read_witness(witness) if witness else None
    except (OSError, ValueError) as error:
        raise _fail(f"audit witness {witness}: {error}", 1) from None
    try:
        first_bad = fp.hub.verify_audit(OPERATOR, kept)
    except DamagedCheckpoint as error:
        raise _fail(f"audit log broken: {error}", 1) from None
    except DomainError as error:
        raise _fail(f"audit witness: {error}", 1) from None
    if first_bad is None:
        head = fp.hub.audit_head(OPERATOR)
        size, root = (head.size, head.root.hex()) if head else (0, "-")
        typer.echo(f"audit log intact: {size} events, root {root}")
        return
    raise _fail(f"audit log broken at event {first_bad}", 1)


@audit_app.command("proof")
def audit_proof(
    seq: Annotated[
        int | None, typer.Option("--seq", min=1, help="Prove that this event is in the log.")
    ] = None,
    since: Annotated[
        int | None,
        typer.Option("--from", min=1, help="Prove the log of this size was only appended to."),
    ] = None,
) -> None:
    """Print an RFC 9162 inclusion or consistency proof (JSON) against the newest signed
    checkpoint."""
    if (seq is None) == (since is None):
        raise _fail("give exactly one of --seq N (inclusion) or --from SIZE (consistency)")
    fp = _open(read_only=True)

    try:
        if seq is not None:
            inclusion = fp.hub.inclusion_proof(OPERATOR, seq)
            body: dict[str, object] = {
                "type": "inclusion",
                "seq": inclusion.seq,
                "leaf": inclusion.leaf.hex(),
                "path": [node.hex() for node in inclusion.path],
                "checkpoint": inclusion.checkpoint.to_json(),
                "verified": inclusion.verify(),
            }
        else:
            assert since is not None
            consistency = fp.hub.consistency_proof(OPERATOR, since)
            body = {
                "type": "consistency",
                "old": consistency.old.to_json(),
                "new": consistency.new.to_json(),
                "path": [node.hex() for node in consistency.path],
                "verified": consistency.verify(),
            }
    except DomainError as error:
        raise _fail(str(error)) from None
    except DamagedCheckpoint as error:
        raise _fail(f"audit log broken: {error}", 1) from None
    body["public_key"] = fp.public_key.hex()
    typer.echo(json.dumps(body, indent=2))


@audit_app.command("export")
def audit_export(
    output: Annotated[Path, typer.Argument(help="JSON Lines file to write.")],
) -> None:
    """Write every audit event and signed checkpoint as JSON Lines, for an external witness or
    archive. Events hold no child identity."""
    fp = _open(read_only=True)
    try:
        checkpoints = fp.hub.audit_checkpoints(OPERATOR)
    except DamagedCheckpoint as error:  # nothing written: an export must be whole
        raise _fail(f"audit log broken: {error}", 1) from None
    count = 0
    with atomic_text_writer(output) as handle:
        handle.write(json.dumps({"type": "key", "ed25519": fp.public_key.hex()}) + "\n")
        after = 0
        while batch := fp.hub.audit_export(OPERATOR, after=after):
            for seq, event in batch:
                line = {"type": "event", "seq": seq, **json.loads(event.canonical())}
                handle.write(json.dumps(line, sort_keys=True) + "\n")
            after = batch[-1][0]
            count += len(batch)
        for checkpoint in checkpoints:
            handle.write(json.dumps({"type": "checkpoint", **checkpoint.to_json()}) + "\n")
    err.print(f"audit export: {count} events written to {output}")


@model_app.command("train")
def model_train(
    sample: Annotated[
        int, typer.Option(min=10, help="Registrations sampled to form the training pairs.")
    ] = 20_000,
    random_pairs: Annotated[
        int, typer.Option(min=100, help="Random pairs used to measure chance agreement (u).")
    ] = 100_000,
) -> None:
    """Estimate the match model by EM on the registered data (no labels needed), store it as a
    new version and use it from now on."""
    fp = _open()
    try:
        training = fp.hub.train_model(
            Actor(subject="cli:operator", name="operator", agency="-", role=Role.OPERATOR),
            sample=sample,
            random_pairs=random_pairs,
        )
    except DomainError as error:
        raise _fail(str(error)) from None
    state = "converged" if training.converged else "did not converge"
    err.print(
        f"model {training.model.version}: EM {state} after {training.iterations} iterations on "
        f"{training.candidate_pairs} training pairs and {training.random_pairs} random pairs; "
        "share of pairs that match: "
        + ", ".join(f"{name} {share:.3f}" for name, share in training.priors.items())
    )
    _print_model(training.model.to_json())


@model_app.command("show")
def model_show() -> None:
    """Print the match model in use (JSON): m and u per comparison level, and the thresholds."""
    _print_model(_open(read_only=True).hub.model.to_json())


def _print_model(body: str) -> None:
    typer.echo(json.dumps(json.loads(body), indent=2, sort_keys=True))


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Argument(help="Directory to write the CSV files into.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    children: Annotated[int, typer.Option(min=1, help="Number of children.")] = 2000,
    agencies: Annotated[int, typer.Option(min=2, help="Number of agencies.")] = 6,
    enquiries: Annotated[int, typer.Option(min=0, help="Number of enquiry rows.")] = 500,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="The day the records are as of: ages, start and end dates are counted back"
            " from it. Default: today.",
        ),
    ] = None,
    world: Annotated[
        str,
        typer.Option(
            help="The records' errors: 'own' (the generator the matcher was tuned on) or"
            " 'independent' (a published corruption model; docs/adr/0023).",
        ),
    ] = "own",
) -> None:
    """Write synthetic agencies, registrations and enquiries with known truth (for demos and
    benchmarks). All people are invented."""
    from fingerpost.synth import WORLDS, write_dataset

    if world not in WORLDS:
        raise typer.BadParameter(f"one of {', '.join(WORLDS)}", param_hint="--world")

    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("synth", total=None)
        summary = write_dataset(
            out_dir,
            seed=seed,
            children=children,
            agencies=agencies,
            enquiries=enquiries,
            as_of=as_of.date() if as_of else date.today(),
            progress=lambda n: progress.advance(task, n),
            world=world,
        )
    err.print(
        f"synth: {summary.agencies} agencies · {summary.children} children · "
        f"{summary.involvements} involvements · {summary.enquiries} enquiries → {out_dir}"
    )


@notifications_app.command("list")
def notifications_list(
    agency: Annotated[str, typer.Option("--agency", help="The agency whose inbox to show.")],
    email: Annotated[
        str | None, typer.Option("--email", help="Only this practitioner's notifications.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
) -> None:
    """An agency's notifications, newest first (tab-separated; no child details)."""
    fp = _open(read_only=True)
    _known_agency(fp, agency)
    role = Role.PRACTITIONER if email else Role.AGENCY_ADMIN
    actor = Actor(subject=f"cli:{agency}", name="command line", agency=agency, role=role)
    actor = replace(actor, email=email or "")
    for note in fp.hub.notifications(actor, limit=limit):
        about = " · ".join(f"{k}={v}" for k, v in sorted(note.about.items()) if v)
        when = note.created_at.isoformat() if note.created_at else ""
        to = note.recipient_email or "(administrators)"
        typer.echo(f"{when}\t{note.kind}\t{note.local_ref or '-'}\t{to}\t{about}")


@notifications_app.command("deliver")
def notifications_deliver() -> None:
    """E-mail what is due in the outbox once (`serve` does this every few seconds)."""
    fp = _open()
    report = fp.deliver()
    if report is None:
        raise _fail("no mail server: set FINGERPOST_SMTP_HOST (see docs/configuration.md)")
    typer.echo(
        f"outbox: {report.sent} sent · {report.failed} failed"
        f" ({report.gave_up} given up) · {report.held} held for the daily digest"
    )
    if report.failed:
        raise typer.Exit(1)


@notifications_app.command("status")
def notifications_status() -> None:
    """How many notification e-mails are pending, failed for good and delivered."""
    fp = _open(read_only=True)
    counts = fp.hub.outbox(Actor(subject="cli:operator", name="command line", agency="-",
                                 role=Role.OPERATOR))  # fmt: skip
    mail = fp.settings.smtp_host or "none (inbox only)"
    typer.echo(
        f"outbox: {counts['pending']} pending · {counts['failed']} failed"
        f" · {counts['delivered']} delivered · mail server: {mail}"
    )


def _auditor(name: str) -> Actor:
    return Actor(subject=f"cli:auditor:{name}", name=name, agency="-", role=Role.AUDITOR)


@reviews_app.command("list")
def reviews_list(
    closed: Annotated[bool, typer.Option("--all", help="Include closed reviews.")] = False,
    auditor: Annotated[str, typer.Option("--auditor", help="Who is looking (audited).")] = (
        "command line"
    ),
) -> None:
    """Urgent enquiries awaiting review, oldest first (tab-separated)."""
    for review in _open(read_only=True).hub.reviews(
        _auditor(auditor), open_only=not closed, limit=10_000
    ):
        state = f"{review.outcome} by {review.closed_by}" if review.closed_at else "open"
        typer.echo(
            f"{review.id}\t{review.opened_at.isoformat()}\t{review.agency}\t"
            f"{review.actor_name} ({review.actor_role})\t{review.purpose}\t"
            f"{review.result_count} signposts\t{state}"
        )


@reviews_app.command("close")
def reviews_close(
    review_id: Annotated[str, typer.Argument(help="The review's id (from `reviews list`).")],
    outcome: Annotated[
        str, typer.Option("--outcome", help="justified, not-justified or referred.")
    ],
    auditor: Annotated[str, typer.Option("--auditor", help="Who records the finding.")],
    note: Annotated[str, typer.Option("--note", help="The finding, without case detail.")] = "",
) -> None:
    """Record an auditor's finding on an urgent enquiry."""
    fp = _open()
    try:
        review = fp.hub.close_review(_auditor(auditor), review_id, outcome, note)
    except DomainError as error:
        raise _fail(str(error)) from None
    typer.echo(f"review {review.id} closed: {review.outcome}")


@app.command()
def shield(
    involvement_id: Annotated[
        str, typer.Argument(help="The involvement's id (from the API or the register outcome).")
    ],
    agency: Annotated[str, typer.Option("--agency", help="Code of the agency it belongs to.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (audited); never the child's details.")
    ],
    off: Annotated[bool, typer.Option("--off", help="Lift the shield instead.")] = False,
) -> None:
    """Shield an involvement (e.g. a child in a refuge): other agencies' signposts then show
    only the agency's duty desk, never the practitioner or the area."""
    fp = _open()
    _known_agency(fp, agency)
    try:
        stored = fp.hub.shield(
            Actor.system(agency), involvement_id, shielded=not off, reason=reason
        )
    except DomainError as error:
        raise _fail(str(error)) from None
    state = "shielded" if stored.shielded else "no longer shielded"
    typer.echo(f"involvement {stored.id} ({stored.key.local_ref}) is {state}")


@app.command()
def users(
    agency: Annotated[
        str | None, typer.Option("--agency", help="Only this agency's users.")
    ] = None,
) -> None:
    """Users who have signed in to the API, most recent first (tab-separated). Each listing is
    recorded in the audit log (`users:read`): it shows every agency's staff and contacts."""
    fp = _open(read_only=True)
    for user in fp.hub.users(OPERATOR):
        if agency is None or user.agency == agency:
            seen = user.last_seen.isoformat() if user.last_seen else ""
            typer.echo(f"{user.agency}\t{user.role}\t{user.name}\t{user.email}\t{seen}")


@app.command()
def expire() -> None:
    """Delete every involvement past its retention (end date + FINGERPOST_RETENTION_MONTHS, or
    the age limit), with its encoding, links and notifications; `serve` does this hourly."""
    purged = _open().expire()
    typer.echo(
        f"expired: {purged.involvements} involvements · {purged.blocking_keys} blocking keys ·"
        f" {purged.links} links · {purged.notifications} notifications"
    )


@keys_app.command("rotate")
def keys_rotate(
    agency: Annotated[
        str | None, typer.Option("--agency", help="Give this agency a new data key.")
    ] = None,
    master: Annotated[
        bool, typer.Option("--master", help="Replace the master key, re-wrapping every data key.")
    ] = False,
) -> None:
    """Rotate an agency's data key (its rows are sealed again with the new key, the old key is
    destroyed) or the master key. Safe to run again after an interruption."""
    if (agency is None) == (not master):
        raise _fail("give exactly one of --agency CODE or --master")
    fp = _open()
    try:
        if master:
            key_id, rewrapped = fp.rotate_master_key(OPERATOR)
            typer.echo(f"master key rotated: now {key_id}; {rewrapped} data keys re-wrapped")
            return
        assert agency is not None
        version, rows = fp.hub.rotate_agency_key(OPERATOR, agency)
    except (DomainError, ValueError) as error:
        raise _fail(str(error)) from None
    typer.echo(f"agency {agency}: data key v{version}; {rows} involvements sealed again")


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
) -> None:
    """Write a consistent, encrypted backup of the database while it runs (keys are never in a
    backup: see docs/adr/0009)."""
    fp = _open()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)  # like every other file written
        summary = fp.backup(OPERATOR, file)
    except OSError as error:
        raise _fail(f"backup: cannot write {file}: {error.strerror or error}") from None
    err.print(f"backup: {summary.rows} rows (schema {summary.revision}) written to {file}")


Yes = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise _fail(f"{question} — not confirmed: add --yes to run without asking")
    if not typer.confirm(question, default=False, err=True):
        raise _fail("stopped: nothing was changed")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `fingerpost backup`.")],
    yes: Yes = False,
) -> None:
    """Replace everything in the database with a backup's contents, then verify the audit log."""
    fp = _open()
    if not file.is_file():
        raise _fail(f"{file}: no such file")
    _confirm(f"Replace all data in {fp.settings.home.resolve()} with {file}?", yes)
    try:
        summary = fp.restore(OPERATOR, file)
    except BackupError as error:
        raise _fail(f"{file}: {error} (nothing was changed)") from None
    try:
        first_bad = fp.hub.verify_audit(OPERATOR)
    except DamagedCheckpoint as error:
        raise _fail(f"the restored audit log is broken: {error}", 1) from None
    err.print(f"restore: {summary.rows} rows from the backup of {summary.created}")
    if summary.linkage:  # every gateway's `gateway secret fingerprint` must print the same
        err.print(f"restore: its encodings were made with the linkage secret {summary.linkage}")
    for code, count in sorted(fp.hub.unreadable().items()):
        err.print(
            f"restore: warning: {count} involvements of {code} are sealed with a data key"
            " destroyed after this backup was made (a key rotation or a decommissioning): they"
            " cannot be read or signposted, and go at the next `fingerpost expire`"
        )
    if first_bad is not None:
        raise _fail(f"the restored audit log is broken at event {first_bad}", 1)
    typer.echo("restored; audit log intact")


@app.command("subject-report")
def subject_report(
    reference: Annotated[
        str, typer.Option("--reference", help="The subject access request's reference (audited).")
    ],
    output: Annotated[Path, typer.Option("--output", help="Where to write the HTML report.")],
    json_output: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON here.")
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option("--from", help="The child's details: a JSON object or a one-row CSV file."),
    ] = None,
    nhs_number: Annotated[str, typer.Option(help="The child's NHS number.")] = "",
    given_names: Annotated[str, typer.Option(help="Given names.")] = "",
    family_name: Annotated[str, typer.Option(help="Family name.")] = "",
    other_names: Annotated[str, typer.Option(help="Previous names, ;-separated.")] = "",
    date_of_birth: Annotated[str, typer.Option(help="Date of birth.")] = "",
    postcode: Annotated[str, typer.Option(help="Postcode.")] = "",
    auditor: Annotated[str, typer.Option("--auditor", help="Who asks (audited).")] = (
        "command line"
    ),
) -> None:
    """What fingerpost holds about a child, who looked and who was told: an HTML report (and
    JSON) for a subject access request. The details are encoded like an enquiry's."""
    from fingerpost.entrypoints.reports import report_html, report_json

    row = {
        "enquiry_ref": reference,
        "nhs_number": nhs_number,
        "given_names": given_names,
        "family_name": family_name,
        "other_names": other_names,
        "date_of_birth": date_of_birth,
        "postcode": postcode,
    }
    if source is not None:
        row |= _details_file(source)
    fp = _open()
    try:
        child = parse_enquiry_row(row).child
        report = fp.hub.subject_report(
            _auditor(auditor), fp.gateway.encode(child), reference=reference
        )
    except DomainError as error:
        raise _fail(str(error)) from None
    with atomic_text_writer(output) as handle:
        handle.write(report_html(report))
    if json_output is not None:
        with atomic_text_writer(json_output) as handle:
            handle.write(json.dumps(report_json(report), indent=2) + "\n")
    err.print(
        f"subject access: {len(report.involvements)} involvements · {len(report.enquiries)}"
        f" enquiries · {len(report.notifications)} notifications → {output}"
    )


def _details_file(source: Path) -> dict[str, str]:
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(f"{source}: cannot read it ({error.__class__.__name__})") from None
    if source.suffix.lower() == ".json":
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            raise _fail(f"{source}: not JSON") from None
        if not isinstance(loaded, dict):
            raise _fail(f"{source}: expected one JSON object of the child's details")
        return {str(k): str(v) for k, v in loaded.items() if v is not None}
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text)))
    if len(rows) != 1:
        raise _fail(f"{source}: expected a header and exactly one row of the child's details")
    return {k: v or "" for k, v in rows[0].items() if k}


@app.command()
def notice(
    involvement_id: Annotated[str, typer.Argument(help="The involvement's id.")],
    agency: Annotated[str, typer.Option("--agency", help="Code of the agency it belongs to.")],
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the notice as HTML here.")
    ] = None,
) -> None:
    """The plain-English notice for the family (GDPR article 14): who registered their child,
    what is held, for how long and how to ask. Printed as text."""
    from fingerpost.entrypoints.reports import notice_html, notice_text

    fp = _open()
    _known_agency(fp, agency)
    try:
        produced = fp.hub.family_notice(Actor.system(agency), involvement_id)
    except DomainError as error:
        raise _fail(str(error)) from None
    if html is not None:
        with atomic_text_writer(html) as handle:
            handle.write(notice_html(produced))
    typer.echo(notice_text(produced), nl=False)


@app.command()
def decommission(
    certificate: Annotated[
        Path,
        typer.Option(
            "--certificate", help="Where to write the certificate (JSON; a .txt copy beside it)."
        ),
    ],
    agency: Annotated[
        str | None, typer.Option("--agency", help="The agency leaving fingerpost.")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Close the service: every agency's data.")
    ] = False,
    yes: Yes = False,
) -> None:
    """Destroy an agency's data (or everyone's): its data keys are destroyed, so nothing it
    stored can be read here or from any backup; its involvements, links, notifications and
    users are deleted; a signed destruction certificate is written. Cannot be undone."""
    if (agency is None) == (not everything):
        raise _fail("give exactly one of --agency CODE or --all")
    fp = _open()
    if agency is not None:
        _known_agency(fp, agency, taking_part=False)  # running it again finishes the job
    what = f"agency {agency}'s data" if agency else "ALL data of every agency"
    _confirm(f"Destroy {what} for good? This cannot be undone", yes)
    try:
        signed = fp.decommission(OPERATOR, agency)
    except DomainError as error:
        raise _fail(str(error)) from None
    with atomic_text_writer(certificate) as handle:
        handle.write(signed.decode())
    body = fp.verify_certificate(signed)
    with atomic_text_writer(certificate.with_suffix(".txt")) as handle:
        handle.write(_certificate_text(body))
    typer.echo(_certificate_text(body), nl=False)


def _certificate_text(body: dict[str, object]) -> str:
    destroyed = body["destroyed"]
    audit = body["audit"]
    assert isinstance(destroyed, dict)
    assert isinstance(audit, dict)
    lines = [
        "fingerpost destruction certificate",
        "",
        f"Scope:      {body['scope']} ({', '.join(map(str, body['agencies']))})",  # type: ignore[call-overload]
        f"Destroyed:  {body['at']}",
        *(f"  {name.replace('_', ' ')}: {count}" for name, count in destroyed.items()),
        f"Audit log:  {audit['size']} events, root {audit['root']}",
        f"Signed by:  Ed25519 key {body['service_key']}",
        "",
        "Check it with: fingerpost certificate verify FILE.json",
    ]
    return "\n".join(lines) + "\n"


@certificate_app.command("verify")
def certificate_verify(
    file: Annotated[Path, typer.Argument(help="A certificate from `fingerpost decommission`.")],
) -> None:
    """Check a destruction certificate's signature against this service's key (exit 1 if it
    does not verify: altered, or not issued here)."""
    fp = _open(read_only=True)
    try:
        body = fp.verify_certificate(file.read_bytes())
    except OSError as error:
        raise _fail(f"{file}: cannot read it ({error.__class__.__name__})") from None
    except ValueError as error:
        raise _fail(f"{file}: does not verify: {error}", 1) from None
    typer.echo(f"certificate verified: {body['scope']} destroyed at {body['at']}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except HubUnavailable as error:  # fail closed: outputs are written whole or not at all
        err.print(f"error: the hub cannot be reached ({error}); nothing more was done. A re-run"
                  " is safe: registration is idempotent")  # fmt: skip
        sys.exit(2)
    except HubOnly as error:  # e.g. `backup` in a gateway's home
        err.print(f"error: {error}")
        sys.exit(2)
