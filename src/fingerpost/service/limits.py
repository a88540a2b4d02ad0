"""Anti-browsing: the enquiry limits (refused, audited, the administrators alerted once per
window), the anomaly rules that only alert, and break-glass (an urgent enquiry passes the limits
and opens a review for an auditor). The numbers are the policy's (`EnquiryPolicy`)."""

from __future__ import annotations

from datetime import datetime

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import LimitExceeded
from fingerpost.domain.ids import new_id
from fingerpost.domain.model import Agency
from fingerpost.domain.values import StatedPurpose
from fingerpost.service.context import Context
from fingerpost.service.notifications import alert
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.records import EnquiryResult, Review

__all__ = ["anomalies", "break_glass", "over_limit"]


def _exceeded(
    ctx: Context,
    *,
    wanted: int,
    recent: list[AuditEvent],
    made: int,
    now: datetime,
) -> tuple[str, int, int] | None:
    """(scope, limit, seconds until room) of the first limit the enquiries would exceed, given
    the user's `recent` enquiries and the number its agency `made` in the window."""
    policy = ctx.policy
    if len(recent) + wanted > policy.per_user:
        # Room again once the oldest enquiries in the window have aged out of it; a batch larger
        # than the limit itself never fits, so it waits a whole window.
        index = len(recent) + wanted - policy.per_user - 1
        oldest = recent[max(0, index)].at if 0 <= index < len(recent) else now
        return (
            "user",
            policy.per_user,
            max(1, int((oldest + policy.window - now).total_seconds()) + 1),
        )
    if made + wanted > policy.per_agency:
        return "agency", policy.per_agency, int(policy.window.total_seconds())
    return None


def over_limit(  # noqa: PLR0917 - one enquiry's context
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    own: Agency,
    stated: StatedPurpose,
    wanted: int,
    seen: tuple[list[AuditEvent], int],
    now: datetime,
) -> LimitExceeded | None:
    """Record a refusal (and alert, once per window) when the enquiries would exceed a
    limit; returns the error to raise, or None when they may go ahead. `seen`: the user's
    enquiries in the window, and how many its agency made (`AuditLog.window`)."""
    recent, made = seen
    exceeded = _exceeded(ctx, wanted=wanted, recent=recent, made=made, now=now)
    if exceeded is None:
        return None
    scope, limit, retry = exceeded
    since = now - ctx.policy.window
    first_refusal = uow.audit.count(AuditAction.ENQUIRY_REFUSED, since, actor=actor.subject) == 0
    window = f"{int(ctx.policy.window.total_seconds() // 60)} minutes"
    events = [
        ctx.event(
            actor,
            AuditAction.ENQUIRY_REFUSED,
            purpose=str(stated),
            result_count=0,
            detail={"limit": scope, "allowed": str(limit), "window": window},
        )
    ]
    if first_refusal:
        message = (
            f"{actor.name or actor.subject} reached the {scope} limit of {limit} enquiries in"
            f" {window}; further enquiries are refused until the window has room (urgent"
            " enquiries still go through and are reviewed)."
        )
        events.append(alert(ctx, uow, actor, own, rule=f"{scope}-limit", message=message))
    uow.audit.append_many(events)
    noun = "you have" if scope == "user" else "your agency has"
    return LimitExceeded(
        f"{noun} made {limit} enquiries in the last {window}: try again later, or mark the "
        "enquiry urgent if a child is at risk now (it will be reviewed)",
        retry_after=retry,
    )


def anomalies(  # noqa: PLR0917 - one batch's context
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    own: Agency,
    results: list[EnquiryResult],
    recent: list[AuditEvent],
    now: datetime,
) -> list[AuditEvent]:
    """Alert (once, as a count crosses its threshold) on patterns that look like browsing."""
    policy = ctx.policy
    who = actor.name or actor.subject
    events: list[AuditEvent] = []
    before = sum(e.result_count == 0 for e in recent)
    after = before + sum(not r.signposts for r in results)
    if before < policy.no_match_alert <= after:
        message = (
            f"{who} made {after} enquiries that found nobody within the hour: a pattern that"
            " can mean browsing."
        )
        events.append(alert(ctx, uow, actor, own, rule="no-match-burst", message=message))
    if policy.is_out_of_hours(now):
        before = sum(policy.is_out_of_hours(e.at) for e in recent)
        after = before + len(results)
        if before < policy.out_of_hours_alert <= after:
            message = f"{who} made {after} enquiries out of hours within the hour."
            events.append(alert(ctx, uow, actor, own, rule="out-of-hours-volume", message=message))
    return events


def break_glass(  # noqa: PLR0917 - one urgent enquiry's context
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    own: Agency,
    enquiry_id: str,
    stated: StatedPurpose,
    found: int,
) -> list[AuditEvent]:
    """An urgent enquiry: a review opened for an auditor, and the administrators alerted."""
    review = Review(
        id=new_id(),
        enquiry_id=enquiry_id,
        actor=actor.subject,
        actor_name=actor.name,
        actor_role=actor.role.value,
        agency=own.code,
        purpose=str(stated),
        result_count=found,
        opened_at=ctx.clock(),
    )
    uow.reviews.add(review)
    message = (
        f"{actor.name or actor.subject} made an urgent enquiry ({stated}); it passed the enquiry"
        " limits and awaits an auditor's review."
    )
    return [
        ctx.event(
            actor,
            AuditAction.BREAKGLASS_USED,
            purpose=str(stated),
            result_count=found,
            urgent=True,
            detail={"enquiry": enquiry_id, "review": review.id},
        ),
        alert(ctx, uow, actor, own, rule="break-glass", message=message),
    ]
