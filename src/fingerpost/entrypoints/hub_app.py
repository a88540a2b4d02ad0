"""`fingerpost hub serve`'s application: the hub's API for gateways, health and readiness, and
the hub's own background work (retention and notification delivery).

What it does not serve is the point (docs/adr/0032): no practitioner page, no `/api/v1`, no FHIR
intake — nothing that takes a child's name, date of birth, postcode or NHS number. Auditors and
operators work through their gateway's pages (which ask the hub for encodings-free answers) or
with the command line in the hub's home (audit verify, backup, restore, expire, decommission)."""

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from fingerpost import __version__
from fingerpost.bootstrap import Fingerpost
from fingerpost.entrypoints.api.problems import problem
from fingerpost.entrypoints.hub_api import install_hub_api
from fingerpost.entrypoints.hub_calls import Refusal, problem_of
from fingerpost.entrypoints.hub_records_api import records_router
from fingerpost.entrypoints.hub_sync_api import snapshot_router
from fingerpost.entrypoints.logs import logger

__all__ = ["create_hub_app"]

_log = logger("fingerpost.hub")


def create_hub_app(fp: Fingerpost) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        jobs: list[tuple[str, float, Callable[[], object]]] = [
            ("expiry", fp.settings.expire_every_seconds, fp.expire),
            ("outbox", fp.settings.deliver_every_seconds, fp.deliver),
        ]
        workers = [
            threading.Thread(target=_every, args=(name, seconds, job, stop), daemon=True)
            for name, seconds, job in jobs
        ]
        for worker in workers:
            worker.start()
        yield
        stop.set()
        for worker in workers:
            worker.join(timeout=30)

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        title="fingerpost hub",
        version=__version__,
        description="The national hub's API for gateways: encoded identities only (ADR 0026).",
    )
    app.state.fp = fp

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else ""
        return problem(request, error.status_code, detail, headers=dict(error.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # Like a body's refusal (`hub_calls.parse`): the field, never what was sent in it.
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": str(e["msg"])}
            for e in error.errors()
        ]
        refusal = Refusal(422, "invalid-request", "the request is not valid", errors=errors)
        return problem_of(request, refusal)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up (no dependencies checked)."""
        return {"status": "ok", "deployable": "hub"}

    @app.get("/readyz", tags=["operations"], response_model=None)
    def readyz(request: Request) -> dict[str, str] | Response:
        """The database answers and its schema is current."""
        if fp.ready():
            return {"status": "ready"}
        return problem(request, 503, "the database is unavailable or not migrated")

    install_hub_api(app, fp)  # the wire: /hub/v1, encodings only (docs/adr/0026)
    app.include_router(snapshot_router(fp))  # `fingerpost sync` at a gateway
    app.include_router(records_router(fp))  # `fingerpost tokens create` at a gateway
    return app


def _every(name: str, seconds: float, job: Callable[[], object], stop: threading.Event) -> None:
    """Run `job` every `seconds` until told to stop; a failure is logged and retried next time."""
    while not stop.wait(seconds):
        try:
            job()
        except Exception as error:  # noqa: BLE001 - keep serving; the next pass retries
            _log.error(f"{name} failed", error=type(error).__name__)
