"""`fingerpost hub gateways add | list | revoke` (at the hub) and `fingerpost gateway keys new`
(at a gateway): the trust between them (docs/adr/0026).

A gateway makes its own key pair and hands the hub's operator only the public half; the
operator registers it with the agencies that gateway may act for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from fingerpost.bootstrap import new_gateway_key
from fingerpost.config import Settings
from fingerpost.domain.errors import DomainError
from fingerpost.entrypoints.commands.common import OPERATOR, listed, open_home

if TYPE_CHECKING:
    from fingerpost.bootstrap import Fingerpost

__all__ = ["gateway_trust_app", "gateways_app", "hub_trust_app", "service_keys_app"]

err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

gateways_app = typer.Typer(
    help="The gateways this hub trusts: each its own public key and the agencies it acts for.",
    no_args_is_help=True,
)
service_keys_app = typer.Typer(
    help="This gateway's key pair for signing its requests to the hub.", no_args_is_help=True
)


def _fail(message: str) -> typer.Exit:
    err.print(f"error: {message}")
    return typer.Exit(2)


def _hub() -> Fingerpost:
    return open_home(read_only=True)  # the command line's own opening (which home, if any)


@gateways_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The gateway's name, e.g. leeds-gw.")],
    agencies: Annotated[
        str, typer.Option("--agencies", help="Agency codes it may act for, comma-separated.")
    ],
    public_key: Annotated[
        Path,
        typer.Option(
            "--public-key", help="The file `fingerpost gateway keys new` wrote (service-token.pub)."
        ),
    ],
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="It may send batch enquiries (`fingerpost enquire`), within the hub's daily"
            " quota per gateway. Off unless given.",
        ),
    ] = False,
) -> None:
    """Register a gateway: its public key and the agencies it may act for."""
    try:
        text = public_key.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(f"cannot read the public key {public_key}: {error}") from None
    fp = _hub()
    try:
        gateway = fp.gateways.add(OPERATOR, name, agencies.split(","), text, batch=batch)
    except DomainError as error:
        raise _fail(str(error)) from None
    finally:
        fp.close()
    err.print(f"gateway {gateway.name} registered for {', '.join(sorted(gateway.agencies))}")
    if batch:
        err.print(f"gateway {gateway.name} may send batch enquiries")


@gateways_app.command("batch")
def batch_permission(
    name: Annotated[str, typer.Argument(help="The gateway's name.")],
    allow: Annotated[
        bool,
        typer.Option(
            "--allow/--deny",
            help="Grant or withdraw its permission to send batch enquiries.",
        ),
    ],
) -> None:
    """Grant or withdraw a registered gateway's permission to send batch enquiries (audited)."""
    fp = _hub()
    try:
        fp.gateways.allow_batches(OPERATOR, name, allow)
    except DomainError as error:
        raise _fail(str(error)) from None
    finally:
        fp.close()
    err.print(f"gateway {name} {'may' if allow else 'may no longer'} send batch enquiries")


@gateways_app.command("list")
def list_gateways() -> None:
    """The registered gateways: name, agencies, when added, whether revoked, public key,
    whether it may send batches (tab-separated)."""
    fp = _hub()
    try:
        found = fp.gateways.all(OPERATOR)
    finally:
        fp.close()
    # `batch` last: the columns before it are as they were (extend, never break).
    typer.echo("name\tagencies\tadded_at\trevoked_at\tpublic_key\tbatch")
    for gateway in found:
        revoked = gateway.revoked_at.isoformat() if gateway.revoked_at else ""
        agencies = ",".join(sorted(gateway.agencies))
        added = gateway.added_at.isoformat()
        batch = "yes" if gateway.may_batch else "no"
        typer.echo(listed(gateway.name, agencies, added, revoked, gateway.public_key, batch))


@gateways_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The gateway's name.")]) -> None:
    """Stop trusting a gateway at once: its requests are refused from now on."""
    fp = _hub()
    try:
        fp.gateways.revoke(OPERATOR, name)
    except DomainError as error:
        raise _fail(str(error)) from None
    finally:
        fp.close()
    err.print(f"gateway {name} revoked")


@service_keys_app.command("new")
def new_key() -> None:
    """Make this gateway's key pair in its home (the private key readable by its owner only)
    and print the public key for the hub's operator (`fingerpost hub gateways add`)."""
    home = Settings().home.resolve()
    try:
        public = new_gateway_key(home)
    except FileExistsError:
        raise _fail(
            f"{home} already holds a service-token key: the hub knows its public half;"
            " revoke the gateway at the hub before making another"
        ) from None
    err.print(f"service-token key pair written to {home}")
    typer.echo(public)


# Mounted as `fingerpost hub gateways` and `fingerpost gateway keys`. Where the deployables'
# own `hub` and `gateway` command groups exist, add `gateways_app` and `service_keys_app` to
# them instead of these two groups.
hub_trust_app = typer.Typer(help="The national hub.", no_args_is_help=True)
hub_trust_app.add_typer(gateways_app, name="gateways")
gateway_trust_app = typer.Typer(help="An agency's gateway.", no_args_is_help=True)
gateway_trust_app.add_typer(service_keys_app, name="keys")
