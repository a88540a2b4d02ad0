"""Bounds on what one request may ask of the service: how far it may page, how much it may
send. Checked at the door, so that a hostile request costs little and never reaches the
database or a parser with a value they cannot hold (issue 18)."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

__all__ = ["MAX_OFFSET", "PageLimit", "PageOffset", "known_query_only"]

# Far beyond any agency's register, far within every database's 64-bit integers.
MAX_OFFSET = 10_000_000

PageLimit = Annotated[int, Query(ge=1, le=1000, description="At most this many (1 to 1000).")]
PageOffset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description=f"Skip this many first (0 to {MAX_OFFSET:,}).")
]


def known_query_only(request: Request) -> None:
    """Refuse (422) a query parameter the route does not take: a misspelt `ofset` silently
    ignored would page from the start, and an unread parameter is one more place for a child's
    details to travel in a URL."""
    route = request.scope.get("route")
    known = (
        {p.alias for p in route.dependant.query_params} if isinstance(route, APIRoute) else set()
    )
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", name), "msg": "not a parameter of this operation"}
                for name in unknown
            ]
        )
