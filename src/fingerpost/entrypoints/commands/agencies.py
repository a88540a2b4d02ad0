"""`fingerpost agencies`: the agencies taking part, imported from a CSV file and listed."""

import re
from pathlib import Path
from typing import Annotated

import typer

from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.hours import OfficeHours
from fingerpost.domain.model import Agency
from fingerpost.domain.values import free_text, parse_vocabulary, refuse_invisibles
from fingerpost.domain.vocabulary import AgencyKind
from fingerpost.entrypoints.commands.common import (
    DryRun,
    ErrorsFile,
    check_outputs,
    csv_rows,
    finish,
    listed,
    open_home,
)
from fingerpost.entrypoints.registering import Tally

__all__ = ["AGENCY_COLUMNS", "AGENCY_REQUIRED", "agencies_import", "agencies_list", "app"]

app = typer.Typer(help="Agencies taking part: import and list.", no_args_is_help=True)


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


@app.command("import")
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
    check_outputs(file, errors=errors)
    tally = Tally()
    good: list[Agency] = []
    with csv_rows(file, "agencies", known=AGENCY_COLUMNS, required=AGENCY_REQUIRED) as rows:
        good.extend(tally.parse(rows, _agency, "code"))
    created = updated = 0
    if good and not dry_run:
        created, updated = open_home().hub.import_agencies(Actor.system("operator"), good)
    verb = "would import" if dry_run else "imported"
    finish(
        tally,
        f"agencies: {tally.read} rows read · {len(good)} {verb} ({created} new, {updated} updated)"
        f" · {len(tally.errors)} rejected",
        errors,
        "code",
    )


_AGENCY_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")


_SHOWN = ("name", "duty_phone", "duty_email", "out_of_hours_phone")


def _agency(row: dict[str, str]) -> Agency:
    code = row.get("code", "").strip()
    # What practitioners are shown and call (the duty desk at night) reads as it looks.
    shown = {k: refuse_invisibles(row.get(k, "").strip(), k) for k in _SHOWN}
    name = shown["name"]
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
        duty_phone=shown["duty_phone"],
        duty_email=shown["duty_email"],
        out_of_hours_phone=shown["out_of_hours_phone"],
        out_of_hours_name=free_text(
            "out_of_hours_name", row.get("out_of_hours_name", ""), limit=100
        ),
        office_hours=OfficeHours.parse(row.get("office_hours", "")),
    )


@app.command("list")
def agencies_list() -> None:
    """List the agencies taking part."""
    for agency in open_home(read_only=True).hub.agencies():
        typer.echo(listed(agency.code, agency.kind, agency.authority_area, agency.name))
