"""Agency administrators' pages: their agency's involvements (end, withdraw, shield), uploading a
register, and who has signed in (auditors and operators see everyone's users)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import UploadFile

from fingerpost.config import Settings
from fingerpost.domain.errors import DomainError, InvalidValue
from fingerpost.domain.values import parse_date
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.guards import requires
from fingerpost.entrypoints.web.pages import PAGE_SIZE, Site, User, flash
from fingerpost.entrypoints.web.session import checked_form
from fingerpost.entrypoints.web.uploads import Stage

__all__ = ["FORM_OVERHEAD", "router", "upload_limit"]

FORM_OVERHEAD = 64 * 1024  # bytes of a multipart upload that are not the file
router = APIRouter(include_in_schema=False)


def upload_limit(settings: Settings) -> tuple[int, str]:
    """The largest register file a page takes (bytes), and what the user is told beyond it."""
    too_big = f"The selected file must be smaller than {settings.upload_max_mib} MB"
    return settings.upload_max_mib * 1024 * 1024, too_big


@router.get("/admin/involvements", response_class=HTMLResponse)
@requires("involvement.list")
def involvements(
    request: Request,
    user: User,
    site: Site,
    local_ref: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    found = site.fp.hub.list_involvements(
        user,
        local_ref=local_ref or None,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    return site.render(
        request,
        "involvements.html",
        involvements=found[:PAGE_SIZE],
        more=len(found) > PAGE_SIZE,
        page=page,
        local_ref=local_ref,
    )


@router.get("/admin/involvements/{involvement_id}", response_class=HTMLResponse)
@requires("involvement.read")
def involvement(request: Request, user: User, site: Site, involvement_id: str) -> HTMLResponse:
    site.fp.hub.require_role(user, Role.AGENCY_ADMIN)
    return site.render(
        request,
        "involvement.html",
        stored=site.fp.hub.get(user, involvement_id),
        today=date.today(),
        errors={},
    )


def _involvement_problem(
    request: Request, user: User, site: Site, involvement_id: str, *, field: str, text: str
) -> HTMLResponse:
    return site.render(
        request,
        "involvement.html",
        400,
        stored=site.fp.hub.get(user, involvement_id),
        today=date.today(),
        errors={field: text},
    )


@router.post("/admin/involvements/{involvement_id}/end")
@requires("involvement.change")
async def end(request: Request, user: User, site: Site, involvement_id: str) -> Response:
    form = await checked_form(request)
    site.fp.hub.require_role(user, Role.AGENCY_ADMIN)  # as its page: a practitioner never sees it
    parts = [str(form.get(f"end-{p}") or "").strip() for p in ("year", "month", "day")]
    try:
        ended = parse_date("-".join(parts), "end_date") if all(parts) else None
    except DomainError:
        ended = None
    if ended is None:
        return _involvement_problem(
            request, user, site, involvement_id, field="end-day", text="Enter the date it ended"
        )
    try:
        site.fp.hub.end(user, involvement_id, ended)
    except InvalidValue as error:  # what the user can put right; the rest is a page error
        return _involvement_problem(
            request, user, site, involvement_id, field="end-day", text=str(error)
        )
    flash(request, "The involvement has been ended.")
    return RedirectResponse(f"/admin/involvements/{involvement_id}", status_code=303)


@router.post(
    "/admin/involvements/{involvement_id}/withdraw",
)
@requires("involvement.withdraw")
async def withdraw(request: Request, user: User, site: Site, involvement_id: str) -> Response:
    form = await checked_form(request)
    site.fp.hub.require_role(user, Role.AGENCY_ADMIN)  # as its page: a practitioner never sees it
    reason = str(form.get("withdraw-reason") or "").strip()
    field = "withdraw-reason"
    if not reason:
        return _involvement_problem(
            request, user, site, involvement_id, field=field, text="Enter why it was in error"
        )
    try:
        site.fp.hub.withdraw(user, involvement_id, reason)
    except InvalidValue as error:
        return _involvement_problem(
            request, user, site, involvement_id, field=field, text=str(error)
        )
    flash(request, "The involvement has been withdrawn and its details removed.")
    return RedirectResponse("/admin/involvements", status_code=303)


@router.post(
    "/admin/involvements/{involvement_id}/shield",
)
@requires("involvement.shield")
async def shield(request: Request, user: User, site: Site, involvement_id: str) -> Response:
    form = await checked_form(request)
    reason = str(form.get("reason") or "").strip()
    if not reason:
        return _involvement_problem(
            request,
            user,
            site,
            involvement_id,
            field="reason",
            text="Enter why (it is recorded in the audit)",
        )
    shielded = form.get("shielded") == "yes"
    try:
        site.fp.hub.shield(user, involvement_id, shielded=shielded, reason=reason)
    except InvalidValue as error:
        return _involvement_problem(
            request, user, site, involvement_id, field="reason", text=str(error)
        )
    flash(request, "The involvement is shielded." if shielded else "The shield is lifted.")
    return RedirectResponse(f"/admin/involvements/{involvement_id}", status_code=303)


def _register_form(
    request: Request, site: Site, problem: str = "", status: int = 200
) -> HTMLResponse:
    limit = site.fp.settings.upload_max_mib
    return site.render(request, "register.html", status, problem=problem, limit=limit)


@router.get("/admin/register", response_class=HTMLResponse)
@requires("involvement.register")
def register_page(request: Request, user: User, site: Site) -> HTMLResponse:
    site.fp.hub.require_role(user, Role.AGENCY_ADMIN)
    return _register_form(request, site)


@router.post("/admin/register")
@requires("involvement.register")
async def register_upload(request: Request, user: User, site: Site) -> Response:
    site.fp.hub.require_role(user, Role.AGENCY_ADMIN)
    form = await checked_form(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _register_form(request, site, "Select a register CSV file", 400)
    limit, too_big = upload_limit(site.fp.settings)
    if (upload.size or 0) > limit:
        return _register_form(request, site, too_big, 400)
    try:
        started = site.uploads.start(user, upload.filename, await upload.read())
    except DomainError as error:
        return _register_form(request, site, str(error).split(": ", 1)[-1].capitalize(), 400)
    return RedirectResponse(f"/admin/register/{started.id}", status_code=303)


@router.get("/admin/register/{upload_id}", response_class=HTMLResponse)
@requires("involvement.register")
def register_progress(request: Request, user: User, site: Site, upload_id: str) -> HTMLResponse:
    site.fp.hub.require_role(user, Role.AGENCY_ADMIN)
    upload = site.uploads.get(user, upload_id)
    errors = upload.result or upload.preview
    return site.render(
        request,
        "upload.html",
        upload=upload,
        Stage=Stage,
        problems=errors.tally.sorted_problems()[:500] if errors else [],
    )


@router.get("/admin/register/{upload_id}/progress")
@requires("involvement.register")
def register_status(user: User, site: Site, upload_id: str) -> JSONResponse:
    """For the progress bar's script: how far the upload has got."""
    site.fp.hub.require_role(user, Role.AGENCY_ADMIN)
    upload = site.uploads.get(user, upload_id)
    return JSONResponse({"stage": upload.stage.value, "percent": upload.percent})


@router.post("/admin/register/{upload_id}/confirm")
@requires("involvement.register")
async def register_confirm(request: Request, user: User, site: Site, upload_id: str) -> Response:
    await checked_form(request)
    site.uploads.confirm(user, upload_id)
    return RedirectResponse(f"/admin/register/{upload_id}", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
@requires("user.list")
def users(request: Request, user: User, site: Site) -> HTMLResponse:
    return site.render(request, "users.html", users=site.fp.hub.users(user))
