"""The HTTP API (FastAPI): versioned under /api/v1, bearer tokens, RFC 9457 problem+json errors.

Routes only translate: JSON in, a gateway encoding, one hub use case, JSON out. Child details
arrive here and go no further than the gateway; responses and logs never echo them.
"""

import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from fingerpost import __version__
from fingerpost.audit.events import DamagedCheckpoint
from fingerpost.bootstrap import Fingerpost, InvalidToken
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import (
    DomainError,
    InvalidValue,
    LimitExceeded,
    MassEnd,
    NotFound,
    OutOfScope,
    PermissionDenied,
)
from fingerpost.domain.values import parse_date, refuse_invisibles
from fingerpost.domain.vocabulary import ReviewOutcome, Role
from fingerpost.entrypoints.admission import VERIFIED, Admission, BodyLimits
from fingerpost.entrypoints.enquiring import enquire as enquire_child
from fingerpost.entrypoints.enquiring import subject_access_report
from fingerpost.entrypoints.fhir_api import FHIR_BASE, fhir_error, fhir_router
from fingerpost.entrypoints.headers import api_headers, docs_policy
from fingerpost.entrypoints.hub_api import install_hub_api
from fingerpost.entrypoints.limits import PageLimit, PageOffset, known_query_only
from fingerpost.entrypoints.logs import logger
from fingerpost.entrypoints.metrics import Metrics, separate_port
from fingerpost.entrypoints.notify_callbacks import NOTIFY_STATUS, notify_router
from fingerpost.entrypoints.openapi import PROBLEM, FieldError, Problem, describe_errors
from fingerpost.entrypoints.reports import notice_html, notice_text, report_html, report_json
from fingerpost.entrypoints.sync_api import sync_router
from fingerpost.entrypoints.web import install_web
from fingerpost.entrypoints.web.pages import wants_html
from fingerpost.gateway import parse_register_row
from fingerpost.service.records import (
    Notification,
    Registration,
    Review,
    SignpostView,
    StoredInvolvement,
)

__all__ = ["create_app"]

_log = logger("fingerpost.api")


# -- request and response bodies ---------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ChildDetails(_Body):
    """What is known of the child. Every field is optional; an enquiry needs two of NHS number,
    a name, date of birth and postcode."""

    nhs_number: str = Field(default="", max_length=20, examples=["943 476 5919"])
    given_names: str = Field(default="", max_length=200, examples=["Zoe"])
    family_name: str = Field(default="", max_length=200, examples=["O'Brien"])
    other_names: str | list[str] = Field(
        default="", description="Previous or alternative names: a list, or `;`-separated."
    )
    date_of_birth: str = Field(default="", max_length=10, examples=["2016-04-03"])
    sex: str = Field(default="", max_length=10, examples=["female"])
    postcode: str = Field(default="", max_length=10, examples=["M1 1AA"])

    @field_validator("other_names")
    @classmethod
    def _joined(cls, value: str | list[str]) -> str:
        return ";".join(value) if isinstance(value, list) else value

    def row(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.model_dump().items()}


class InvolvementIn(ChildDetails):
    """One involvement of your agency with a child: the register CSV's columns."""

    local_ref: str = Field(max_length=64, description="Your agency's own reference for the child.")
    involvement: str = Field(examples=["child-in-need"])
    practitioner_name: str = Field(max_length=200)
    practitioner_role: str = Field(default="", max_length=200)
    practitioner_phone: str = Field(default="", max_length=40)
    practitioner_email: str = Field(default="", max_length=254)
    start_date: str = Field(max_length=10, examples=["2026-01-05"])
    end_date: str = Field(default="", max_length=10)
    care_leaver: bool = Field(
        default=False, description="A care leaver: kept to age 25 rather than 18 (ADR 0009)."
    )


class InvolvementChange(_Body):
    """Fields to change; those left out stay as they are."""

    practitioner_name: str | None = Field(default=None, max_length=200)
    practitioner_role: str | None = Field(default=None, max_length=200)
    practitioner_phone: str | None = Field(default=None, max_length=40)
    practitioner_email: str | None = Field(default=None, max_length=254)
    end_date: str | None = Field(default=None, max_length=10)


