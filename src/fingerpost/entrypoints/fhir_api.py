"""FHIR R4 over HTTP, base `/fhir/R4` (docs/fhir.md, ADR 0022).

`POST /fhir/R4` takes a transaction or batch Bundle of involvements; `POST
/fhir/R4/Patient/$match` asks who else works with a child. Both need the same bearer tokens, roles
and limits as /api/v1 and go through the same gateway and use cases. The CapabilityStatement and
the published CodeSystem and profiles are open to all. Errors are OperationOutcome, not
problem+json: what a FHIR client reads.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.enquiring import enquire
from fingerpost.entrypoints.fhir_intake import BundleReport, register_bundle
from fingerpost.entrypoints.fhir_signposts import searchset
from fingerpost.entrypoints.guards import anyone, requires
from fingerpost.gateway.fhir import (
    FhirRefused,
    Issue,
    operation_outcome,
    published,
    read_json,
    read_match,
)

__all__ = ["FHIR_BASE", "FHIR_JSON", "fhir_error", "fhir_router"]

FHIR_BASE = "/fhir/R4"
FHIR_JSON = "application/fhir+json"
_ISSUE_CODES = {
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    413: "too-costly",
    415: "not-supported",
    429: "throttled",
    500: "exception",
}
_STATUS_TEXT = {200: "200 OK", 422: "422 Unprocessable Entity"}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {FHIR_JSON: {"schema": {"type": "object"}}},
    }
}


def fhir_json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON, headers=headers)


def fhir_error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Any error under the FHIR base, as an OperationOutcome with the HTTP status."""
    issue = Issue(detail or "the request failed", code=_ISSUE_CODES.get(status, "invalid"))
    return fhir_json(operation_outcome([issue]), status, headers)


async def _document(request: Request, max_mib: int) -> Any:
    """The body as JSON, read no further than the size limit."""
    kind = request.headers.get("content-type", FHIR_JSON).split(";")[0].strip().lower()
    if kind not in {FHIR_JSON, "application/json"}:
        raise FhirRefused(
            Issue(f"send {FHIR_JSON} (FHIR's JSON format)", code="not-supported"), status=415
        )
    limit = max_mib * 1024 * 1024
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            break  # read_json refuses it: no more is read
    return read_json(bytes(body), max_bytes=limit)


def _entry_response(report: BundleReport, index: int) -> dict[str, Any]:
    issues = report.issues.get(index)
    if issues:
        return {"status": _STATUS_TEXT[422], "outcome": operation_outcome(issues)}
    if index in report.stored:
        stored: dict[str, Any] = {
            "status": _STATUS_TEXT[200],
            "location": f"EpisodeOfCare/{report.stored[index]}",
        }
        if index in report.warnings:  # stored, with what was set aside
            stored["outcome"] = operation_outcome(report.warnings[index])
        return stored
    return {"status": _STATUS_TEXT[200]}  # read for an involvement; fingerpost keeps no copy


def _response_bundle(report: BundleReport) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": f"{report.kind}-response",
        "entry": [{"response": _entry_response(report, i)} for i in range(report.entries)],
    }


def fhir_router(
    fp: Fingerpost, actor: Callable[..., Actor], counted: Callable[[list[str]], None]
) -> APIRouter:
    """The FHIR routes; `actor` is the API's bearer-token dependency, `counted` is told the
    confidence of each enquiry's signposts (the metrics)."""
    router = APIRouter(prefix=FHIR_BASE, tags=["fhir"])

    def refused(error: FhirRefused) -> JSONResponse:
        return fhir_json(operation_outcome([error.issue]), error.status)

    @router.post("", openapi_extra=_BODY, response_model=None)
    @requires("involvement.register")
    async def transaction_or_batch(
        request: Request, caller: Annotated[Actor, Depends(actor)]
    ) -> JSONResponse:
        """Register involvements: a `transaction` Bundle (all or nothing: any problem and
        nothing is written, 422 with every issue) or a `batch` (each involvement stored or
        refused on its own; 200 with a batch-response)."""
        try:
            document = await _document(request, fp.settings.fhir_max_mib)
            report = await run_in_threadpool(register_bundle, fp, caller, document)
        except FhirRefused as error:
            return refused(error)
        if report.refused:
            return fhir_json(operation_outcome(report.all_issues), 422)
        return fhir_json(_response_bundle(report))

    @router.post("/Patient/$match", openapi_extra=_BODY, response_model=None)
    @requires("enquiry.make")
    async def match(request: Request, caller: Annotated[Actor, Depends(actor)]) -> JSONResponse:
        """Who else works with this child? Parameters in (`resource`: the child as a Patient;
        `purpose`: required, audited; `urgent`; `shield-override-reason`), a searchset Bundle of
        signposts out, graded `probable` (strong) or `possible` — never a score."""
        try:
            wanted = read_match(await _document(request, fp.settings.fhir_max_mib))
        except FhirRefused as error:
            return refused(error)
        enquired = await run_in_threadpool(
            lambda: enquire(
                fp,
                caller,
                wanted.purpose,
                wanted.child,
                urgent=wanted.urgent,
                override_reason=wanted.override_reason,
            )
        )
        result = enquired.result
        counted([signpost.confidence.value for signpost in result.signposts])
        return fhir_json(searchset(result.enquiry_id, result.signposts, enquired.searched))

    for address, resource in published().items():
        router.add_api_route(
            f"/{address}",
            _static(resource),
            methods=["GET"],
            response_model=None,
            summary=f"The published {resource['resourceType']} {resource.get('name', '')}",
        )
    return router


def _static(resource: dict[str, Any]) -> Callable[[], JSONResponse]:
    @anyone("a published conformance resource (FHIR asks that metadata be readable unsigned)")
    def read() -> JSONResponse:
        return fhir_json(resource)

    return read
