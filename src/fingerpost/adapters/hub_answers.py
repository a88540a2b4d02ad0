"""The hub's answers read at the gateway: JSON into the hub's own records, and each
problem+json back into the exception the in-process hub raises (docs/wire.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote

import httpx

from fingerpost.audit.events import DamagedCheckpoint
from fingerpost.domain.errors import (
    DomainError,
    InvalidValue,
    LimitExceeded,
    MassEnd,
    NotFound,
    OutOfScope,
    PermissionDenied,
)
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.vocabulary import Role
from fingerpost.service.unavailable import GatewayNotTrusted, HubRefused, HubUnavailable
from fingerpost.wire import from_plain

__all__ = ["answer_as", "policy_answer", "read_answer", "segment"]

T = TypeVar("T")
_ERRORS: dict[str, Callable[[str], DomainError]] = {
    "not-found": NotFound,
    "permission-denied": PermissionDenied,
    "cross-gateway": PermissionDenied,
    "mass-end": MassEnd,
    "out-of-scope": OutOfScope,
    "invalid-value": InvalidValue,
    "invalid-encoding": InvalidValue,
    "invalid-request": InvalidValue,
    "clear-identity-field": InvalidValue,
    "too-large": InvalidValue,
    "domain-error": DomainError,
}


def segment(value: str) -> str:
    """An id as one segment of the hub's URL, whatever it holds: a `?`, `#`, `/` or `..` from a
    caller's URL must not make the call another request (dots too, or `..` climbs a level)."""
    return quote(value, safe="").replace(".", "%2E")


def answer_as(kind: type[T], raw: Any) -> T:
    try:
        value: T = from_plain(kind, raw)
    except (TypeError, ValueError, KeyError) as error:
        raise HubUnavailable(f"the hub's answer was not understood ({error})") from None
    return value


def read_answer(response: httpx.Response) -> Any:
    status = response.status_code
    if status == 204:
        return None
    if status < 400:
        try:
            return response.json()
        except ValueError:
            raise HubUnavailable("the hub's answer was not JSON") from None
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    detail = str(problem.get("detail", "")) if isinstance(problem, dict) else ""
    code = str(problem.get("code", "")) if isinstance(problem, dict) else ""
    return _raise(status, code, detail or response.reason_phrase, response)


def _raise(status: int, code: str, detail: str, response: httpx.Response) -> NoReturn:
    if status == 401:
        raise GatewayNotTrusted(f"the hub refused this gateway's service token: {detail}")
    if code == "linkage-mismatch":
        raise GatewayNotTrusted(detail)
    if code == "limit-exceeded" or status == 429:
        retry = response.headers.get("Retry-After", "60")
        raise LimitExceeded(detail, retry_after=int(retry) if retry.isdigit() else 60)
    if code == "damaged-checkpoint":
        raise DamagedCheckpoint(detail)
    error = _ERRORS.get(code)
    if error is not None:
        raise error(detail)
    if status >= 500:
        raise HubUnavailable(f"the hub failed ({status}): {detail}")
    raise HubRefused(
        f"the hub refused the request ({status} {detail}); it may run an older release than this"
        " gateway"
    )


def policy_answer(raw: dict[str, Any]) -> EnquiryPolicy:
    """The hub's enquiry policy as its `/policy` answer gives it."""
    return EnquiryPolicy(
        window=timedelta(seconds=raw["window_seconds"]),
        per_user=raw["per_user"],
        per_agency=raw["per_agency"],
        urgent_roles=frozenset(Role(r) for r in raw["urgent_roles"]),
        override_roles=frozenset(Role(r) for r in raw["override_roles"]),
        strong_auth_for=frozenset(raw["strong_auth_for"]),
    )
