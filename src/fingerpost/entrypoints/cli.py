"""The `fingerpost` command line (Typer + Rich). Exit status: 0 all rows accepted (a row kept with
a warning is accepted), 1 some rows rejected (valid rows stored), 2 usage or file-level error, or a
`sync` the safety brake refused (nothing written). Formats: docs/formats.md.

This module only assembles: each command, or group of commands, is a module of
`fingerpost.entrypoints.commands` (docs/adr/0029). `docs/cli.md` lists them in the order they
are added here."""

import sys

import typer

from fingerpost import __version__
from fingerpost.entrypoints.commands import (
    agencies,
    audit,
    backups,
    enquiring,
    keys,
    model,
    notifications,
    registering,
    retention,
    reviews,
    serving,
    subject,
    synth,
    users,
)
from fingerpost.entrypoints.commands.common import err, open_home

__all__ = ["app", "main"]

app = typer.Typer(
    name="fingerpost",
    help="fingerpost: who else is working with this child, and how to reach them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def init() -> None:
    """Initialise FINGERPOST_HOME (database schema, fresh keys). Idempotent."""
    fp = open_home()
    if not fp.fresh:
        err.print(f"fingerpost home {fp.settings.home.resolve()} is ready (nothing to do)")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


# Commands.
app.command()(registering.register)
app.command()(registering.sync)
app.command()(enquiring.enquire)
app.command()(serving.serve)
app.command()(synth.synth)
app.command()(registering.shield)
app.command()(users.users)
app.command()(retention.expire)
app.command()(backups.backup)
app.command()(backups.restore)
app.command("subject-report")(subject.subject_report)
app.command()(subject.notice)
app.command()(retention.decommission)

# Groups of commands.
app.add_typer(agencies.app, name="agencies")
app.add_typer(users.tokens, name="tokens")
app.add_typer(audit.app, name="audit")
app.add_typer(model.app, name="model")
app.add_typer(notifications.app, name="notifications")
app.add_typer(reviews.app, name="reviews")
app.add_typer(keys.app, name="keys")
app.add_typer(retention.certificate, name="certificate")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
