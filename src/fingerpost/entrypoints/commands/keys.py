"""`fingerpost keys`: rotate an agency's data key or the master key."""

from typing import Annotated

import typer

from fingerpost.domain.errors import DomainError
from fingerpost.entrypoints.commands.common import (
    OPERATOR,
    fail,
    open_home,
)

__all__ = ["app", "keys_rotate"]

app = typer.Typer(
    help="Encryption keys: rotate agencies' data keys or the master key.", no_args_is_help=True
)


@app.command("rotate")
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
        raise fail("give exactly one of --agency CODE or --master")
    fp = open_home()
    try:
        if master:
            key_id, rewrapped = fp.rotate_master_key(OPERATOR)
            typer.echo(f"master key rotated: now {key_id}; {rewrapped} data keys re-wrapped")
            return
        assert agency is not None
        version, rows = fp.hub.rotate_agency_key(OPERATOR, agency)
    except (DomainError, ValueError) as error:
        raise fail(str(error)) from None
    typer.echo(f"agency {agency}: data key v{version}; {rows} involvements sealed again")
