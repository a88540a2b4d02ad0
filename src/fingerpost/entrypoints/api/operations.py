"""Running the service: the outbox's counts (`/api/v1/outbox`), health and readiness, the
Prometheus metrics and the interactive docs, served from the service's own files."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api.caller import (
    Caller,
    Counters,
    Installation,
    actor,
    bearer,
    resource_router,
)
from fingerpost.entrypoints.api.problems import problem
from fingerpost.entrypoints.guards import anyone, requires
from fingerpost.entrypoints.headers import docs_policy

__all__ = ["docs_router", "health_router", "router"]

router = resource_router("operations")


@router.get("/outbox")
@requires("notification.outbox")
def outbox(caller: Caller, fp: Installation) -> dict[str, int]:
    """Notification e-mails pending, failed for good and delivered (operators, auditors)."""
    return fp.hub.outbox(caller)


docs_router = APIRouter(include_in_schema=False)


@docs_router.get("/docs")
@anyone("the API's own documentation: no one's data")
def docs() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="fingerpost API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
    )
    page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode())
    return page


def health_router(metrics_mode: str) -> APIRouter:
    """/healthz and /readyz; /metrics too unless FINGERPOST_METRICS serves them on their own
    port (docs/adr/0018)."""
    health = APIRouter(tags=["operations"])
    health.add_api_route("/healthz", healthz, methods=["GET"])
    health.add_api_route("/readyz", readyz, methods=["GET"], response_model=None)
    if metrics_mode != "port":
        health.add_api_route("/metrics", prometheus, methods=["GET"], include_in_schema=False)
    return health


@anyone("for load balancers: whether the process is up, nothing more")
def healthz() -> dict[str, str]:
    """The process is up (no dependencies checked)."""
    return {"status": "ok"}


@anyone("for load balancers: whether the database answers, nothing more")
def readyz(request: Request, fp: Installation) -> dict[str, str] | JSONResponse:
    """The database answers and its schema is current."""
    if fp.ready():
        return {"status": "ready"}
    return problem(request, 503, "the database is unavailable or not migrated")


@anyone("counters only; with FINGERPOST_METRICS=token the route asks for an operator")
def prometheus(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    fp: Installation,
    metrics: Counters,
) -> Response:
    if fp.settings.metrics == "token":
        fp.hub.require_role(actor(request, credentials), Role.OPERATOR)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
