"""`fingerpost gateway serve`'s application: the single-process app's pages, API and FHIR intake
over a gateway installation, failing closed when the hub cannot be reached.

Failing closed means: no answer is made up, nothing is half-done at the gateway, and the person
asking is told plainly. A page gets the hub-unavailable page with the agencies' duty numbers from
the gateway's copy of the directory; the API a problem+json 503 with Retry-After; FHIR an
OperationOutcome 503. The directory is refreshed at start and every few minutes."""

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response

from fingerpost.deployables import GatewayInstallation, HubOnly, HubUnavailable
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.api.problems import problem
from fingerpost.entrypoints.fhir_api import FHIR_BASE, fhir_error
from fingerpost.entrypoints.logs import logger
from fingerpost.entrypoints.web.pages import wants_html

__all__ = ["DIRECTORY_EVERY_SECONDS", "create_gateway_app"]

_log = logger("fingerpost.gateway")
DIRECTORY_EVERY_SECONDS = 300.0
RETRY_AFTER = "30"
_UNAVAILABLE = "the national hub cannot be reached; nothing was searched or changed, try again"


def create_gateway_app(fp: GatewayInstallation) -> FastAPI:
    app = create_app(fp)
    _keep_directory(app, fp)

    @app.exception_handler(HubUnavailable)
    async def hub_unavailable(request: Request, error: HubUnavailable) -> Response:
        route = getattr(request.scope.get("route"), "path", "unmatched")
        _log.warning("hub unavailable", route=route, error=type(error).__name__)
        headers = {"Retry-After": RETRY_AFTER}
        if request.url.path.startswith(FHIR_BASE):
            return fhir_error(503, _UNAVAILABLE, headers)
        if wants_html(request):
            return _unavailable_page(request, fp, headers)
        return problem(request, 503, _UNAVAILABLE, headers=headers)

    @app.exception_handler(HubOnly)
    async def hub_only(request: Request, error: HubOnly) -> Response:
        # What only the hub can run (proofs, exports, key rotation…), should a page ask for it.
        if wants_html(request):
            page: Response = request.app.state.error_page(request, 501, str(error))
            return page
        return problem(request, 501, str(error))

    return app


def _unavailable_page(
    request: Request, fp: GatewayInstallation, headers: dict[str, str]
) -> Response:
    render: Callable[..., Response] = request.app.state.render
    agencies = fp.directory.cached() if fp.directory is not None else []
    again = request.url.path if request.method == "GET" else "/enquiry"
    response = render(request, "hub_unavailable.html", 503, agencies=agencies, again=again)
    response.headers.update(headers)
    return response


def _keep_directory(app: FastAPI, fp: GatewayInstallation) -> None:
    """Refresh the gateway's copy of the agencies' directory at start and then periodically,
    beside the app's own background work."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        stop = threading.Event()
        worker = threading.Thread(target=_refresh, args=(fp, stop), daemon=True)
        worker.start()
        async with inner(running) as state:
            yield state
        stop.set()
        worker.join(timeout=10)

    app.router.lifespan_context = lifespan


def _refresh(fp: GatewayInstallation, stop: threading.Event) -> None:
    if fp.directory is None:
        return
    while True:
        try:
            fp.directory.refresh()
        except Exception as error:  # noqa: BLE001 - keep the last copy; the next pass retries
            _log.warning("directory not refreshed", error=type(error).__name__)
        if stop.wait(DIRECTORY_EVERY_SECONDS):
            return
