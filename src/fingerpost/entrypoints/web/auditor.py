"""Auditors' pages: the audit log and its verification, break-glass reviews, and subject
access reports."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from fingerpost.audit.events import AuditAction, DamagedCheckpoint
from fingerpost.domain.vocabulary import ReviewOutcome
from fingerpost.entrypoints.enquiring import subject_access_report
from fingerpost.entrypoints.guards import requires
from fingerpost.entrypoints.reports import report_json
from fingerpost.entrypoints.web.forms import SubjectAccessForm, sentence
from fingerpost.entrypoints.web.pages import Site, User, flash
from fingerpost.entrypoints.web.session import checked_form

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
OUTCOMES = [o.value for o in ReviewOutcome]


@router.get("/audit", response_class=HTMLResponse)
@requires("audit.search")
def audit(
    request: Request,
    user: User,
    site: Site,
    *,
    action: Annotated[str, Query(max_length=64)] = "",
    actor: Annotated[str, Query(max_length=254)] = "",
    agency: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    hub = site.fp.hub
    events = hub.audit_events(user, action=action, subject=actor, agency=agency, limit=200)
    return site.render(
        request,
        "audit.html",
        events=events,
        actions=[a.value for a in AuditAction],
        search={"action": action, "actor": actor, "agency": agency},
    )


@router.post("/audit/verify", response_class=HTMLResponse)
@requires("audit.verify")
async def audit_verify(request: Request, user: User, site: Site) -> HTMLResponse:
    await checked_form(request)
    try:
        first_bad = site.fp.hub.verify_audit(user)
    except DamagedCheckpoint as error:  # a finding for the auditor, not a server error
        return site.render(request, "verify.html", intact=False, damaged=str(error), head=None)
    return site.render(
        request,
        "verify.html",
        intact=first_bad is None,
        first_bad=first_bad,
        head=site.fp.hub.audit_head(user),
    )


@router.get("/audit/reviews", response_class=HTMLResponse)
@requires("review.list")
def reviews(
    request: Request,
    user: User,
    site: Site,
    state: Annotated[str, Query(pattern="^(open|all)$")] = "open",
) -> HTMLResponse:
    found = site.fp.hub.reviews(user, open_only=state == "open")
    return site.render(
        request, "reviews.html", reviews=found, state=state, outcomes=OUTCOMES, errors={}
    )


@router.post("/audit/reviews/{review_id}/close")
@requires("review.close")
async def close_review(request: Request, user: User, site: Site, review_id: str) -> Response:
    form = await checked_form(request)
    outcome = str(form.get("outcome") or "")
    note = str(form.get("note") or "").strip()
    if outcome not in OUTCOMES:
        return site.render(
            request,
            "reviews.html",
            400,
            reviews=site.fp.hub.reviews(user),
            state="open",
            outcomes=OUTCOMES,
            errors={review_id: "Select the finding"},
        )
    site.fp.hub.close_review(user, review_id, outcome, note)
    flash(request, f"The review is closed: {sentence(outcome).lower()}.")
    return RedirectResponse("/audit/reviews", status_code=303)


@router.get("/audit/subject-access", response_class=HTMLResponse)
@requires("subject.access-report")
def subject_access(request: Request, user: User, site: Site) -> HTMLResponse:
    del user  # the binding has checked who is asking; the blank form needs no more
    return site.render(request, "subject_access.html", form=SubjectAccessForm())


@router.post(
    "/audit/subject-access",
    response_class=HTMLResponse,
)
@requires("subject.access-report")
async def subject_report(request: Request, user: User, site: Site) -> HTMLResponse:
    form = SubjectAccessForm.posted(await checked_form(request))
    if form.errors:
        return site.render(request, "subject_access.html", 400, form=form)
    reference = form.values["reference"]
    report = subject_access_report(site.fp, user, form.child(), reference=reference)
    return site.render(
        request, "subject_report.html", report=report_json(report), reference=reference
    )
