"""Who is calling: the bearer token's actor, and the installation and metrics a route uses.

Routes take these as dependencies (`Caller`, `Installation`, `Counters`) instead of closing over
`create_app`'s locals, so each resource's router is a plain module (docs/adr/0029)."""

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fingerpost.bootstrap import Fingerpost, InvalidToken
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.admission import VERIFIED
from fingerpost.entrypoints.limits import known_query_only
from fingerpost.entrypoints.metrics import Metrics

__all__ = [
    "API_V1",
    "Caller",
    "Counters",
    "Installation",
    "actor",
    "bearer",
    "resource_router",
]

API_V1 = "/api/v1"

bearer = HTTPBearer(auto_error=False)

_SEEN_AGAIN_AFTER = 3600.0  # seconds: how often a known user's details are refreshed


def actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    fp: Fingerpost = request.app.state.fp
    verified: Actor | None = getattr(request.state, VERIFIED, None)  # checked before the body
    if verified is None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise InvalidToken("missing bearer token")
        verified = fp.tokens.verify(credentials.credentials)
    # Users are recorded on first sight; after that at most hourly, not on every request.
    seen: dict[tuple[str, str, str], float] = request.app.state.seen
    key = (verified.subject, verified.agency, verified.role.value)
    now = time.monotonic()
    if now - seen.get(key, -_SEEN_AGAIN_AFTER) >= _SEEN_AGAIN_AFTER:
        fp.hub.seen(verified)
        seen[key] = now
    return verified


def _installation(request: Request) -> Fingerpost:
    installation: Fingerpost = request.app.state.fp
    return installation


def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


Caller = Annotated[Actor, Depends(actor)]
Installation = Annotated[Fingerpost, Depends(_installation)]
Counters = Annotated[Metrics, Depends(_metrics)]


def resource_router(tag: str) -> APIRouter:
    """One resource's routes under /api/v1. The prefix is the router's own (not given when it is
    included) so that a route's template, which the logs and metrics name, is its whole path."""
    return APIRouter(prefix=API_V1, tags=[tag], dependencies=[Depends(known_query_only)])
