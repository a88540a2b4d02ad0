"""The HTTP API (FastAPI): versioned under /api/v1, bearer tokens, RFC 9457 problem+json errors.

Routes only translate: JSON in, a gateway encoding, one hub use case, JSON out. Child details
arrive here and go no further than the gateway; responses and logs never echo them. Each
resource's routes are a module of this package (docs/adr/0029); `create_app` only assembles
them with the middleware, the error handlers and the installation's state.
"""

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from fingerpost import __version__
from fingerpost.bootstrap import Fingerpost
from fingerpost.entrypoints.admission import Admission, BodyLimits
from fingerpost.entrypoints.api import (
    agencies,
    audit,
    enquiries,
    involvements,
    notifications,
    operations,
    reviews,
)
from fingerpost.entrypoints.api.caller import actor
from fingerpost.entrypoints.api.problems import (
    install_error_handlers,
    needs_a_bearer_first,
    refused_at_the_door,
    unexpected,
)
from fingerpost.entrypoints.background import running_in_background
from fingerpost.entrypoints.fhir_api import FHIR_BASE, fhir_router
from fingerpost.entrypoints.headers import api_headers
from fingerpost.entrypoints.hub_api import install_hub_api
from fingerpost.entrypoints.logs import logger
from fingerpost.entrypoints.metrics import Metrics, separate_port
from fingerpost.entrypoints.notify_callbacks import notify_router
from fingerpost.entrypoints.openapi import describe_errors
from fingerpost.entrypoints.sync_api import sync_router
from fingerpost.entrypoints.web import install_web

__all__ = ["create_app"]

_log = logger("fingerpost.api")

# The /api/v1 routers, by resource, in the order the OpenAPI document lists them.
RESOURCES = (involvements, enquiries, notifications, agencies, audit, reviews, operations)

DESCRIPTION = (
    "A national signposting service for vulnerable children: who else works with this "
    "child, and how to reach them. That, never what: no case content, no scores. Every "
    "enquiry states a purpose and is audited. Errors are RFC 9457 problem+json."
)
TAGS = [
    {"name": "involvements", "description": "Your agency's involvements with children."},
    {"name": "enquiries", "description": "Who else works with this child?"},
    {"name": "notifications", "description": "Who looked for your children."},
    {"name": "audit", "description": "The tamper-evident audit log (auditors)."},
    {"name": "agencies", "description": "Agencies taking part."},
    {"name": "operations", "description": "Health, readiness and metrics."},
    {"name": "fhir", "description": "FHIR R4: intake Bundles and Patient/$match."},
]


def create_app(fp: Fingerpost) -> FastAPI:
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = fp.settings
        with (
            running_in_background(fp),
            separate_port(metrics, settings.metrics_host, settings.metrics_port)
            if settings.metrics == "port"
            else nullcontext(),
        ):
            yield

    app = FastAPI(
        lifespan=lifespan,
        # The interactive docs are served from the service's own files (operations.docs):
        # FastAPI's defaults load Swagger UI and ReDoc from a CDN, blank on a network without one.
        docs_url=None,
        redoc_url=None,
        title="fingerpost",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
    )
    app.state.fp = fp
    app.state.metrics = metrics
    app.state.seen = {}
    app.openapi = describe_errors(app)  # type: ignore[method-assign]
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    app.include_router(operations.docs_router)
    install_error_handlers(app)
    _admit(app, fp)
    app.middleware("http")(_observe)
    _route(app, fp, metrics)
    return app


def _admit(app: FastAPI, fp: Fingerpost) -> None:
    """Bodies beyond their route's limit, and bodies without a bearer token, are refused before
    they are read. Added before `_observe`, so inside it: its refusals are counted, logged and
    given headers."""
    settings = fp.settings
    app.state.body_limits = BodyLimits(settings.request_max_kib * 1024)
    # A snapshot is a whole register, streamed: its own limit (the route counts it too).
    sync_bytes = settings.sync_max_mib * 1024 * 1024
    too_big_sync = f"a snapshot may be at most {settings.sync_max_mib} MiB"
    app.state.body_limits.allow("/api/v1/sync", sync_bytes, too_big_sync)
    fhir_bytes = settings.fhir_max_mib * 1024 * 1024
    for path in (FHIR_BASE, f"{FHIR_BASE}/Patient/$match"):
        too_big = f"a FHIR request may be at most {settings.fhir_max_mib} MiB"
        app.state.body_limits.allow(path, fhir_bytes, too_big)
    app.add_middleware(
        Admission,
        limits=app.state.body_limits,
        verify=fp.tokens.verify,
        refuse=refused_at_the_door,
        guarded=needs_a_bearer_first,
    )


async def _observe(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Every answer counted, timed, logged by its route template and given the API's headers."""
    started = time.perf_counter()
    try:
        response = await call_next(request)
    except Exception as error:  # noqa: BLE001 - answered here, not by Starlette's outermost
        # handler, so that a 500 gets the headers, the count and the log line of any other.
        response = await unexpected(request, error)
    route = getattr(request.scope.get("route"), "path", "unmatched")
    elapsed = time.perf_counter() - started
    metrics: Metrics = request.app.state.metrics
    metrics.requests.labels(request.method, route, str(response.status_code)).inc()
    metrics.latency.labels(route).observe(elapsed)
    api_headers(request, response)
    # Route templates only: a query string or body could hold a child's details.
    _log.info(
        "request",
        method=request.method,
        route=route,
        status=response.status_code,
        ms=round(elapsed * 1000, 2),
    )
    return response


def _route(app: FastAPI, fp: Fingerpost, metrics: Metrics) -> None:
    """The API's resources under /api/v1, GOV.UK Notify's call-back, FHIR, snapshots, the
    pages, and health, readiness and metrics."""
    for resource in RESOURCES:
        app.include_router(resource.router)
    app.include_router(notify_router(fp))

    def counted(confidences: list[str]) -> None:
        metrics.enquiries.inc()
        for confidence in confidences:
            metrics.signposts.labels(confidence).inc()

    app.include_router(fhir_router(fp, actor, counted))
    app.include_router(sync_router(fp, actor))
    install_hub_api(app, fp)  # the hub's API for gateways, beside /api/v1 (development, tests)
    install_web(app, fp)
    app.include_router(operations.health_router(fp.settings.metrics))
