"""The `fingerpost` command line (Typer + Rich). Exit status: 0 all rows accepted (a row kept with
a warning is accepted), 1 some rows rejected (valid rows stored), 2 usage or file-level error, or a
`sync` the safety brake refused (nothing written). Formats: docs/formats.md.

This module only assembles: each command, or group of commands, is a module of
`fingerpost.entrypoints.commands` (docs/adr/0029). `docs/cli.md` lists them in the order they
are added here."""

import sys

import typer

from fingerpost import __version__
from fingerpost.deployables import GatewayNotTrusted, HubOnly, HubRefused, HubUnavailable
from fingerpost.domain.errors import DomainError
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
from fingerpost.entrypoints.deploy_cli import gateway_app, hub_app
from fingerpost.entrypoints.gateways_cli import gateways_app, service_keys_app
from fingerpost.entrypoints.secret_cli import hub_pin, secret_app

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
hub_app.add_typer(gateways_app, name="gateways")  # `hub gateways …` (docs/adr/0026)
hub_app.command("pin")(hub_pin)  # the linkage fingerprint the hub holds gateways to (ADR 0034)
gateway_app.add_typer(service_keys_app, name="keys")  # `gateway keys new`
gateway_app.add_typer(secret_app, name="secret")  # `gateway secret …` (docs/adr/0027)
app.add_typer(hub_app, name="hub")  # docs/adr/0032
app.add_typer(gateway_app, name="gateway")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except (GatewayNotTrusted, HubRefused) as error:  # the hub answered: saying so helps more
        err.print(f"error: {error}; nothing more was done")
        sys.exit(2)
    except HubUnavailable as error:  # fail closed: outputs are written whole or not at all
        err.print(f"error: the hub cannot be reached ({error}); nothing more was done. A re-run"
                  " is safe: registration is idempotent")  # fmt: skip
        sys.exit(2)
    except (HubOnly, DomainError) as error:  # e.g. `backup` at a gateway, `register` at the hub
        err.print(f"error: {error}")
        sys.exit(2)
