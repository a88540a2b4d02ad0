"""`fingerpost register`, `sync` and `shield`: an agency's involvements, from a file or its
complete current list, and shielding one."""

from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError, InvalidValue, MassEnd
from fingerpost.domain.values import parse_date
from fingerpost.entrypoints.commands.common import (
    DryRun,
    ErrorsFile,
    check_outputs,
    csv_rows,
    err,
    fail,
    finish,
    known_agency,
    open_home,
)
from fingerpost.entrypoints.csvio import Rows
from fingerpost.entrypoints.fhir_cli import register_fhir_file
from fingerpost.entrypoints.registering import register_rows
from fingerpost.entrypoints.syncing import sync_rows
from fingerpost.gateway import (
    REGISTER_COLUMNS,
    REGISTER_REQUIRED,
    REGISTER_RULES,
)

__all__ = ["InputFormat", "register", "shield", "sync"]


class InputFormat(StrEnum):
    CSV = "csv"
    FHIR = "fhir"


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
    check_outputs(file, errors=errors)
    fp = open_home()
    known_agency(fp, agency)
    if input_format is InputFormat.FHIR:
        actor = Actor.system(agency)
        say = err.print
        raise typer.Exit(
            register_fhir_file(fp, actor, file, dry_run=dry_run, errors=errors, say=say)
        )
    with csv_rows(
        file,
        f"register {agency}",
        known=REGISTER_COLUMNS,
        required=REGISTER_REQUIRED,
        rules=REGISTER_RULES,
    ) as rows:
        report = register_rows(
            fp, Actor.system(agency), rows, dry_run=dry_run, workers=fp.settings.workers
        )
    finish(report.tally, report.summary(), errors, "local_ref")


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
        raise fail(str(error)) from None
    check_outputs(file, errors=errors)
    fp = open_home()
    known_agency(fp, agency)
    readings = iter(("reading", "writing"))

    def open_rows() -> AbstractContextManager[Rows]:
        step = next(readings, "writing")
        return csv_rows(
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
    except (MassEnd, InvalidValue) as error:  # refused before anything was written
        raise fail(str(error)) from None
    finish(report.tally, report.summary(), errors, "local_ref")


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
    fp = open_home()
    known_agency(fp, agency)
    try:
        stored = fp.hub.shield(
            Actor.system(agency), involvement_id, shielded=not off, reason=reason
        )
    except DomainError as error:
        raise fail(str(error)) from None
    state = "shielded" if stored.shielded else "no longer shielded"
    typer.echo(f"involvement {stored.id} ({stored.key.local_ref}) is {state}")
