"""Every route that acts for someone is bound to the one use case it calls, and refuses (403) a
caller that use case's declared permission does not allow, before the route reads its body or
calls anything (docs/adr/0029). The permission is the service's own declaration of that use
case (`service.permissions`, docs/adr/0028), so the route and the use case cannot disagree; the
use case checks again, with what only it knows (the involvement's agency, the practitioner it
names). The binding makes the rule visible on the route, and
`tests/api/test_route_permissions.py` fails for a route that has none.

A route for no one in particular (signing in, GOV.UK Notify's call-back, which has its own
shared token) is bound to `anyone`, with the reason."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.entrypoints.bearer import Caller
from fingerpost.service.permissions import USE_CASES, check

__all__ = [
    "Binding",
    "anyone",
    "bindings",
    "bound",
    "check",
    "known",
    "policy",
    "requires",
]


@dataclass(frozen=True)
class Binding:
    """What a route is bound to: a use case's name, or none (`anyone`) with the reason."""

    use_case: str
    reason: str = ""


def policy(request: Request) -> EnquiryPolicy:
    fp: Fingerpost = request.app.state.fp
    return fp.hub.policy


def known(use_case: str) -> None:
    """A route naming a use case nothing declares fails when it is defined, not when called."""
    if use_case not in USE_CASES:
        raise LookupError(f"no use case {use_case!r} is declared")


def bound(guard: Callable[..., None], binding: Binding) -> Any:
    guard.binding = binding  # type: ignore[attr-defined]  # read back by `bindings`
    return Depends(guard)


def requires(use_case: str) -> Any:
    """A route dependency: the bearer token's actor may call `use_case`."""
    known(use_case)

    def permitted(request: Request, caller: Caller) -> None:
        check(caller, use_case, policy(request))

    return bound(permitted, Binding(use_case))


def anyone(reason: str) -> Any:
    """A route for no signed-in user in particular; `reason` says why that is right."""

    def open_to_anyone() -> None:
        return None

    return bound(open_to_anyone, Binding("", reason))


def bindings(route: APIRoute) -> list[Binding]:
    """What the route is bound to (exactly one, for a route that acts for someone)."""
    found = (getattr(d.dependency, "binding", None) for d in route.dependencies)
    return [binding for binding in found if isinstance(binding, Binding)]
