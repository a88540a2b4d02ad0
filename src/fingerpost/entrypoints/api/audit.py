"""`/api/v1/audit/...` and `/api/v1/subject-access`: the tamper-evident log and what is held
about a child, for auditors."""

from typing import Annotated

from fastapi import Query
from fastapi.responses import HTMLResponse, JSONResponse

from fingerpost.audit.events import DamagedCheckpoint
from fingerpost.entrypoints.api.bodies import SubjectAccessIn
from fingerpost.entrypoints.api.caller import Caller, Installation, resource_router
from fingerpost.entrypoints.api.views import AuditEventOut, AuditVerifyOut
from fingerpost.entrypoints.enquiring import subject_access_report
from fingerpost.entrypoints.guards import requires
from fingerpost.entrypoints.limits import PageLimit
from fingerpost.entrypoints.reports import report_html, report_json

__all__ = ["router"]

router = resource_router("audit")


@router.get("/audit/events", response_model=list[AuditEventOut])
@requires("audit.search")
def audit_events(caller: Caller, fp: Installation, limit: PageLimit = 100) -> list[AuditEventOut]:
    """The newest audit events (auditors only). Reading the audit is itself audited."""
    return [
        AuditEventOut(
            action=e.action.value,
            actor=e.actor,
            agency=e.agency,
            at=e.at.isoformat(),
            purpose=e.purpose,
            result_count=e.result_count,
            urgent=e.urgent,
            detail=e.detail,
        )
        for e in fp.hub.audit_events(caller, limit=limit)
    ]


@router.post(
    "/subject-access",
    response_model=None,
    responses={200: {"content": {"text/html": {}}, "description": "JSON, or HTML on request."}},
)
@requires("subject.access-report")
def subject_access(
    body: SubjectAccessIn,
    caller: Caller,
    fp: Installation,
    format: Annotated[str, Query(pattern="^(json|html)$")] = "json",
) -> JSONResponse | HTMLResponse:
    """Everything held about a child, every enquiry that found them and every notification
    about them (auditors only; audited; strong sign-in when `audit-read` requires it).
    `format=html` gives the printable report."""
    report = subject_access_report(fp, caller, body.row(), reference=body.reference)
    if format == "html":
        return HTMLResponse(report_html(report))
    return JSONResponse(report_json(report))


@router.get("/audit/verify", response_model=AuditVerifyOut)
@requires("audit.verify")
def audit_verify(caller: Caller, fp: Installation) -> AuditVerifyOut:
    """Recompute the Merkle tree and check every signed checkpoint (auditors, operators)."""
    try:
        first_bad = fp.hub.verify_audit(caller)
    except DamagedCheckpoint as error:  # not intact, and an auditor's finding, not a 500
        return AuditVerifyOut(intact=False, first_bad_seq=None, damaged=str(error))
    return AuditVerifyOut(intact=first_bad is None, first_bad_seq=first_bad)
