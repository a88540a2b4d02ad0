"""Practitioners' pages (agency administrators' too): enquire about a child, and read the
notifications about their own children."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from fingerpost.domain.errors import InvalidValue, LimitExceeded, PermissionDenied
from fingerpost.domain.values import parse_purpose
from fingerpost.entrypoints.answer import notes_text
from fingerpost.entrypoints.enquiring import enquire
from fingerpost.entrypoints.guards import requires
from fingerpost.entrypoints.web.forms import PURPOSES, EnquiryForm
from fingerpost.entrypoints.web.pages import Site, User
from fingerpost.entrypoints.web.session import checked_form, current_user

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _enquiry_form(
    request: Request, site: Site, form: EnquiryForm, status: int = 200, problem: str = ""
) -> HTMLResponse:
    user = current_user(request)
    may_override = user is not None and user.role in site.fp.hub.policy.override_roles
    return site.render(
        request,
        "enquiry.html",
        status,
        form=form,
        purposes=PURPOSES,
        problem=problem,
        may_override=may_override,
    )


@router.get("/enquiry", response_class=HTMLResponse)
@requires("enquiry.make")
def enquiry(request: Request, user: User, site: Site) -> HTMLResponse:
    del user  # the binding has checked who is asking; the blank form needs no more
    return _enquiry_form(request, site, EnquiryForm())


@router.post("/enquiry", response_class=HTMLResponse)
@requires("enquiry.make")
async def enquiry_results(request: Request, user: User, site: Site) -> HTMLResponse:
    form = EnquiryForm.posted(await checked_form(request))
    if form.errors:
        return _enquiry_form(request, site, form, 400)
    fp = site.fp
    try:
        enquired = enquire(
            fp,
            user,
            form.purpose,
            form.child(),
            urgent=form.urgent,
            override_reason=form.override_reason,
        )
    except LimitExceeded as refused:
        answer = _enquiry_form(request, site, form, 429, problem=str(refused).capitalize())
        answer.headers["Retry-After"] = str(refused.retry_after)
        return answer
    except PermissionDenied as refused:  # e.g. urgent or an override without strong sign-in
        return _enquiry_form(request, site, form, 403, problem=str(refused).capitalize())
    except InvalidValue as problem:  # e.g. a reason that names the child: put it right
        return _enquiry_form(request, site, form, 400, problem=str(problem).capitalize())
    signposts = enquired.result.signposts
    notes = notes_text(
        enquiry_id=enquired.result.enquiry_id,
        asked_at=fp.clock(),
        asked_by=f"{user.name or user.subject} ({user.agency})",
        purpose=str(parse_purpose(form.purpose)),
        searched=enquired.searched,
        signposts=signposts,
    )
    # Results are shown in answer to the POST, never stored or cached (no-store).
    return site.render(
        request,
        "results.html" if signposts else "no_results.html",
        signposts=signposts,
        searched=enquired.searched,
        typed=form,
        urgent=form.urgent,
        notes=notes,
    )


@router.get("/notifications", response_class=HTMLResponse)
@requires("notification.list")
def notifications(request: Request, user: User, site: Site) -> HTMLResponse:
    return site.render(request, "notifications.html", notices=site.fp.hub.notifications(user))
