"""Use cases: the notifications a practitioner or an agency reads, and how many wait in the
outbox; and the notifications other use cases leave there (a link found, an enquiry about a
practitioner's child, an alert to an agency's administrators)."""

from __future__ import annotations

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.domain.actor import Actor
from fingerpost.domain.ids import new_id
from fingerpost.domain.model import Agency
from fingerpost.domain.vocabulary import Role
from fingerpost.service.context import Context
from fingerpost.service.permissions import check
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.records import Candidate, Notification, StoredInvolvement

__all__ = ["alert", "notification", "notifications", "outbox", "told_of_enquiry"]


def notifications(ctx: Context, actor: Actor, *, limit: int = 100) -> list[Notification]:
    """A practitioner sees their own; an agency administrator sees the agency's."""
    check(actor, "notification.list", ctx.policy)
    with ctx.uow() as uow:
        email = None if actor.role is Role.AGENCY_ADMIN else actor.email
        return uow.notifications.for_recipient(actor.agency, email, limit=limit)


def outbox(ctx: Context, actor: Actor) -> dict[str, int]:
    """How many notifications are pending, failed for good and delivered (operators)."""
    check(actor, "notification.outbox", ctx.policy)
    with ctx.uow() as uow:
        return uow.notifications.outbox_counts()


def notification(
    ctx: Context,
    *,
    to: StoredInvolvement,
    kind: str,
    about: dict[str, str],
    about_agency: str,
    source: str | None = None,
) -> Notification:
    """A notification for the practitioner of `to`."""
    return Notification(
        id=new_id(),
        agency=to.key.agency,
        recipient_email=to.terms.practitioner.email,
        involvement_id=to.id,
        local_ref=to.key.local_ref,
        kind=kind,
        about=about,
        source_id=source,
        created_at=ctx.clock(),
        about_agency=about_agency,
    )


def told_of_enquiry(
    ctx: Context, candidate: Candidate, actor: Actor, own: Agency, purpose: str
) -> Notification:
    """The practitioner of a strong match hears who asked about their child, and why."""
    return notification(
        ctx,
        to=candidate.involvement,
        kind="enquiry",
        about_agency=own.code,
        about={
            "agency": own.name,
            "practitioner_name": actor.name,
            "practitioner_role": actor.role.value,
            "practitioner_phone": actor.phone,
            "practitioner_email": actor.email,
            "purpose": purpose,
        },
    )


def alert(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    own: Agency,
    *,
    rule: str,
    message: str,
    about: StoredInvolvement | None = None,
) -> AuditEvent:
    """Tell the agency's administrators (inbox and e-mail to the duty address); returns the
    alert's audit event. An alert `about` one of the agency's involvements goes with it when it
    is purged."""
    uow.notifications.add(
        Notification(
            id=new_id(),
            agency=own.code,
            recipient_email="",
            involvement_id=about.id if about else None,
            local_ref=about.key.local_ref if about else "",
            kind="alert",
            about={
                "rule": rule,
                "message": message,
                "user": actor.name,
                "user_email": actor.email,
                "user_role": actor.role.value,
            },
            created_at=ctx.clock(),
        )
    )
    return ctx.event(actor, AuditAction.ALERT_RAISED, detail={"rule": rule})
