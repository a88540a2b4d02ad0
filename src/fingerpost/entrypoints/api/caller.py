"""Who is calling: the bearer token's actor, and the installation and metrics a route uses.

Routes take these as dependencies (`Caller`, `Installation`, `Counters`) instead of closing over
`create_app`'s locals, so each resource's router is a plain module (docs/adr/0029)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from fingerpost.bootstrap import Fingerpost
from fingerpost.entrypoints.bearer import Caller, actor, bearer
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


def _installation(request: Request) -> Fingerpost:
    installation: Fingerpost = request.app.state.fp
    return installation


def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


Installation = Annotated[Fingerpost, Depends(_installation)]
Counters = Annotated[Metrics, Depends(_metrics)]


def resource_router(tag: str) -> APIRouter:
    """One resource's routes under /api/v1. The prefix is the router's own (not given when it is
    included) so that a route's template, which the logs and metrics name, is its whole path."""
    return APIRouter(prefix=API_V1, tags=[tag], dependencies=[Depends(known_query_only)])
