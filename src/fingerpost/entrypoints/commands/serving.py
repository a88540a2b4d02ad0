"""`fingerpost serve`: the web pages and the HTTP API in one process."""

from typing import Annotated

import typer

from fingerpost import __version__
from fingerpost.deployables import marked
from fingerpost.entrypoints.commands.common import (
    err,
    fail,
    open_home,
)

__all__ = ["serve"]


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
    from fingerpost.entrypoints.heap import settle
    from fingerpost.entrypoints.logs import configure as configure_logs

    fp = open_home()
    if (kind := marked(fp.settings.home.resolve())) is not None:  # docs/adr/0032
        raise fail(f"this is a {kind}'s home: serve it with `fingerpost {kind} serve`")
    bind_host = host or fp.settings.host
    bind_port = port or fp.settings.port
    err.print(
        f"fingerpost {__version__} serving on http://{bind_host}:{bind_port}"
        " (pages at /, API docs at /docs)"
    )
    configure_logs(fp.settings.log_level)
    app = create_app(fp)
    settle()  # loaded: no full collection scans it again (ADR 0042)
    # uvicorn's access log would print query strings; the app logs route templates instead.
    uvicorn.run(
        app,
        host=bind_host,
        port=bind_port,
        log_level=fp.settings.log_level,
        access_log=False,
    )
