"""Every route that acts for someone is bound to the one use case it calls, and refuses (403) a
caller that use case's declared permission does not allow before the route does anything
(docs/adr/0029). The permission is the service's own declaration of that use case
(`service.permissions`, docs/adr/0028), so the route and the use case cannot disagree; the use
case checks again, with what only it knows (the involvement's agency, the practitioner it
names). The binding makes the rule visible on the route, and
`tests/api/test_route_permissions.py` fails for a route that has none.

The binding wraps the route's function rather than adding a dependency: FastAPI validates the
request first, so an invalid request is still a 422 whoever sends it, as before the binding.

A route for no one in particular (signing in, GOV.UK Notify's call-back, which has its own
shared token) is bound to `anyone`, with the reason."""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.routing import APIRoute

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.service.permissions import USE_CASES, check

__all__ = ["Binding", "anyone", "binding", "requires"]

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_REQUEST = "_guarded_request"  # the parameter the binding adds to read the installation's policy


@dataclass(frozen=True)
class Binding:
    """What a route is bound to: a use case's name, or none (`anyone`) with the reason."""

    use_case: str
    reason: str = ""


def requires(use_case: str) -> Callable[[Endpoint], Endpoint]:
    """Bind a route to `use_case`: its caller (the route's `Actor` parameter, from the bearer
    token or the page's session) must be one the use case's declaration allows."""
    if use_case not in USE_CASES:  # fails when the route is defined, not when it is called
        raise LookupError(f"no use case {use_case!r} is declared")

    def bind(endpoint: Endpoint) -> Endpoint:
        own = _request_parameter(endpoint)

        def permitted(arguments: dict[str, Any]) -> None:
            request: Request = arguments[own] if own else arguments.pop(_REQUEST)
            caller = next(value for value in arguments.values() if isinstance(value, Actor))
            fp: Fingerpost = request.app.state.fp
            check(caller, use_case, fp.hub.policy)

        return _wrapped(endpoint, permitted, Binding(use_case), add_request=not own)

    return bind


def anyone(reason: str) -> Callable[[Endpoint], Endpoint]:
    """Bind a route to no signed-in user in particular; `reason` says why that is right."""

    def bind(endpoint: Endpoint) -> Endpoint:
        endpoint.binding = Binding("", reason)  # type: ignore[attr-defined]
        return endpoint

    return bind


def binding(route: APIRoute) -> Binding | None:
    """What the route is bound to, if anything."""
    found = getattr(route.endpoint, "binding", None)
    return found if isinstance(found, Binding) else None


def _request_parameter(endpoint: Callable[..., Any]) -> str:
    """The name of the route's own `Request` parameter, if it has one: FastAPI gives the request
    to one parameter only."""
    parameters = inspect.signature(endpoint).parameters.values()
    return next((p.name for p in parameters if p.annotation in {Request, "Request"}), "")


def _wrapped(
    endpoint: Endpoint,
    permitted: Callable[[dict[str, Any]], None],
    bound: Binding,
    *,
    add_request: bool,
) -> Endpoint:
    """`endpoint`, checked by `permitted` first. Without a `Request` parameter of its own,
    FastAPI is shown one more, the request (no parameter of the API's description)."""
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            permitted(kwargs)
            return await endpoint(*args, **kwargs)

        guarded: Any = guarded_async
    else:

        @functools.wraps(endpoint)
        def guarded_sync(*args: Any, **kwargs: Any) -> Any:
            permitted(kwargs)
            return endpoint(*args, **kwargs)

        guarded = guarded_sync
    if add_request:
        signature = inspect.signature(endpoint)
        extra = inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        parameters = [*signature.parameters.values(), extra]
        guarded.__signature__ = signature.replace(parameters=parameters)
    guarded.binding = bound
    return guarded  # type: ignore[no-any-return]
