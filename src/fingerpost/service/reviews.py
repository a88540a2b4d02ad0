"""Use cases: an auditor reads the urgent (break-glass) enquiries' reviews, and closes one with
a finding."""

from __future__ import annotations

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, NotFound
from fingerpost.domain.values import MAX_PURPOSE_LENGTH, free_text, parse_vocabulary
from fingerpost.domain.vocabulary import ReviewOutcome
from fingerpost.service.context import Context
from fingerpost.service.permissions import check
from fingerpost.service.records import Review

__all__ = ["close_review", "reviews"]


def reviews(
    ctx: Context, actor: Actor, *, open_only: bool = True, limit: int = 100
) -> list[Review]:
    """Urgent enquiries awaiting (or given) an auditor's finding. Auditors only; each read is
    audited (the reviews name who enquired)."""
    check(actor, "review.list", ctx.policy)
    with ctx.uow() as uow:
        found = uow.reviews.search(open_only=open_only, limit=limit)
        uow.audit.append(
            ctx.event(
                actor,
                AuditAction.AUDIT_READ,
                result_count=len(found),
                detail={"read": "reviews"},
            )
        )
        uow.commit()
    return found


def close_review(
    ctx: Context, actor: Actor, review_id: str, outcome: str, note: str = ""
) -> Review:
    """Record an auditor's finding on an urgent enquiry. A review closes once."""
    check(actor, "review.close", ctx.policy)
    finding = parse_vocabulary(ReviewOutcome, outcome, "outcome")
    note = free_text("note", note, limit=MAX_PURPOSE_LENGTH * 5)
    with ctx.uow() as uow:
        review = uow.reviews.get(review_id)
        if review is None:
            raise NotFound("no such review")
        if review.closed_at is not None:
            raise InvalidValue("review: already closed")
        closed = uow.reviews.close(
            review_id, outcome=finding.value, note=note, by=actor.subject, at=ctx.clock()
        )
        detail = {"review": review_id, "enquiry": review.enquiry_id, "outcome": finding.value}
        uow.audit.append(ctx.event(actor, AuditAction.REVIEW_CLOSED, detail=detail))
        uow.commit()
    return closed
