"""The API's errors: RFC 9457 problem+json for the API, the web's error page for a browser
asking for a page, a FHIR OperationOutcome under the FHIR base. No 5xx for any client input."""

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from fingerpost.bootstrap import InvalidToken
from fingerpost.domain.errors import (
    DomainError,
    InvalidValue,
    LimitExceeded,
    MassEnd,
    NotFound,
    OutOfScope,
    PermissionDenied,
)
from fingerpost.entrypoints.fhir_api import FHIR_BASE, fhir_error
from fingerpost.entrypoints.logs import logger
from fingerpost.entrypoints.notify_callbacks import NOTIFY_STATUS
from fingerpost.entrypoints.openapi import PROBLEM, FieldError, Problem
from fingerpost.entrypoints.web.pages import wants_html

__all__ = [
    "error_response",
    "install_error_handlers",
    "needs_a_bearer_first",
    "problem",
    "refused_at_the_door",
    "unauthenticated",
    "unexpected",
]

_log = logger("fingerpost.api")

_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Not ready",
}


def problem(
    request: Request,
    status: int,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=[FieldError(**e) for e in errors] if errors is not None else None,
    ).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def error_response(
    request: Request,
    status: int,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """problem+json for the API; the web's error page for a browser asking for a page; an
    OperationOutcome under the FHIR base."""
    if request.url.path.startswith(f"{FHIR_BASE}/") or request.url.path == FHIR_BASE:
        return fhir_error(status, detail, headers)
    page = getattr(request.app.state, "error_page", None)
    if page is not None and wants_html(request):
        response: Response = page(request, status, detail)
        response.headers.update(headers or {})
        return response
    return problem(request, status, detail, errors=errors, headers=headers)


def _field_error(error: Any) -> dict[str, str]:
    """One invalid field: where and why. A body that is not JSON is said so, with where it
    breaks (pydantic gives the character's position as if it were a field)."""
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        at = f" (the error is at character {loc[1]})" if len(loc) > 1 else ""
        return {"field": "", "reason": f"not JSON{at}"}
    field = ".".join(str(p) for p in loc if p != "body")
    return {"field": field, "reason": str(error.get("msg", "invalid"))}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else ""
        return error_response(request, error.status_code, detail, headers=dict(error.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # Never echo the submitted value (pydantic's `input`): it may be a child's details.
        errors = [_field_error(e) for e in error.errors()]
        in_body = all(tuple(e.get("loc", ()))[:1] == ("body",) for e in error.errors())
        detail = "the request body is not valid" if in_body else "the request is not valid"
        return error_response(request, 422, detail, errors=errors)

    @app.exception_handler(DomainError)
    async def domain(request: Request, error: DomainError) -> Response:
        status = 422
        if isinstance(error, NotFound):
            status = 404
        elif isinstance(error, PermissionDenied):
            status = 403
        elif isinstance(error, MassEnd):
            status = 409  # the safety brake of a snapshot sync: nothing was changed
        elif isinstance(error, LimitExceeded):
            return error_response(
                request, 429, str(error), headers={"Retry-After": str(error.retry_after)}
            )
        elif isinstance(error, InvalidValue | OutOfScope):
            status = 422
        return error_response(request, status, str(error))

    @app.exception_handler(InvalidToken)
    async def not_signed_in(request: Request, _: InvalidToken) -> Response:
        return unauthenticated(request)

    # Errors raised outside the API's own middleware (sessions, page headers) end here.
    app.exception_handler(Exception)(unexpected)


def needs_a_bearer_first(path: str) -> bool:
    """The API's and FHIR's routes with a body take a practitioner's bearer token, checked
    before the body is read; GOV.UK Notify's call-back checks its own shared token."""
    if path == NOTIFY_STATUS:
        return False
    return path.startswith(("/api/", FHIR_BASE))


async def refused_at_the_door(request: Request, status: int, detail: str) -> Response:
    if status == 401:
        return unauthenticated(request)
    return error_response(request, status, detail)


def unauthenticated(request: Request) -> Response:
    return error_response(
        request, 401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
    )


async def unexpected(request: Request, error: Exception) -> Response:
    if isinstance(error, ClientDisconnect):
        # The client went away before its body was whole (an upload cut off): nothing was
        # written, and it is no fault of the server's. No one is left to read the answer.
        _log.info("client went away", path=request.url.path)
        return error_response(request, 400, "the body ended before it was complete")
    _log.error("unhandled error", path=request.url.path, error=type(error).__name__)
    return error_response(request, 500, "something went wrong; it has been logged")
