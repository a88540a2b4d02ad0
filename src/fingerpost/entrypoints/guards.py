"""Every route that acts for someone is bound to the one use case it calls, and refuses (403) a
caller that use case's declared permission does not allow, before the route reads its body or
calls anything (docs/adr/0029). The use case checks again, with what only it knows (the
involvement's agency, the practitioner it names); the binding makes the rule visible on the
route, and `tests/api/test_route_permissions.py` fails for a route that has none.

A route for no one in particular (signing in, GOV.UK Notify's call-back, which has its own
shared token) is bound to `anyone`, with the reason."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import PermissionDenied
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.bearer import Caller

__all__ = [
    "DECLARED",
    "Binding",
    "Declared",
    "anyone",
    "bindings",
    "bound",
    "check",
    "known",
    "policy",
    "requires",
]

_STAFF = frozenset({Role.PRACTITIONER, Role.AGENCY_ADMIN})
_ADMIN = frozenset({Role.AGENCY_ADMIN})
_AUDITOR = frozenset({Role.AUDITOR})
_LOG_KEEPERS = frozenset({Role.AUDITOR, Role.OPERATOR})


@dataclass(frozen=True)
class Declared:
    """Who may call a use case, as the service declares it: `roles`, and the strong sign-in
    action (`EnquiryPolicy.strong_auth_for`) it needs when the policy lists it."""

    roles: frozenset[Role]
    strong: str = ""
    refusal: str = "the {role} role may not do this"


# The use cases the routes call, by the service's names for them (docs/adr/0028).
DECLARED: Mapping[str, Declared] = {
    "agency.read": Declared(frozenset(Role)),
    "user.list": Declared(frozenset({Role.AGENCY_ADMIN, Role.AUDITOR, Role.OPERATOR})),
    "involvement.register": Declared(_STAFF),
    "involvement.sync": Declared(_ADMIN, refusal="the {role} role may not sync an agency's list"),
    "involvement.read": Declared(_STAFF),
    "involvement.list": Declared(_ADMIN),
    "involvement.change": Declared(_STAFF),
    "involvement.withdraw": Declared(_ADMIN),
    "involvement.shield": Declared(_ADMIN, strong="shield"),
    "enquiry.make": Declared(_STAFF),
    "review.list": Declared(_AUDITOR),
    "review.close": Declared(_AUDITOR),
    "notification.list": Declared(_STAFF),
    "notification.outbox": Declared(frozenset({Role.OPERATOR, Role.AUDITOR})),
    "audit.search": Declared(_AUDITOR, strong="audit-read"),
    "audit.verify": Declared(_LOG_KEEPERS),
    "subject.access-report": Declared(_AUDITOR, strong="audit-read"),
    "subject.family-notice": Declared(_STAFF),
}


@dataclass(frozen=True)
class Binding:
    """What a route is bound to: a use case's name, or none (`anyone`) with the reason."""

    use_case: str
    reason: str = ""


def check(actor: Actor, use_case: str, policy: EnquiryPolicy) -> None:
    """Refuse an actor whom the use case's declaration does not allow."""
    declared = DECLARED[use_case]
    if actor.role not in declared.roles:
        raise PermissionDenied(declared.refusal.format(role=actor.role.value))
    if declared.strong in policy.strong_auth_for and not actor.strong_auth:
        raise PermissionDenied(
            f"{declared.strong.replace('-', ' ')} needs strong (multi-factor) authentication:"
            " sign in again with it"
        )


def policy(request: Request) -> EnquiryPolicy:
    fp: Fingerpost = request.app.state.fp
    return fp.hub.policy


def known(use_case: str) -> None:
    """A route naming a use case nothing declares fails when it is defined, not when called."""
    if use_case not in DECLARED:
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