class EndIn(_Body):
    end_date: str = Field(default="", max_length=10, description="Default: today.")


class SubjectAccessIn(ChildDetails):
    """A subject access request: the child's details (encoded before they reach the hub)."""

    reference: str = Field(
        min_length=1, max_length=300, description="The request's reference (audited)."
    )


class EnquiryIn(ChildDetails):
    """An enquiry: why, and what is known of the child — at least two of the NHS number, a name
    (`given_names` or `family_name`), the date of birth and the postcode (no browsing by
    surname); fewer is refused with 422."""

    purpose: str = Field(
        min_length=1,
        max_length=500,
        description="Why you are asking, in words (required, never empty); recorded in the audit.",
    )
    urgent: bool = Field(default=False, description="Break-glass: urgent, reviewed afterwards.")
    enquiry_ref: str = Field(default="", max_length=64, description="Your own reference.")
    shield_override_reason: str = Field(
        default="",
        max_length=300,
        description=(
            "Why you must reach the practitioner behind a shielded strong signpost (permitted"
            " roles only; audited; the shielding agency is told). Never the child's details."
        ),
    )


class ShieldIn(_Body):
    shielded: bool = Field(default=True, description="`false` lifts the shield.")
    reason: str = Field(max_length=300, description="Why; recorded in the audit.")


class WithdrawIn(_Body):
    reason: str = Field(
        max_length=300,
        description="Why it was registered in error; recorded in the audit. No case details.",
    )


class InvolvementOut(BaseModel):
    id: str
    local_ref: str
    involvement: str
    practitioner_name: str
    practitioner_role: str
    practitioner_phone: str
    practitioner_email: str
    start_date: date
    end_date: date | None
    status: str
    shielded: bool
    created_at: str
    updated_at: str
    links_found: int | None = None
    # Registered with these warnings, e.g. an invalid NHS number set aside (the row is kept).
    warnings: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, stored: StoredInvolvement, links: int | None = None) -> "InvolvementOut":
        person = stored.terms.practitioner
        return cls(
            id=stored.id,
            local_ref=stored.key.local_ref,
            involvement=stored.terms.kind.value,
            practitioner_name=person.name,
            practitioner_role=person.role,
            practitioner_phone=person.phone,
            practitioner_email=person.email,
            start_date=stored.terms.start_date,
            end_date=stored.terms.end_date,
            status=stored.status.value,
            shielded=stored.shielded,
            created_at=stored.created_at.isoformat(),
            updated_at=stored.updated_at.isoformat(),
            links_found=links,
        )


