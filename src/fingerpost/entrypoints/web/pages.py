"""The pages' routes. Each translates a form into one use case (the same the API calls) and its
outcome into a page; the rules live in the domain, the gateway and the hub."""

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from starlette.datastructures import UploadFile
from starlette.middleware.sessions import SessionMiddleware
from starlette.templating import Jinja2Templates

from fingerpost import __version__
from fingerpost.audit.events import AuditAction, DamagedCheckpoint
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError, InvalidValue, LimitExceeded, PermissionDenied
from fingerpost.domain.values import parse_date, parse_purpose
from fingerpost.domain.vocabulary import ReviewOutcome, Role
from fingerpost.entrypoints.answer import notes_text, since
from fingerpost.entrypoints.enquiring import enquire, subject_access_report
from fingerpost.entrypoints.logs import logger
from fingerpost.entrypoints.reports import report_json
from fingerpost.entrypoints.web.forms import PURPOSES, EnquiryForm, SubjectAccessForm, sentence
from fingerpost.entrypoints.web.security import inline_script_hash, page_headers
from fingerpost.entrypoints.web.session import (
    CSRF_FIELD,
    SignInRequired,
    checked_form,
    csrf_token,
    current_user,
    sign_in,
    sign_out,
    signed_in,
)
from fingerpost.entrypoints.web.signin import OidcSignIn, SignInFailed, demo_users
from fingerpost.entrypoints.web.uploads import Stage, Uploads
from fingerpost.service.web_sessions import WebSessions

__all__ = ["install_web"]

HERE = Path(__file__).parent
_log = logger("fingerpost.web")
User = Annotated[Actor, Depends(signed_in)]
PAGE_SIZE = 50
_FORM_OVERHEAD = 64 * 1024  # bytes of a multipart upload that are not the file
# Paths that are the API's, whose errors stay problem+json.
API_PATHS = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc")

# What each role finds in the navigation: (label, path).
NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.PRACTITIONER: [("Enquire", "/enquiry"), ("Notifications", "/notifications")],
    Role.AGENCY_ADMIN: [
        ("Enquire", "/enquiry"),
        ("Notifications", "/notifications"),
        ("Involvements", "/admin/involvements"),
        ("Upload a register", "/admin/register"),
        ("Users", "/admin/users"),
    ],
    Role.AUDITOR: [
        ("Audit log", "/audit"),
        ("Break-glass reviews", "/audit/reviews"),
        ("Subject access", "/audit/subject-access"),
        ("Users", "/admin/users"),
    ],
    Role.OPERATOR: [("Operations", "/operations"), ("Users", "/admin/users")],
}
HOME = {
    Role.PRACTITIONER: "/enquiry",
    Role.AGENCY_ADMIN: "/enquiry",
    Role.AUDITOR: "/audit",
    Role.OPERATOR: "/operations",
}


