"""Subject rights: `fingerpost subject-report` (what is held about a child, who looked) and
`notice` (what to tell the family)."""

import json
from pathlib import Path
from typing import Annotated

import typer

from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError
from fingerpost.entrypoints.commands.common import (
    AuditorAgency,
    as_auditor,
    err,
    fail,
    known_agency,
    open_home,
)
from fingerpost.entrypoints.csvio import atomic_text_writer
from fingerpost.gateway import parse_enquiry_row

__all__ = ["notice", "subject_report"]


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
    agency: AuditorAgency = None,
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
    fp = open_home()
    asking = as_auditor(auditor, fp, agency)
    try:
        child = parse_enquiry_row(row).child
        report = fp.hub.subject_report(asking, fp.gateway.encode(child), reference=reference)
    except DomainError as error:
        raise fail(str(error)) from None
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
        raise fail(f"{source}: cannot read it ({error.__class__.__name__})") from None
    if source.suffix.lower() == ".json":
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            raise fail(f"{source}: not JSON") from None
        if not isinstance(loaded, dict):
            raise fail(f"{source}: expected one JSON object of the child's details")
        return {str(k): str(v) for k, v in loaded.items() if v is not None}
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text)))
    if len(rows) != 1:
        raise fail(f"{source}: expected a header and exactly one row of the child's details")
    return {k: v or "" for k, v in rows[0].items() if k}


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

    fp = open_home()
    known_agency(fp, agency)
    try:
        produced = fp.hub.family_notice(Actor.system(agency), involvement_id)
    except DomainError as error:
        raise fail(str(error)) from None
    if html is not None:
        with atomic_text_writer(html) as handle:
            handle.write(notice_html(produced))
    typer.echo(notice_text(produced), nl=False)
