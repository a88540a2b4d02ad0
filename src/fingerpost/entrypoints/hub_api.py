"""The hub's API for gateways, `/hub/v1` (docs/wire.md, ADR 0026): encoded identities in,
signposts out, every call made by the practitioner a registered gateway vouches for.

`install_hub_api(app, fp)` mounts it: in the hub's own application (`fingerpost hub serve`) and,
for development and tests, beside `/api/v1` in the single-process one.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request
from starlette.responses import Response

from fingerpost.audit.events import AuditAction
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import PermissionDenied
from fingerpost.entrypoints.hub_calls import answer, parse
from fingerpost.wire.models import (
    AuditRecord,
    CloseReview,
    EndRequest,
    EnquireRequest,
    RegisterRequest,
    ShieldRequest,
    SubjectReportRequest,
    TermsIn,
    WithdrawRequest,
)

__all__ = ["BATCH_MAX_BYTES", "HUB_API", "hub_router", "install_hub_api"]

HUB_API = "/hub/v1"
BATCH_MAX_BYTES = 48 * 2**20  # 2,000 registrations or 500 enquiries, with room to spare
_SMALL_BYTES = 2**20
_BATCHES = ("/registrations", "/enquiries")
# What a gateway may record in the hub's audit log on its own account (`fingerpost tokens create`
# at the gateway issues API tokens there).
_GATEWAY_RECORDS = frozenset({AuditAction.TOKEN_ISSUED.value})


def install_hub_api(app: FastAPI, fp: Fingerpost) -> None:
    """Mount `/hub/v1` on `app`; where the app limits bodies at its door (`Admission`), the
    batch routes are let through up to the limit they check themselves."""
    app.include_router(hub_router(fp))
    limits = getattr(app.state, "body_limits", None)
    if limits is not None:
        for path in _BATCHES:
            too_big = f"a batch may be at most {BATCH_MAX_BYTES // 2**20} MiB"
            limits.allow(HUB_API + path, BATCH_MAX_BYTES, too_big)
        for path in ("/subject-reports",):
            limits.allow(HUB_API + path, _SMALL_BYTES, "too large")


def _policy(fp: Fingerpost) -> dict[str, Any]:
    policy = fp.hub.policy
    return {
        "window_seconds": int(policy.window.total_seconds()),
        "per_user": policy.per_user,
        "per_agency": policy.per_agency,
        "urgent_roles": sorted(role.value for role in policy.urgent_roles),
        "override_roles": sorted(role.value for role in policy.override_roles),
        "strong_auth_for": sorted(policy.strong_auth_for),
    }


def hub_router(fp: Fingerpost) -> APIRouter:
    router = APIRouter(prefix=HUB_API, tags=["hub"])
    _add_directory_routes(router, fp)
    _add_enquiry_routes(router, fp)
    _add_register_routes(router, fp)
    _add_involvement_routes(router, fp)
    _add_review_routes(router, fp)
    _add_audit_routes(router, fp)
    return router


def _add_directory_routes(router: APIRouter, fp: Fingerpost) -> None:
    """The agencies' directory, the policy and model in force, and who the practitioners are."""
    hub = fp.hub

    @router.get("/agencies")
    async def agencies(request: Request) -> Response:
        return await answer(fp, request, lambda _a, _b: hub.agencies(), gateway_only=True)

    @router.get("/agencies/{code}")
    async def agency(request: Request, code: str) -> Response:
        def work(_: Actor, __: bytes) -> Any:
            return {"agency": hub.agency(code), "left_on": hub.left_on(code)}

        return await answer(fp, request, work, gateway_only=True)

    @router.get("/policy")
    async def policy(request: Request) -> Response:
        return await answer(fp, request, lambda _a, _b: _policy(fp), gateway_only=True)

    @router.get("/model")
    async def model(request: Request) -> Response:
        return await answer(
            fp, request, lambda _a, _b: {"version": hub.model.version}, gateway_only=True
        )

    @router.post("/seen", status_code=204)
    async def seen(request: Request) -> Response:
        return await answer(fp, request, lambda a, _: hub.seen(a), status=204)

    @router.get("/notifications")
    async def notifications(request: Request, limit: int = Query(100, ge=1, le=1000)) -> Response:
        return await answer(fp, request, lambda a, _: hub.notifications(a, limit=limit))

    @router.get("/users")
    async def users(request: Request) -> Response:
        return await answer(fp, request, lambda a, _: hub.users(a))


