"""The service's addresses are a contract: splitting the API into routers by resource and the
pages into modules by role (docs/adr/0029) kept every path and method. The fixtures were taken
from the code before the split; a route added on purpose is added to them."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.routing import iter_route_contexts

from fingerpost.bootstrap import Fingerpost
from fingerpost.entrypoints.api import create_app

HERE = Path(__file__).parent
METHODS = {"get", "post", "put", "patch", "delete"}


def fixture(name: str) -> list[str]:
    listed: list[str] = json.loads((HERE / name).read_text(encoding="utf-8"))
    return listed


def test_the_openapi_document_lists_the_same_operations(fp: Fingerpost) -> None:
    document = create_app(fp).openapi()
    operations = sorted(
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    )
    assert operations == fixture("openapi_operations.json")


def test_the_pages_docs_and_metrics_keep_their_addresses(fp: Fingerpost) -> None:
    """Every route the OpenAPI document leaves out: the web pages, /docs, /metrics."""
    listed = set(fixture("openapi_operations.json"))
    unlisted = sorted(
        f"{method} {route.path}"
        for route in iter_route_contexts(create_app(fp).routes)
        for method in route.methods or ()
        if method != "HEAD" and f"{method} {route.path}" not in listed
    )
    assert unlisted == fixture("unlisted_routes.json")