class SignpostOut(BaseModel):
    """Who to call. Never a score: `confidence` is `strong` (act on it) or `possible` (call to
    confirm it is the same child)."""

    confidence: str
    why: str
    agency: str
    agency_name: str
    authority_area: str
    practitioner_name: str
    practitioner_role: str
    practitioner_phone: str
    practitioner_email: str
    involvement: str
    start_date: date
    end_date: date | None
    shielded: bool = Field(
        default=False,
        description=(
            "The agency has shielded this involvement (e.g. a child in a refuge): the contact"
            " is its duty desk and the area is withheld, unless `shield_overridden`."
        ),
    )
    shield_overridden: bool = Field(
        default=False,
        description="Shown past the shield on your stated reason (audited; the agency told).",
    )
    authority_area_name: str = Field(
        default="", description="The area's name (ONS); the code when it is not in the lookup."
    )
    why_sentence: str = Field(default="", description="`why` as a sentence a person would say.")
    current_contact: str = Field(
        default="practitioner",
        description=(
            "Who to call now: `practitioner` in the agency's office hours; `out-of-hours` outside"
            " them (nights, weekends, bank holidays) when the agency has an out-of-hours number"
            " — then call `out_of_hours_phone` now and the practitioner from `practitioner_from`."
        ),
    )
    current_contact_reason: str = Field(default="", description="Why, as a sentence.")
    out_of_hours_name: str = Field(
        default="", description="What the out-of-hours number is (e.g. Emergency Duty Team)."
    )
    out_of_hours_phone: str = ""
    office_hours: str = Field(default="", description="e.g. 9am to 5pm, Monday to Friday.")
    practitioner_from: datetime | None = Field(
        default=None, description="When the office next opens (UK time), outside office hours."
    )

    @classmethod
    def of(cls, view: SignpostView) -> "SignpostOut":
        return cls(
            confidence=view.confidence.value,
            why=view.why,
            agency=view.agency,
            agency_name=view.agency_name,
            authority_area=view.authority_area,
            practitioner_name=view.practitioner_name,
            practitioner_role=view.practitioner_role,
            practitioner_phone=view.practitioner_phone,
            practitioner_email=view.practitioner_email,
            involvement=view.involvement,
            start_date=view.start_date,
            end_date=view.end_date,
            shielded=view.shielded,
            shield_overridden=view.shield_overridden,
            authority_area_name=view.authority_area_name,
            why_sentence=view.why_sentence,
            current_contact=view.current_contact,
            current_contact_reason=view.current_contact_reason,
            out_of_hours_name=view.out_of_hours_name,
            out_of_hours_phone=view.out_of_hours_phone,
            office_hours=view.office_hours,
            practitioner_from=view.practitioner_from,
        )


class EnquiryOut(BaseModel):
    enquiry_id: str
    enquiry_ref: str
    searched: list[str] = Field(description="What the enquiry was matched on.")
    strong: int
    possible: int
    signposts: list[SignpostOut]


class NotificationOut(BaseModel):
    id: str
    kind: str = Field(
        description="`enquiry`: someone looked for your child; `link`: another "
        "agency also works with them; `alert` (administrators): an enquiry limit was reached, "
        "browsing is suspected, or break-glass was used."
    )
    local_ref: str = Field(description="Your own reference for the child (empty for alerts).")
    involvement_id: str | None
    about: dict[str, str]
    created_at: str

    @classmethod
    def of(cls, notice: Notification) -> "NotificationOut":
        return cls(
            id=notice.id,
            kind=notice.kind,
            local_ref=notice.local_ref,
            involvement_id=notice.involvement_id,
            about=notice.about,
            created_at=notice.created_at.isoformat() if notice.created_at else "",
        )


class ReviewOut(BaseModel):
    id: str
    enquiry_id: str
    actor: str
    actor_name: str
    actor_role: str
    agency: str
    purpose: str
    result_count: int
    opened_at: str
    closed_at: str | None
    closed_by: str | None
    outcome: str | None
    note: str | None

    @classmethod
    def of(cls, review: Review) -> "ReviewOut":
        return cls(
            id=review.id,
            enquiry_id=review.enquiry_id,
            actor=review.actor,
            actor_name=review.actor_name,
            actor_role=review.actor_role,
            agency=review.agency,
            purpose=review.purpose,
            result_count=review.result_count,
            opened_at=review.opened_at.isoformat(),
            closed_at=review.closed_at.isoformat() if review.closed_at else None,
            closed_by=review.closed_by,
            outcome=review.outcome,
            note=review.note,
        )


class ReviewCloseIn(_Body):
    outcome: ReviewOutcome = Field(description="The finding: justified, not-justified or referred.")
    note: str = Field(default="", max_length=1000, description="The finding, without case detail.")


class AgencyOut(BaseModel):
    code: str
    name: str
    authority_area: str
    kind: str
    duty_phone: str
    duty_email: str
    out_of_hours_phone: str
    out_of_hours_name: str = ""
    office_hours: str = Field(default="", description="e.g. Mon-Fri 09:00-17:00, or 24/7.")


class UserOut(BaseModel):
    subject: str
    agency: str
    role: str
    name: str
    email: str
    first_seen: datetime | None
    last_seen: datetime | None