def _add_enquiry_routes(router: APIRouter, fp: Fingerpost) -> None:
    """Enquiries, one or a batch: the gateway has encoded every child."""
    hub = fp.hub

    @router.post("/enquiries")
    async def enquire(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            sent = parse(EnquireRequest, body)
            if sent.batch:  # the gateway's own permission and daily quota (ADR 0034)
                fp.gateways.allow_batch(actor, len(sent.queries))
            results = hub.enquire_many(
                actor,
                sent.purpose,
                [child.query() for child in sent.queries],
                urgent=sent.urgent,
                batch=sent.batch,
                override_reason=sent.override_reason,
            )
            return {"results": results}

        return await answer(fp, request, work, limit=BATCH_MAX_BYTES, bulk=True)


def _add_register_routes(router: APIRouter, fp: Fingerpost) -> None:
    """An agency's registrations, in batches, and what the family may ask of them."""
    hub = fp.hub
    # A gateway keeps two batches on the wire (ADR 0045): each is decoded on arrival, and on
    # SQLite (one writer) the second then waits here, woken as the first commits, rather than
    # in SQLite's busy handler, which polls in sleeps of up to 100 ms and gives up at its timeout.
    one_writer: AbstractContextManager[Any] = (
        threading.Lock()
        if fp.settings.resolved_database_url.startswith("sqlite")
        else nullcontext()
    )

    @router.post("/registrations")
    async def register(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            sent = parse(RegisterRequest, body)
            registrations = [item.registration() for item in sent.registrations]
            with one_writer:
                return hub.register(actor, registrations)

        return await answer(fp, request, work, limit=BATCH_MAX_BYTES, bulk=True)

    @router.post("/statistics", status_code=204)
    async def statistics(request: Request) -> Response:
        return await answer(fp, request, lambda a, _: hub.refresh_statistics(a), status=204)

    @router.post("/involvements/{involvement_id}/family-notice")
    async def family_notice(request: Request, involvement_id: str) -> Response:
        return await answer(fp, request, lambda a, _: hub.family_notice(a, involvement_id))

    @router.post("/subject-reports")
    async def subject_report(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            sent = parse(SubjectReportRequest, body)
            return hub.subject_report(actor, sent.child.query(), reference=sent.reference)

        return await answer(fp, request, work, limit=_SMALL_BYTES)


def _add_involvement_routes(router: APIRouter, fp: Fingerpost) -> None:
    """One involvement's life: read, listed, its terms changed, ended, withdrawn, shielded."""
    hub = fp.hub

    @router.get("/involvements")
    async def involvements(
        request: Request,
        local_ref: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
    ) -> Response:
        def work(actor: Actor, _: bytes) -> Any:
            return hub.list_involvements(actor, local_ref=local_ref, limit=limit, offset=offset)

        return await answer(fp, request, work)

    @router.get("/involvements/{involvement_id}")
    async def involvement(request: Request, involvement_id: str) -> Response:
        return await answer(fp, request, lambda a, _: hub.get(a, involvement_id))

    @router.put("/involvements/{involvement_id}/terms")
    async def terms(request: Request, involvement_id: str) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            new = parse(TermsIn, body).terms()
            return hub.update_terms(actor, involvement_id, lambda _: new)

        return await answer(fp, request, work, limit=_SMALL_BYTES)

    @router.post("/involvements/{involvement_id}/end")
    async def end(request: Request, involvement_id: str) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            return hub.end(actor, involvement_id, parse(EndRequest, body).end_date)

        return await answer(fp, request, work, limit=_SMALL_BYTES)

    @router.post("/involvements/{involvement_id}/withdraw", status_code=204)
    async def withdraw(request: Request, involvement_id: str) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            hub.withdraw(actor, involvement_id, parse(WithdrawRequest, body).reason)

        return await answer(fp, request, work, limit=_SMALL_BYTES, status=204)

    @router.post("/involvements/{involvement_id}/shield")
    async def shield(request: Request, involvement_id: str) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            sent = parse(ShieldRequest, body)
            return hub.shield(actor, involvement_id, shielded=sent.shielded, reason=sent.reason)

        return await answer(fp, request, work, limit=_SMALL_BYTES)


def _add_review_routes(router: APIRouter, fp: Fingerpost) -> None:
    """Auditors' findings on urgent (break-glass) enquiries, through their gateway's pages."""
    hub = fp.hub

    @router.get("/reviews")
    async def reviews(
        request: Request, open_only: bool = True, limit: int = Query(100, ge=1, le=1000)
    ) -> Response:
        return await answer(
            fp, request, lambda a, _: hub.reviews(a, open_only=open_only, limit=limit)
        )

    @router.post("/reviews/{review_id}/close")
    async def close_review(request: Request, review_id: str) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            sent = parse(CloseReview, body)
            return hub.close_review(actor, review_id, sent.outcome, sent.note)

        return await answer(fp, request, work, limit=_SMALL_BYTES)


def _add_audit_routes(router: APIRouter, fp: Fingerpost) -> None:
    """Auditors' and operators' reads, through their gateway's pages."""
    hub = fp.hub

    @router.get("/audit/events")
    async def audit_events(
        request: Request,
        limit: int = Query(100, ge=1, le=1000),
        action: str = "",
        subject: str = "",
        agency: str = "",
    ) -> Response:
        def work(actor: Actor, _: bytes) -> Any:
            return hub.audit_events(
                actor, limit=limit, action=action, subject=subject, agency=agency
            )

        return await answer(fp, request, work)

    @router.get("/audit/head")
    async def audit_head(request: Request) -> Response:
        return await answer(fp, request, lambda a, _: hub.audit_head(a))

    @router.post("/audit/verify")
    async def verify_audit(request: Request) -> Response:
        return await answer(fp, request, lambda a, _: {"first_bad": hub.verify_audit(a)})

    @router.post("/audit/records", status_code=204)
    async def record(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> None:
            sent = parse(AuditRecord, body)
            if sent.action not in _GATEWAY_RECORDS:
                raise PermissionDenied("a gateway records only what it does itself")
            hub.record(actor, AuditAction(sent.action), **sent.detail)

        return await answer(fp, request, work, limit=_SMALL_BYTES, status=204)

    @router.get("/retention")
    async def retention(request: Request) -> Response:
        return await answer(fp, request, lambda a, _: hub.retention_status(a))

    @router.get("/counts")
    async def counts(request: Request) -> Response:
        def work(_: Actor, __: bytes) -> Any:
            return {"involvements": hub.count_involvements()}

        return await answer(fp, request, work, gateway_only=True)

    @router.get("/outbox")
    async def outbox(request: Request) -> Response:
        return await answer(fp, request, lambda a, _: hub.outbox(a))