def _environment() -> Environment:
    loader = ChoiceLoader(
        [
            PackageLoader("fingerpost.entrypoints.web", "templates"),
            PrefixLoader(
                {"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}
            ),
        ]
    )
    env = Environment(loader=loader, autoescape=select_autoescape(["html"]))
    env.filters["words"] = sentence
    env.filters["long_date"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""
    env.filters["since"] = since
    env.filters["tel"] = lambda phone: "".join(c for c in phone if c.isdigit() or c == "+")
    return env


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the API, and not a script asking for JSON)."""
    return not request.url.path.startswith(API_PATHS) and "text/html" in request.headers.get(
        "accept", ""
    )


def install_web(app: FastAPI, fp: Fingerpost) -> None:  # noqa: PLR0915 - routes close over fp
    """Mount the pages, their static assets, sessions and security headers on the API's app."""
    templates = Jinja2Templates(env=_environment())
    # The template's one inline script, alone: header and footer need page context.
    script_hash = inline_script_hash(
        templates.env.from_string(
            '{% extends "govuk_frontend_jinja/template.html" %}'
            "{% block header %}{% endblock %}{% block footer %}{% endblock %}"
        ).render()
    )
    settings = fp.settings
    oidc = OidcSignIn(fp) if OidcSignIn.configured(fp) else None
    uploads = Uploads(fp)
    app.state.web_sessions = WebSessions(
        fp.unit_of_work, lifetime=timedelta(hours=settings.session_hours)
    )

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        user = current_user(request)
        navigation = NAVIGATION[user.role] if user else []
        path = request.url.path
        # The page's own section: the longest navigation path it lies under.
        current = max(
            (href for _, href in navigation if path == href or path.startswith(f"{href}/")),
            key=len,
            default="",
        )
        return templates.TemplateResponse(
            request,
            template,
            {
                "user": user,
                "navigation": navigation,
                "current": current,
                "csrf_field": CSRF_FIELD,
                "csrf_token": csrf_token(request),
                "demo": settings.demo_sign_in,
                "version": __version__,
                "flash": request.session.pop("flash", None),
                **context,
            },
            status_code=status,
        )

    def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
        return render(request, "error.html", status, code=status, detail=detail)

    app.state.error_page = error_page
    app.state.render = render  # the gateway's hub-unavailable page (entrypoints.gateway_app)

    @app.exception_handler(SignInRequired)
    async def to_sign_in(_: Request, __: SignInRequired) -> Response:
        return RedirectResponse("/sign-in", status_code=303)

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(API_PATHS):
            page_headers(request, response, script_hash=script_hash, https=settings.cookie_secure)
        return response

    # Added after the headers middleware, so it runs first: pages see `request.session`.
    app.add_middleware(
        SessionMiddleware,
        secret_key=fp.session_secret.hex(),
        session_cookie="__Host-fingerpost" if settings.cookie_secure else "fingerpost",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    web = APIRouter(include_in_schema=False)

    def flash(request: Request, message: str) -> None:
        request.session["flash"] = message

    # -- start, sign in, sign out ---------------------------------------------------------

    @web.get("/", response_class=HTMLResponse)
    def start(request: Request) -> HTMLResponse:
        return render(request, "start.html")

    @web.get("/sign-in", response_class=HTMLResponse)
    def sign_in_page(request: Request) -> HTMLResponse:
        users = demo_users(fp) if settings.demo_sign_in else []
        return render(request, "sign_in.html", demo_users=users, oidc=oidc is not None)

    @web.post("/sign-in/demo")
    async def sign_in_demo(request: Request) -> Response:
        if not settings.demo_sign_in:
            raise HTTPException(404)
        form = await checked_form(request)
        chosen = next((u for u in demo_users(fp) if u.subject == form.get("subject")), None)
        if chosen is None:
            raise HTTPException(400, "choose one of the demo users")
        return _signed_in(request, chosen)

    def _signed_in(request: Request, actor: Actor) -> Response:
        sign_in(request, actor)
        fp.hub.seen(actor)
        return RedirectResponse(HOME[actor.role], status_code=303)

    @web.get("/sign-in/oidc")
    async def sign_in_oidc(request: Request) -> Response:
        if oidc is None:
            raise HTTPException(404)
        try:
            response: Response = await oidc.redirect(request)
        except SignInFailed:
            return error_page(request, 502, "Your agency's sign-in service did not answer.")
        return response

    @web.get("/sign-in/callback", name="sign_in_callback")
    async def sign_in_callback(request: Request) -> Response:
        if oidc is None:
            raise HTTPException(404)
        try:
            actor = await oidc.callback(request)
        except SignInFailed as failure:
            _log.info("sign-in refused", reason=str(failure))
            return error_page(request, 400, "Sign-in did not work. Go back and try again.")
        return _signed_in(request, actor)

    @web.post("/sign-out")
    async def sign_out_now(request: Request) -> Response:
        await checked_form(request)
        sign_out(request)
        return RedirectResponse("/", status_code=303)

    # -- enquiry --------------------------------------------------------------------------

    def enquiry_form(
        request: Request, form: EnquiryForm, status: int = 200, problem: str = ""
    ) -> HTMLResponse:
        user = current_user(request)
        may_override = user is not None and user.role in fp.hub.policy.override_roles
        return render(
            request,
            "enquiry.html",
            status,
            form=form,
            purposes=PURPOSES,
            problem=problem,
            may_override=may_override,
        )

    @web.get("/enquiry", response_class=HTMLResponse)
    def enquiry(request: Request, user: User) -> HTMLResponse:
        fp.hub.require_role(user, Role.PRACTITIONER, Role.AGENCY_ADMIN)
        return enquiry_form(request, EnquiryForm())

    @web.post("/enquiry", response_class=HTMLResponse)
    async def enquiry_results(request: Request, user: User) -> HTMLResponse:
        form = EnquiryForm.posted(await checked_form(request))
        if form.errors:
            return enquiry_form(request, form, 400)
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
            answer = enquiry_form(request, form, 429, problem=str(refused).capitalize())
            answer.headers["Retry-After"] = str(refused.retry_after)
            return answer
        except PermissionDenied as refused:  # e.g. urgent or an override without strong sign-in
            return enquiry_form(request, form, 403, problem=str(refused).capitalize())
        except InvalidValue as problem:  # e.g. a reason that names the child: put it right
            return enquiry_form(request, form, 400, problem=str(problem).capitalize())
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
        return render(
            request,
            "results.html" if signposts else "no_results.html",
            signposts=signposts,
            searched=enquired.searched,
            typed=form,
            urgent=form.urgent,
            notes=notes,
        )

    # -- notifications --------------------------------------------------------------------

    @web.get("/notifications", response_class=HTMLResponse)
    def notifications(request: Request, user: User) -> HTMLResponse:
        return render(request, "notifications.html", notices=fp.hub.notifications(user))

    # -- agency administration ------------------------------------------------------------

    @web.get("/admin/involvements", response_class=HTMLResponse)
    def involvements(
        request: Request,
        user: User,
        local_ref: Annotated[str, Query(max_length=64)] = "",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> HTMLResponse:
        fp.hub.require_role(user, Role.AGENCY_ADMIN)
        found = fp.hub.list_involvements(
            user,
            local_ref=local_ref or None,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
        )
        return render(
            request,
            "involvements.html",
            involvements=found[:PAGE_SIZE],
            more=len(found) > PAGE_SIZE,
            page=page,
            local_ref=local_ref,
        )

    @web.get("/admin/involvements/{involvement_id}", response_class=HTMLResponse)
    def involvement(request: Request, user: User, involvement_id: str) -> HTMLResponse:
        fp.hub.require_role(user, Role.AGENCY_ADMIN)
        return render(
            request,
            "involvement.html",
            stored=fp.hub.get(user, involvement_id),
            today=date.today(),
            errors={},
        )

    def involvement_problem(
        request: Request, user: User, involvement_id: str, field: str, text: str
    ) -> HTMLResponse:
        return render(
            request,
            "involvement.html",
            400,
            stored=fp.hub.get(user, involvement_id),
            today=date.today(),
            errors={field: text},
        )

    @web.post("/admin/involvements/{involvement_id}/end")
    async def end(request: Request, user: User, involvement_id: str) -> Response:
        form = await checked_form(request)
        fp.hub.require_role(user, Role.AGENCY_ADMIN)  # as its page: a practitioner never sees it
        parts = [str(form.get(f"end-{p}") or "").strip() for p in ("year", "month", "day")]
        try:
            ended = parse_date("-".join(parts), "end_date") if all(parts) else None
        except DomainError:
            ended = None
        if ended is None:
            return involvement_problem(
                request, user, involvement_id, "end-day", "Enter the date it ended"
            )
        try:
            fp.hub.end(user, involvement_id, ended)
        except InvalidValue as error:  # what the user can put right; the rest is a page error
            return involvement_problem(request, user, involvement_id, "end-day", str(error))
        flash(request, "The involvement has been ended.")
        return RedirectResponse(f"/admin/involvements/{involvement_id}", status_code=303)

    @web.post("/admin/involvements/{involvement_id}/withdraw")
    async def withdraw(request: Request, user: User, involvement_id: str) -> Response:
        form = await checked_form(request)
        fp.hub.require_role(user, Role.AGENCY_ADMIN)  # as its page: a practitioner never sees it
        reason = str(form.get("withdraw-reason") or "").strip()
        if not reason:
            return involvement_problem(
                request, user, involvement_id, "withdraw-reason", "Enter why it was in error"
            )
        try:
            fp.hub.withdraw(user, involvement_id, reason)
        except InvalidValue as error:
            return involvement_problem(request, user, involvement_id, "withdraw-reason", str(error))
        flash(request, "The involvement has been withdrawn and its details removed.")
        return RedirectResponse("/admin/involvements", status_code=303)

    @web.post("/admin/involvements/{involvement_id}/shield")
    async def shield(request: Request, user: User, involvement_id: str) -> Response:
        form = await checked_form(request)
        reason = str(form.get("reason") or "").strip()
        if not reason:
            return involvement_problem(
                request, user, involvement_id, "reason", "Enter why (it is recorded in the audit)"
            )
        shielded = form.get("shielded") == "yes"
        try:
            fp.hub.shield(user, involvement_id, shielded=shielded, reason=reason)
        except InvalidValue as error:
            return involvement_problem(request, user, involvement_id, "reason", str(error))
        flash(request, "The involvement is shielded." if shielded else "The shield is lifted.")
        return RedirectResponse(f"/admin/involvements/{involvement_id}", status_code=303)

    def register_form(request: Request, problem: str = "", status: int = 200) -> HTMLResponse:
        return render(
            request, "register.html", status, problem=problem, limit=settings.upload_max_mib
        )

    @web.get("/admin/register", response_class=HTMLResponse)
    def register_page(request: Request, user: User) -> HTMLResponse:
        fp.hub.require_role(user, Role.AGENCY_ADMIN)
        return register_form(request)

    too_big = f"The selected file must be smaller than {settings.upload_max_mib} MB"
    limit = settings.upload_max_mib * 1024 * 1024
    # Refused before the body is read (the API's admission): never parsed or spooled.
    app.state.body_limits.allow("/admin/register", limit + _FORM_OVERHEAD, too_big)

    @web.post("/admin/register")
    async def register_upload(request: Request, user: User) -> Response:
        fp.hub.require_role(user, Role.AGENCY_ADMIN)
        form = await checked_form(request)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return register_form(request, "Select a register CSV file", 400)
        if (upload.size or 0) > limit:
            return register_form(request, too_big, 400)
        try:
            started = uploads.start(user, upload.filename, await upload.read())
        except DomainError as error:
            return register_form(request, str(error).split(": ", 1)[-1].capitalize(), 400)
        return RedirectResponse(f"/admin/register/{started.id}", status_code=303)

    @web.get("/admin/register/{upload_id}", response_class=HTMLResponse)
    def register_progress(request: Request, user: User, upload_id: str) -> HTMLResponse:
        upload = uploads.get(user, upload_id)
        errors = upload.result or upload.preview
        return render(
            request,
            "upload.html",
            upload=upload,
            Stage=Stage,
            problems=errors.tally.sorted_problems()[:500] if errors else [],
        )

    @web.get("/admin/register/{upload_id}/progress")
    def register_status(user: User, upload_id: str) -> JSONResponse:
        """For the progress bar's script: how far the upload has got."""
        upload = uploads.get(user, upload_id)
        return JSONResponse({"stage": upload.stage.value, "percent": upload.percent})

    @web.post("/admin/register/{upload_id}/confirm")
    async def register_confirm(request: Request, user: User, upload_id: str) -> Response:
        await checked_form(request)
        uploads.confirm(user, upload_id)
        return RedirectResponse(f"/admin/register/{upload_id}", status_code=303)

    @web.get("/admin/users", response_class=HTMLResponse)
    def users(request: Request, user: User) -> HTMLResponse:
        return render(request, "users.html", users=fp.hub.users(user))

    # -- auditors -------------------------------------------------------------------------

    @web.get("/audit", response_class=HTMLResponse)
    def audit(
        request: Request,
        user: User,
        action: Annotated[str, Query(max_length=64)] = "",
        actor: Annotated[str, Query(max_length=254)] = "",
        agency: Annotated[str, Query(max_length=32)] = "",
    ) -> HTMLResponse:
        events = fp.hub.audit_events(user, action=action, subject=actor, agency=agency, limit=200)
        return render(
            request,
            "audit.html",
            events=events,
            actions=[a.value for a in AuditAction],
            search={"action": action, "actor": actor, "agency": agency},
        )

    @web.post("/audit/verify", response_class=HTMLResponse)
    async def audit_verify(request: Request, user: User) -> HTMLResponse:
        await checked_form(request)
        try:
            first_bad = fp.hub.verify_audit(user)
        except DamagedCheckpoint as error:  # a finding for the auditor, not a server error
            return render(request, "verify.html", intact=False, damaged=str(error), head=None)
        return render(
            request,
            "verify.html",
            intact=first_bad is None,
            first_bad=first_bad,
            head=fp.hub.audit_head(user),
        )

    @web.get("/audit/reviews", response_class=HTMLResponse)
    def reviews(
        request: Request, user: User, state: Annotated[str, Query(pattern="^(open|all)$")] = "open"
    ) -> HTMLResponse:
        found = fp.hub.reviews(user, open_only=state == "open")
        return render(
            request,
            "reviews.html",
            reviews=found,
            state=state,
            outcomes=[o.value for o in ReviewOutcome],
            errors={},
        )

    @web.post("/audit/reviews/{review_id}/close")
    async def close_review(request: Request, user: User, review_id: str) -> Response:
        form = await checked_form(request)
        outcome = str(form.get("outcome") or "")
        note = str(form.get("note") or "").strip()
        if outcome not in {o.value for o in ReviewOutcome}:
            return render(
                request,
                "reviews.html",
                400,
                reviews=fp.hub.reviews(user),
                state="open",
                outcomes=[o.value for o in ReviewOutcome],
                errors={review_id: "Select the finding"},
            )
        fp.hub.close_review(user, review_id, outcome, note)
        flash(request, f"The review is closed: {sentence(outcome).lower()}.")
        return RedirectResponse("/audit/reviews", status_code=303)

    @web.get("/audit/subject-access", response_class=HTMLResponse)
    def subject_access(request: Request, user: User) -> HTMLResponse:
        fp.hub.require_auditor(user)
        return render(request, "subject_access.html", form=SubjectAccessForm())

    @web.post("/audit/subject-access", response_class=HTMLResponse)
    async def subject_report(request: Request, user: User) -> HTMLResponse:
        form = SubjectAccessForm.posted(await checked_form(request))
        if form.errors:
            return render(request, "subject_access.html", 400, form=form)
        reference = form.values["reference"]
        report = subject_access_report(fp, user, form.child(), reference=reference)
        return render(
            request, "subject_report.html", report=report_json(report), reference=reference
        )

    # -- operators ------------------------------------------------------------------------

    @web.get("/operations", response_class=HTMLResponse)
    def operations(request: Request, user: User) -> HTMLResponse:
        outbox = fp.hub.outbox(user)
        return render(
            request,
            "operations.html",
            ready=fp.ready(),
            outbox=outbox,
            involvements=fp.hub.count_involvements(),
            model=fp.hub.model.version,
            retention=fp.hub.retention_status(user),
            retention_months=settings.retention_months,
            mail=fp.mailer is not None,
        )

    app.include_router(web)