class AuditEventOut(BaseModel):
    action: str
    actor: str
    agency: str
    at: str
    purpose: str
    result_count: int
    urgent: bool
    detail: dict[str, str]


class AuditVerifyOut(BaseModel):
    intact: bool
    first_bad_seq: int | None
    damaged: str | None = Field(
        default=None,
        description="A signed checkpoint that cannot even be read: which one and what is wrong.",
    )


# -- errors ------------------------------------------------------------------------------------

_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Content too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Not ready",
}


def problem(
    request: Request,
    status: int,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=[FieldError(**e) for e in errors] if errors is not None else None,
    ).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _error(
    request: Request,
    status: int,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """problem+json for the API; the web's error page for a browser asking for a page; an
    OperationOutcome under the FHIR base."""
    if request.url.path.startswith(f"{FHIR_BASE}/") or request.url.path == FHIR_BASE:
        return fhir_error(status, detail, headers)
    page = getattr(request.app.state, "error_page", None)
    if page is not None and wants_html(request):
        response: Response = page(request, status, detail)
        response.headers.update(headers or {})
        return response
    return problem(request, status, detail, errors=errors, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else ""
        return _error(request, error.status_code, detail, headers=dict(error.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # Never echo the submitted value (pydantic's `input`): it may be a child's details.
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "reason": str(e.get("msg", "invalid")),
            }
            for e in error.errors()
        ]
        return _error(request, 422, "the request body is not valid", errors=errors)

    @app.exception_handler(DomainError)
    async def domain(request: Request, error: DomainError) -> Response:
        status = 422
        if isinstance(error, NotFound):
            status = 404
        elif isinstance(error, PermissionDenied):
            status = 403
        elif isinstance(error, MassEnd):
            status = 409  # the safety brake of a snapshot sync: nothing was changed
        elif isinstance(error, LimitExceeded):
            return _error(request, 429, str(error), headers={"Retry-After": str(error.retry_after)})
        elif isinstance(error, InvalidValue | OutOfScope):
            status = 422
        return _error(request, status, str(error))

    @app.exception_handler(InvalidToken)
    async def unauthenticated(request: Request, _: InvalidToken) -> Response:
        return _unauthenticated(request)

    # Errors raised outside the API's own middleware (sessions, page headers) end here.
    app.exception_handler(Exception)(_unexpected)


def _needs_a_bearer_first(path: str) -> bool:
    """The API's and FHIR's routes with a body take a practitioner's bearer token, checked
    before the body is read; GOV.UK Notify's call-back checks its own shared token."""
    if path == NOTIFY_STATUS:
        return False
    return path.startswith(("/api/", FHIR_BASE))


async def _refused_at_the_door(request: Request, status: int, detail: str) -> Response:
    if status == 401:
        return _unauthenticated(request)
    return _error(request, status, detail)


def _unauthenticated(request: Request) -> Response:
    return _error(
        request, 401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
    )


async def _unexpected(request: Request, error: Exception) -> Response:
    _log.error("unhandled error", path=request.url.path, error=type(error).__name__)
    return _error(request, 500, "something went wrong; it has been logged")


# -- the application ---------------------------------------------------------------------------


_bearer = HTTPBearer(auto_error=False)


_SEEN_AGAIN_AFTER = 3600.0  # seconds: how often a known user's details are refreshed


def _actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    fp: Fingerpost = request.app.state.fp
    actor: Actor | None = getattr(request.state, VERIFIED, None)  # checked before the body
    if actor is None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise InvalidToken("missing bearer token")
        actor = fp.tokens.verify(credentials.credentials)
    # Users are recorded on first sight; after that at most hourly, not on every request.
    seen: dict[tuple[str, str, str], float] = request.app.state.seen
    key = (actor.subject, actor.agency, actor.role.value)
    now = time.monotonic()
    if now - seen.get(key, -_SEEN_AGAIN_AFTER) >= _SEEN_AGAIN_AFTER:
        fp.hub.seen(actor)
        seen[key] = now
    return actor


Caller = Annotated[Actor, Depends(_actor)]


def _outbox_worker(fp: Fingerpost, stop: threading.Event) -> None:
    """Deliver the notification outbox every few seconds until told to stop."""
    while not stop.wait(fp.settings.deliver_every_seconds):
        try:
            report = fp.deliver()
        except Exception as error:  # noqa: BLE001 - keep serving; the next pass retries
            _log.error("outbox delivery failed", error=type(error).__name__)
            continue
        if report and (report.sent or report.failed):
            _log.info("outbox", sent=report.sent, failed=report.failed, gave_up=report.gave_up)


def _expiry_worker(fp: Fingerpost, stop: threading.Event) -> None:
    """Purge expired involvements every FINGERPOST_EXPIRE_EVERY_SECONDS until told to stop."""
    while not stop.wait(fp.settings.expire_every_seconds):
        try:
            purged = fp.expire()
        except Exception as error:  # noqa: BLE001 - keep serving; the next pass retries
            _log.error("expiry failed", error=type(error).__name__)
            continue
        if purged.involvements:
            _log.info("expired", involvements=purged.involvements)


def create_app(fp: Fingerpost) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        workers = [threading.Thread(target=_expiry_worker, args=(fp, stop), daemon=True)]
        if fp.mailer is not None:
            workers.append(threading.Thread(target=_outbox_worker, args=(fp, stop), daemon=True))
        for worker in workers:
            worker.start()
        settings = fp.settings
        with (
            separate_port(metrics, settings.metrics_host, settings.metrics_port)
            if settings.metrics == "port"
            else nullcontext()
        ):
            yield
        stop.set()
        for worker in workers:
            worker.join(timeout=30)

    app = FastAPI(
        lifespan=lifespan,
        # The interactive docs are served from the service's own files (below): FastAPI's
        # defaults load Swagger UI and ReDoc from a CDN, blank on a network without one.
        docs_url=None,
        redoc_url=None,
        title="fingerpost",
        version=__version__,
        description=(
            "A national signposting service for vulnerable children: who else works with this "
            "child, and how to reach them. That, never what: no case content, no scores. Every "
            "enquiry states a purpose and is audited. Errors are RFC 9457 problem+json."
        ),
        openapi_tags=[
            {"name": "involvements", "description": "Your agency's involvements with children."},
            {"name": "enquiries", "description": "Who else works with this child?"},
            {"name": "notifications", "description": "Who looked for your children."},
            {"name": "audit", "description": "The tamper-evident audit log (auditors)."},
            {"name": "agencies", "description": "Agencies taking part."},
            {"name": "operations", "description": "Health, readiness and metrics."},
            {"name": "fhir", "description": "FHIR R4: intake Bundles and Patient/$match."},
        ],
    )
    app.state.fp = fp
    app.openapi = describe_errors(app)  # type: ignore[method-assign]
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="fingerpost API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode())
        return page

    app.state.seen = {}
    metrics = Metrics()
    _install_error_handlers(app)
    # Added before `observe`, so inside it: its refusals are counted, logged and given headers.
    app.state.body_limits = BodyLimits(fp.settings.request_max_kib * 1024)
    # A snapshot is a whole register, streamed: its own limit (the route counts it too).
    sync_bytes = fp.settings.sync_max_mib * 1024 * 1024
    too_big_sync = f"a snapshot may be at most {fp.settings.sync_max_mib} MiB"
    app.state.body_limits.allow("/api/v1/sync", sync_bytes, too_big_sync)
    fhir_bytes = fp.settings.fhir_max_mib * 1024 * 1024
    for path in (FHIR_BASE, f"{FHIR_BASE}/Patient/$match"):
        too_big = f"a FHIR request may be at most {fp.settings.fhir_max_mib} MiB"
        app.state.body_limits.allow(path, fhir_bytes, too_big)
    app.add_middleware(
        Admission,
        limits=app.state.body_limits,
        verify=fp.tokens.verify,
        refuse=_refused_at_the_door,
        guarded=_needs_a_bearer_first,
    )

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception as error:  # noqa: BLE001 - answered here, not by Starlette's outermost
            # handler, so that a 500 gets the headers, the count and the log line of any other.
            response = await _unexpected(request, error)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        elapsed = time.perf_counter() - started
        metrics.requests.labels(request.method, route, str(response.status_code)).inc()
        metrics.latency.labels(route).observe(elapsed)
        api_headers(request, response)
        # Route templates only: a query string or body could hold a child's details.
        _log.info(
            "request",
            method=request.method,
            route=route,
            status=response.status_code,
            ms=round(elapsed * 1000, 2),
        )
        return response

    api = APIRouter(prefix="/api/v1", dependencies=[Depends(known_query_only)])

    @api.post(
        "/involvements",
        tags=["involvements"],
        status_code=201,
        response_model=InvolvementOut,
        responses={200: {"model": InvolvementOut, "description": "Updated or unchanged."}},
    )
    def register(body: InvolvementIn, caller: Caller, response: Response) -> InvolvementOut:
        """Register an involvement of your agency with a child (or update it: the key is
        local_ref + involvement). The child's details are encoded before they reach the hub."""
        fields = body.model_dump(exclude={*ChildDetails.model_fields, "care_leaver"})
        fields["care_leaver"] = "yes" if body.care_leaver else ""
        row = parse_register_row(body.row() | fields, date.today())
        encoded = fp.gateway.encode(row.child)
        outcome = fp.hub.register(
            caller, [Registration(row.local_ref, row.terms, encoded, ages_out=row.ages_out)]
        )
        if not outcome.created:
            response.status_code = 200
        out = InvolvementOut.of(fp.hub.get(caller, outcome.ids[0]), links=outcome.links)
        out.warnings = list(row.warnings)
        return out

    @api.get("/involvements", tags=["involvements"], response_model=list[InvolvementOut])
    def list_involvements(
        caller: Caller,
        local_ref: Annotated[str | None, Query(max_length=64)] = None,
        limit: PageLimit = 100,
        offset: PageOffset = 0,
    ) -> list[InvolvementOut]:
        """Your agency's involvements (never another agency's). Agency administrators only."""
        found = fp.hub.list_involvements(caller, local_ref=local_ref, limit=limit, offset=offset)
        return [InvolvementOut.of(stored) for stored in found]

    @api.get("/involvements/{involvement_id}", tags=["involvements"], response_model=InvolvementOut)
    def get_involvement(involvement_id: str, caller: Caller) -> InvolvementOut:
        return InvolvementOut.of(fp.hub.get(caller, involvement_id))

    @api.patch(
        "/involvements/{involvement_id}", tags=["involvements"], response_model=InvolvementOut
    )
    def change_involvement(
        involvement_id: str, body: InvolvementChange, caller: Caller
    ) -> InvolvementOut:
        """Change the practitioner or the end date: agency administrators, or the practitioner
        the involvement names."""
        given = {
            field: refuse_invisibles(value, field) if field.startswith("practitioner_") else value
            for field, value in body.model_dump(exclude_none=True).items()
        }
        end = parse_date(given.pop("end_date", ""), "end_date") if "end_date" in given else None

        def change(terms: Any) -> Any:
            person = terms.practitioner
            person = replace(
                person,
                name=given.get("practitioner_name", person.name),
                role=given.get("practitioner_role", person.role),
                phone=given.get("practitioner_phone", person.phone),
                email=given.get("practitioner_email", person.email),
            )
            updated = replace(terms, practitioner=person)
            return (
                replace(updated, end_date=end) if "end_date" in body.model_fields_set else updated
            )

        return InvolvementOut.of(fp.hub.update_terms(caller, involvement_id, change))

    @api.post(
        "/involvements/{involvement_id}/end", tags=["involvements"], response_model=InvolvementOut
    )
    def end_involvement(
        involvement_id: str, caller: Caller, body: EndIn | None = None
    ) -> InvolvementOut:
        """Record that the involvement has ended (it stays signposted until it expires): agency
        administrators, or the practitioner the involvement names."""
        end = parse_date(body.end_date if body else "", "end_date")
        return InvolvementOut.of(fp.hub.end(caller, involvement_id, end))

    @api.delete("/involvements/{involvement_id}", tags=["involvements"], status_code=204)
    def withdraw_involvement(involvement_id: str, body: WithdrawIn, caller: Caller) -> Response:
        """Withdraw an involvement registered in error: removed at once, with its encoding.
        Agency administrators only, with the reason in the body (never in the address, which
        access logs keep)."""
        fp.hub.withdraw(caller, involvement_id, body.reason)
        return Response(status_code=204)

    @api.post(
        "/involvements/{involvement_id}/shield",
        tags=["involvements"],
        response_model=InvolvementOut,
    )
    def shield_involvement(involvement_id: str, body: ShieldIn, caller: Caller) -> InvolvementOut:
        """Shield (or unshield) your agency's involvement, e.g. a child in a refuge: other
        agencies' signposts then show only your duty desk. Agency administrators only."""
        return InvolvementOut.of(
            fp.hub.shield(caller, involvement_id, shielded=body.shielded, reason=body.reason)
        )

    @api.post("/enquiries", tags=["enquiries"], response_model=EnquiryOut)
    def enquire(body: EnquiryIn, caller: Caller) -> EnquiryOut:
        """Who else works with this child? Strong signposts first; your own agency never."""
        enquired = enquire_child(
            fp,
            caller,
            body.purpose,
            body.row(),
            urgent=body.urgent,
            override_reason=body.shield_override_reason,
        )
        result = enquired.result
        signposts = [SignpostOut.of(view) for view in result.signposts]
        metrics.enquiries.inc()
        for signpost in signposts:
            metrics.signposts.labels(signpost.confidence).inc()
        return EnquiryOut(
            enquiry_id=result.enquiry_id,
            enquiry_ref=body.enquiry_ref,
            searched=enquired.searched,
            strong=sum(s.confidence == "strong" for s in signposts),
            possible=sum(s.confidence == "possible" for s in signposts),
            signposts=signposts,
        )

    @api.get("/notifications", tags=["notifications"], response_model=list[NotificationOut])
    def notifications(caller: Caller, limit: PageLimit = 100) -> list[NotificationOut]:
        """Who enquired about your children, and which other agencies also work with them."""
        return [NotificationOut.of(n) for n in fp.hub.notifications(caller, limit=limit)]

    @api.get("/agencies", tags=["agencies"], response_model=list[AgencyOut])
    def agencies(caller: Caller) -> list[AgencyOut]:
        del caller  # any signed-in user may see who takes part
        return [
            AgencyOut(
                code=a.code,
                name=a.name,
                authority_area=a.authority_area,
                kind=a.kind.value,
                duty_phone=a.duty_phone,
                duty_email=a.duty_email,
                out_of_hours_phone=a.out_of_hours_phone,
                out_of_hours_name=a.out_of_hours_name,
                office_hours=str(a.office_hours),
            )
            for a in fp.hub.agencies()
        ]

    @api.get("/audit/events", tags=["audit"], response_model=list[AuditEventOut])
    def audit_events(caller: Caller, limit: PageLimit = 100) -> list[AuditEventOut]:
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

    @api.post(
        "/subject-access",
        tags=["audit"],
        response_model=None,
        responses={200: {"content": {"text/html": {}}, "description": "JSON, or HTML on request."}},
    )
    def subject_access(
        body: SubjectAccessIn,
        caller: Caller,
        format: Annotated[str, Query(pattern="^(json|html)$")] = "json",
    ) -> JSONResponse | HTMLResponse:
        """Everything held about a child, every enquiry that found them and every notification
        about them (auditors only; audited; strong sign-in when `audit-read` requires it).
        `format=html` gives the printable report."""
        report = subject_access_report(fp, caller, body.row(), reference=body.reference)
        if format == "html":
            return HTMLResponse(report_html(report))
        return JSONResponse(report_json(report))

    @api.get(
        "/involvements/{involvement_id}/notice",
        tags=["involvements"],
        response_class=PlainTextResponse,
        response_model=None,
        responses={200: {"content": {"text/html": {}}}},
    )
    def family_notice(
        involvement_id: str,
        caller: Caller,
        format: Annotated[str, Query(pattern="^(text|html)$")] = "text",
    ) -> PlainTextResponse | HTMLResponse:
        """The plain-English notice to give the family (GDPR article 14): who registered the
        child, what is held, how long, how to ask. Your agency's involvements only."""
        produced = fp.hub.family_notice(caller, involvement_id)
        if format == "html":
            return HTMLResponse(notice_html(produced))
        return PlainTextResponse(notice_text(produced))

    @api.get("/audit/verify", tags=["audit"], response_model=AuditVerifyOut)
    def audit_verify(caller: Caller) -> AuditVerifyOut:
        """Recompute the Merkle tree and check every signed checkpoint (auditors, operators)."""
        try:
            first_bad = fp.hub.verify_audit(caller)
        except DamagedCheckpoint as error:  # not intact, and an auditor's finding, not a 500
            return AuditVerifyOut(intact=False, first_bad_seq=None, damaged=str(error))
        return AuditVerifyOut(intact=first_bad is None, first_bad_seq=first_bad)

    @api.get("/reviews", tags=["audit"], response_model=list[ReviewOut])
    def reviews(
        caller: Caller,
        state: Annotated[str, Query(pattern="^(open|all)$")] = "open",
        limit: PageLimit = 100,
    ) -> list[ReviewOut]:
        """Urgent (break-glass) enquiries awaiting an auditor's finding (`state=all`: with the
        closed ones). Auditors only."""
        found = fp.hub.reviews(caller, open_only=state == "open", limit=limit)
        return [ReviewOut.of(review) for review in found]

    @api.post("/reviews/{review_id}/close", tags=["audit"], response_model=ReviewOut)
    def close_review(review_id: str, body: ReviewCloseIn, caller: Caller) -> ReviewOut:
        """Record the finding on an urgent enquiry. Auditors only; a review closes once."""
        return ReviewOut.of(fp.hub.close_review(caller, review_id, body.outcome.value, body.note))

    @api.get("/users", tags=["agencies"], response_model=list[UserOut])
    def users(caller: Caller) -> list[UserOut]:
        """Who has signed in: your agency's users (agency administrators), or everyone's
        (auditors, operators). Recorded from their tokens on first sight."""
        return [
            UserOut(
                subject=u.subject,
                agency=u.agency,
                role=u.role,
                name=u.name,
                email=u.email,
                first_seen=u.first_seen,
                last_seen=u.last_seen,
            )
            for u in fp.hub.users(caller)
        ]

    @api.get("/outbox", tags=["operations"])
    def outbox(caller: Caller) -> dict[str, int]:
        """Notification e-mails pending, failed for good and delivered (operators, auditors)."""
        return fp.hub.outbox(caller)

    app.include_router(api)
    app.include_router(notify_router(fp))

    def counted(confidences: list[str]) -> None:
        metrics.enquiries.inc()
        for confidence in confidences:
            metrics.signposts.labels(confidence).inc()

    app.include_router(fhir_router(fp, _actor, counted))
    app.include_router(sync_router(fp, _actor))
    install_hub_api(app, fp)  # the hub's API for gateways, beside /api/v1 (development, tests)
    install_web(app, fp)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up (no dependencies checked)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], response_model=None)
    def readyz(request: Request) -> dict[str, str] | JSONResponse:
        """The database answers and its schema is current."""
        if fp.ready():
            return {"status": "ready"}
        return problem(request, 503, "the database is unavailable or not migrated")

    if fp.settings.metrics != "port":

        @app.get("/metrics", tags=["operations"], include_in_schema=False)
        def prometheus(
            request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        ) -> Response:
            if fp.settings.metrics == "token":
                fp.hub.require_role(_actor(request, credentials), Role.OPERATOR)
            return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
