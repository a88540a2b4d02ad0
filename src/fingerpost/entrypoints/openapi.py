"""The API's description as it really answers (issue 18): every operation's error statuses with
the RFC 9457 problem shape FastAPI does not know about, in place of its default 422 body."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from fingerpost.entrypoints.fhir_api import FHIR_BASE, FHIR_JSON

__all__ = ["PROBLEM", "FieldError", "Problem", "describe_errors"]

PROBLEM = "application/problem+json"


class FieldError(BaseModel):
    field: str = Field(description="A body field (`purpose`) or a parameter (`query.offset`).")
    reason: str = Field(description="What is wrong with it (the value is never echoed).")


class Problem(BaseModel):
    """RFC 9457 problem details: every error the service answers."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = Field(default="", description="The path asked for (never its query).")
    errors: list[FieldError] | None = Field(
        default=None, description="With 422: each invalid field of the request."
    )


_WHY = {
    400: "The request cannot be read.",
    401: "No valid bearer token (or one that lives longer than accepted).",
    403: "Your role or agency may not do this (or it needs strong sign-in).",
    404: "No such thing, or not yours: another agency's is answered the same way.",
    413: "The request body is larger than the route accepts.",
    422: "A field is invalid, or a rule is broken (each field named in `errors`).",
    429: "Too many enquiries within the hour; `Retry-After` says when to try again.",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`."}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}
_UNUSED = ("HTTPValidationError", "ValidationError")


_OUTCOME = {
    FHIR_JSON: {
        "schema": {"type": "object", "description": "A FHIR R4 OperationOutcome (docs/fhir.md)."}
    }
}
_FHIR_WHY = {
    400: "Not a Bundle (or Parameters) that fingerpost reads; an OperationOutcome says why.",
    415: "The body is not sent as application/fhir+json or application/json.",
    422: "A transaction with any problem (nothing written), or $match Parameters that break a"
    " rule; an OperationOutcome names each.",
}


def _describe_fhir(method: str, responses: dict[str, Any]) -> None:
    """FHIR's routes answer in FHIR: every body, error or not, is `application/fhir+json`."""
    for answer in responses.values():
        answer["content"] = {FHIR_JSON: {"schema": {"type": "object"}}}
    if method != "post":
        return
    for status in (400, 401, 403, 413, 415, 422, 429):
        responses[str(status)] = {
            "description": _FHIR_WHY.get(status) or _WHY[status],
            "content": _OUTCOME,
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }


def _errors_of(path: str, method: str, *, body: bool) -> list[int]:
    statuses = [401, 403, 422]
    if "{" in path:
        statuses.append(404)
    if body or method in {"post", "put", "patch"}:  # a DELETE with a body (a reason) reads it
        statuses += [400, 413]
    if path.endswith("/v1/enquiries"):  # the API's and the hub's (`/hub/v1`, docs/wire.md)
        statuses.append(429)
    return sorted(statuses)


def describe_errors(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """An `app.openapi` that adds the problem responses to every API operation."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        for name in _UNUSED:
            components.pop(name, None)
        components.update(
            {
                "Problem": Problem.model_json_schema(ref_template="#/components/schemas/{model}"),
                "FieldError": FieldError.model_json_schema(),
            }
        )
        components["Problem"].pop("$defs", None)
        body = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in spec.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if path.startswith(f"{FHIR_BASE}"):
                    _describe_fhir(method, responses)
                elif path.startswith(("/api/", "/hub/")):
                    for status in _errors_of(path, method, body="requestBody" in operation):
                        responses[str(status)] = {
                            "description": _WHY[status],
                            "content": body,
                            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
                        }
                else:
                    responses.pop("422", None)
        app.openapi_schema = spec
        return spec

    return schema
