"""`fingerpost hub …` and `fingerpost gateway …`: the two deployables' own commands (ADR 0032).

The CSV commands (`register`, `enquire`, `sync`, `subject-report`…) need no new names: run in a
gateway's home they encode there and reach the hub over HTTP; run in the hub's home, the
operator's commands (`expire`, `backup`, `restore`, `audit verify`, `decommission`…) work on
the hub's database. Which one a home is, its mark says (`hub init`, `gateway init`)."""

from typing import Annotated

import typer
from rich.console import Console

from fingerpost import __version__
from fingerpost.bootstrap import Fingerpost
from fingerpost.config import Settings
from fingerpost.deployables import Deployable, mark, open_gateway, open_hub
from fingerpost.deployables.remote import HUB_KEEP_ALIVE_S

__all__ = ["gateway_app", "hub_app"]

err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
hub_app = typer.Typer(
    help="The national hub: encodings, involvements, audit, notifications, retention. Holds no"
    " linkage secret.",
    no_args_is_help=True,
)
gateway_app = typer.Typer(
    help="An agency's (or region's) gateway: practitioner pages, intake, sign-in and the linkage"
    " secret; reaches the hub over HTTP.",
    no_args_is_help=True,
)
Host = Annotated[str | None, typer.Option(help="Address to listen on (default FINGERPOST_HOST).")]
Port = Annotated[int | None, typer.Option(help="Port to listen on (default FINGERPOST_PORT).")]


def _fail(message: str) -> typer.Exit:
    err.print(f"error: {message}")
    return typer.Exit(2)


def _opened_hub(settings: Settings) -> Fingerpost:
    try:
        return open_hub(settings)
    except Exception as error:  # noqa: BLE001 - a hub that cannot start says why, exit 2
        raise _fail(str(error)) from None


@hub_app.command("init")
def hub_init() -> None:
    """Make (or check) the hub's home: database, signing key, keyring; never a linkage secret."""
    settings = Settings()
    _opened_hub(settings).close()
    err.print(f"fingerpost hub home ready in {settings.home.resolve()}")


@hub_app.command("serve")
def hub_serve(host: Host = None, port: Port = None) -> None:
    """Serve the hub's API for gateways (refuses to start beside a linkage secret)."""
    from fingerpost.entrypoints.hub_app import create_hub_app

    settings = Settings()
    fp = _opened_hub(settings)
    _serve(create_hub_app(fp), fp, host, port, "hub", "the hub's API for gateways at /hub/v1",
           keep_alive=HUB_KEEP_ALIVE_S)  # fmt: skip


@gateway_app.command("init")
def gateway_init(
    hub: Annotated[str, typer.Option("--hub", help="The hub's base URL, e.g. https://hub.example")],
    name: Annotated[
        str, typer.Option("--name", help="This gateway's name, as registered at the hub.")
    ],
) -> None:
    """Mark this home as a gateway's and say which hub it reaches, and as whom. The linkage
    secret comes separately (`fingerpost gateway secret import`, docs/key-ceremony.md)."""
    settings = Settings()
    if not hub.startswith(("http://", "https://")) or not name.strip():
        raise _fail("--hub must be an http(s) URL and --name the gateway's registered name")
    try:
        mark(settings.home.resolve(), Deployable.GATEWAY, hub_url=hub.rstrip("/"), name=name)
    except Exception as error:  # noqa: BLE001 - say why, exit 2
        raise _fail(str(error)) from None
    err.print(f"fingerpost gateway {name} in {settings.home.resolve()} reaches the hub at {hub}")


@gateway_app.command("serve")
def gateway_serve(host: Host = None, port: Port = None) -> None:
    """Serve the practitioner pages, the agency's API and FHIR intake; the hub over HTTP."""
    from fingerpost.entrypoints.gateway_app import create_gateway_app

    try:
        fp = open_gateway(Settings())
    except Exception as error:  # noqa: BLE001 - a gateway that cannot start says why, exit 2
        raise _fail(str(error)) from None
    _serve(create_gateway_app(fp), fp, host, port, "gateway", "pages at /, API docs at /docs")


def _serve(  # noqa: PLR0917 - one server's start
    app: object,
    fp: Fingerpost,
    host: str | None,
    port: int | None,
    what: str,
    where: str,
    *,
    keep_alive: int = 5,
) -> None:
    import uvicorn

    from fingerpost.entrypoints.heap import settle
    from fingerpost.entrypoints.logs import configure as configure_logs

    bind_host = host or fp.settings.host
    bind_port = port or fp.settings.port
    url = f"http://{bind_host}:{bind_port}"
    err.print(f"fingerpost {__version__} {what} serving on {url} ({where})")
    configure_logs(fp.settings.log_level)
    settle()  # loaded: no full collection scans it again (ADR 0042)
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=bind_host,
        port=bind_port,
        log_level=fp.settings.log_level,
        access_log=False,  # the apps log route templates; a query string may hold details
        timeout_keep_alive=keep_alive,  # the hub: longer than its gateways keep theirs
    )
