"""`fingerpost backup` and `restore`: an encrypted copy of the database, and putting one back."""

from pathlib import Path
from typing import Annotated

import typer

from fingerpost.audit.events import DamagedCheckpoint
from fingerpost.bootstrap import BackupError
from fingerpost.entrypoints.commands.common import (
    OPERATOR,
    Yes,
    confirm,
    err,
    fail,
    open_home,
)

__all__ = ["backup", "restore"]


def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
) -> None:
    """Write a consistent, encrypted backup of the database while it runs (keys are never in a
    backup: see docs/adr/0009)."""
    fp = open_home()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)  # like every other file written
        summary = fp.backup(OPERATOR, file)
    except OSError as error:
        raise fail(f"backup: cannot write {file}: {error.strerror or error}") from None
    err.print(f"backup: {summary.rows} rows (schema {summary.revision}) written to {file}")


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `fingerpost backup`.")],
    yes: Yes = False,
) -> None:
    """Replace everything in the database with a backup's contents, then verify the audit log."""
    fp = open_home()
    if not file.is_file():
        raise fail(f"{file}: no such file")
    confirm(f"Replace all data in {fp.settings.home.resolve()} with {file}?", yes)
    try:
        summary = fp.restore(OPERATOR, file)
    except BackupError as error:
        raise fail(f"{file}: {error} (nothing was changed)") from None
    try:
        first_bad = fp.hub.verify_audit(OPERATOR)
    except DamagedCheckpoint as error:
        raise fail(f"the restored audit log is broken: {error}", 1) from None
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
        raise fail(f"the restored audit log is broken at event {first_bad}", 1)
    typer.echo("restored; audit log intact")
