"""How every call of the hub's API for gateways is taken (docs/wire.md, ADR 0026): the service
token first, then the body (bounded, never logged), refused whole if it names a clear identity
field, then the use case; every refusal answered as problem+json with a `code` the gateway's
client turns back into the exception an in-process hub would have raised."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fingerpost.audit.events import DamagedCheckpoint
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import (
    DomainError,
    InvalidValue,
    LimitExceeded,
    MassEnd,
    NotFound,
    OutOfScope,
    PermissionDenied,
)
from fingerpost.entrypoints.heap import bulk_memory
from fingerpost.entrypoints.logs import logger
from fingerpost.service.gateways import CrossGateway, LinkageMismatch, ServiceTokenRefused
from fingerpost.wire import WireError, clear_identity_fields, to_plain
from fingerpost.wire.clear_fields import any_clear_field, loads_noting_keys

__all__ = ["Refusal", "answer", "problem_of"]

M = TypeVar("M", bound=BaseModel)
PROBLEM = "application/problem+json"
_log = logger("fingerpost.hub.api")
_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Content too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
}
# Domain errors by the code the client maps back (`adapters/hub_client.py`), most specific first.
_DOMAIN: list[tuple[type[DomainError], int, str]] = [
    (NotFound, 404, "not-found"),
    (PermissionDenied, 403, "permission-denied"),
    (MassEnd, 409, "mass-end"),
    (OutOfScope, 422, "out-of-scope"),
    (InvalidValue, 422, "invalid-value"),
    (DomainError, 422, "domain-error"),
]


class Refusal(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.errors, self.headers = errors, headers


def problem_of(request: Request, refusal: Refusal) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(refusal.status, "Error"),
        "status": refusal.status,
        "detail": refusal.detail,
        "instance": request.url.path,
        "code": refusal.code,
    }
    if refusal.errors is not None:
        body["errors"] = refusal.errors
    return JSONResponse(
        body, status_code=refusal.status, media_type=PROBLEM, headers=refusal.headers
    )


def _refusal(error: Exception) -> Refusal:
    if isinstance(error, ServiceTokenRefused):
        detail = "a valid service token from a registered gateway is required"
        return Refusal(401, "service-token", detail, headers={"WWW-Authenticate": "Bearer"})
    if isinstance(error, CrossGateway):
        return Refusal(403, "cross-gateway", str(error))
    if isinstance(error, LinkageMismatch):
        return Refusal(409, "linkage-mismatch", str(error))
    if isinstance(error, LimitExceeded):
        headers = {"Retry-After": str(error.retry_after)}
        return Refusal(429, "limit-exceeded", str(error), headers=headers)
    if isinstance(error, WireError):
        return Refusal(422, "invalid-encoding", str(error))
    for kind, status, code in _DOMAIN:
        if isinstance(error, kind):
            return Refusal(status, code, str(error))
    raise error


def admit(fp: Fingerpost, request: Request, gateway_only: bool = False) -> Actor:
    """The practitioner the calling gateway vouches for (ServiceTokenRefused, CrossGateway)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ServiceTokenRefused("missing service token")
    return fp.gateways.admit(token.strip(), gateway_only=gateway_only)


async def read_body(request: Request, limit: int) -> bytes:
    announced = request.headers.get("content-length", "").strip()
    too_big = Refusal(413, "too-large", f"a request here may be at most {limit // 2**20} MiB")
    if announced and (not announced.isdigit() or int(announced) > limit):
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _clear_fields_refused(named: list[str]) -> Refusal:
    reason = "a clear identity field: the hub takes encoded identities only"
    return Refusal(
        422,
        "clear-identity-field",
        f"refused: the request names {len(named)} clear identity field(s); nothing was kept",
        errors=[{"field": path, "reason": reason} for path in named],
    )


def _refuse_clear_query(request: Request) -> None:
    """A child's details in the query string are refused as they are in a body: a URL is what
    proxies and access logs keep."""
    keys = request.query_params.keys()
    if any_clear_field(keys):
        raise _clear_fields_refused(sorted(f"query.{k}" for k in keys if any_clear_field([k])))


def parse(model: type[M], body: bytes) -> M:
    """The request as `model`: refused whole when it names a clear identity field (the field's
    path is said, its value never), or is not what the model describes."""
    try:
        raw, keys = loads_noting_keys(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise Refusal(400, "invalid-json", "the request body is not JSON in UTF-8") from None
    named = clear_identity_fields(raw) if any_clear_field(keys) else []
    if named:
        raise _clear_fields_refused(named)
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        # Never echo pydantic's `input`: it may be anything a gateway sent.
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]}
            for e in error.errors(include_input=False, include_url=False)
        ]
        raise Refusal(422, "invalid-request", "the request is not valid", errors=errors) from None


async def answer(
    fp: Fingerpost,
    request: Request,
    work: Callable[[Actor, bytes], Any],
    *,
    limit: int = 0,
    status: int = 200,
    gateway_only: bool = False,
    bulk: bool = False,
) -> Response:
    """Admit the caller, read the body (when `limit`), run `work` off the event loop, and
    answer its result as JSON — or the refusal as problem+json.

    A call with no body, or one announced small (one enquiry, a page of a listing), is read
    first and then admitted and worked in one hand-off to a thread: each hand-off is a wake-up
    to wait for, and on a busy machine those waits were most of what the split added to an
    enquiry (docs/adr/0033). A larger body is read only once its token has been admitted."""
    try:
        _refuse_clear_query(request)
        if not limit or _announced_at_most(request, _READ_BEFORE_ADMITTING):
            body = await read_body(request, limit) if limit else b""
            result = await run_in_threadpool(
                _admit_and_run, fp, request, gateway_only, work, body, bulk
            )
        else:
            actor = await run_in_threadpool(admit, fp, request, gateway_only)
            body = await read_body(request, limit)
            result = await run_in_threadpool(_run, work, actor, body, bulk)
    except Refusal as refusal:
        return problem_of(request, refusal)
    except (ServiceTokenRefused, CrossGateway, LinkageMismatch) as error:
        _log.info("gateway refused", path=request.url.path, reason=type(error).__name__)
        return problem_of(request, _refusal(error))
    if status == 204:
        return Response(status_code=204)
    return JSONResponse(result, status_code=status)


# A body this small may be read before its token is checked: no more than any web server reads
# of a request it then refuses. Batches (up to `BATCH_MAX_BYTES`) wait for the token.
_READ_BEFORE_ADMITTING = 2**20


def _announced_at_most(request: Request, size: int) -> bool:
    announced = request.headers.get("content-length", "").strip()
    return announced.isdigit() and int(announced) <= size


def _admit_and_run(  # noqa: PLR0917 - `answer`'s one hand-off, its arguments as given
    fp: Fingerpost,
    request: Request,
    gateway_only: bool,
    work: Callable[[Actor, bytes], Any],
    body: bytes,
    bulk: bool,
) -> Any:
    return _run(work, admit(fp, request, gateway_only), body, bulk)


def _run(work: Callable[[Actor, bytes], Any], actor: Actor, body: bytes, bulk: bool) -> Any:
    try:
        with bulk_memory() if bulk else nullcontext():
            return to_plain(work(actor, body))
    except DamagedCheckpoint as error:  # a finding about the audit log, not a server error
        raise Refusal(409, "damaged-checkpoint", str(error)) from None
    except (DomainError, WireError) as error:
        raise _refusal(error) from None


Handler = Callable[[Request], Awaitable[Response]]
