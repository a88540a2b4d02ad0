"""Use case: one pass over the notification outbox (the delivery worker; no signed-in actor).
Every delivery and every failure is audited, as the outbox itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.domain.actor import Actor
from fingerpost.domain.ids import new_id
from fingerpost.domain.vocabulary import Role
from fingerpost.service.context import Context
from fingerpost.service.messages import digest as digest_message
from fingerpost.service.messages import message
from fingerpost.service.ports import Mailer, MailError
from fingerpost.service.records import Outgoing

__all__ = ["CLAIM_FOR", "DIGEST_AFTER", "Delivery", "deliver_notifications"]

DIGEST_AFTER = timedelta(days=1)
# How long a delivering worker holds the notifications it claimed: longer than a pass takes.
CLAIM_FOR = timedelta(minutes=5)


@dataclass(slots=True)
class Delivery:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    held: int = 0  # waiting for the daily digest


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, at most an hour."""
    return timedelta(minutes=min(60, 2 ** (attempts - 1)))


def deliver_notifications(
    ctx: Context,
    mailer: Mailer,
    *,
    digest: bool = False,
    limit: int = 200,
    max_attempts: int = 6,
) -> Delivery:
    """E-mail what is due, retry failures with back-off.

    Each practitioner's notification goes to them; alerts go to the agency's duty address.
    With `digest`, enquiry and link notifications are held and sent as one message per
    practitioner once the oldest is a day old (alerts always go at once).
    """
    now = ctx.clock()
    with ctx.uow() as uow:
        due = uow.notifications.claim(now, now + CLAIM_FOR, limit=limit)
        uow.commit()
    report = Delivery()
    sends: list[list[Outgoing]] = []
    held: dict[tuple[str, str], list[Outgoing]] = {}
    for item in due:
        note = item.notification
        if digest and note.kind != "alert":
            held.setdefault((note.agency, note.recipient_email.lower()), []).append(item)
        else:
            sends.append([item])
    for items in held.values():
        oldest = min(i.notification.created_at or now for i in items)
        if now - oldest >= DIGEST_AFTER:
            sends.append(items)
        else:
            report.held += len(items)
    for items in sends:
        _send(ctx, mailer, items, now, max_attempts, report)
    return report


def _mail(mailer: Mailer, items: list[Outgoing], reference: str) -> str | None:
    """Hand one message to the channel; the error, or None when it took it."""
    first = items[0]
    to = first.notification.recipient_email or first.duty_email
    notes = [item.notification for item in items]
    subject, body = message(notes[0]) if len(notes) == 1 else digest_message(notes)
    if not to:
        return "no address: the agency has no duty e-mail"
    try:
        kind = notes[0].kind if len(notes) == 1 else "digest"
        mailer.send(to, subject, body, reference=reference, kind=kind)
    except MailError as failure:
        return str(failure)
    return None


def _send(  # noqa: PLR0917 - one message's context
    ctx: Context,
    mailer: Mailer,
    items: list[Outgoing],
    now: datetime,
    max_attempts: int,
    report: Delivery,
) -> None:
    reference = new_id()  # one per message: the channel reports on it (Notify call-backs)
    error = _mail(mailer, items, reference)
    with ctx.uow() as uow:
        events: list[AuditEvent] = []
        for item in items:
            note = item.notification
            outbox = Actor(
                subject="system:outbox", name="outbox", agency=note.agency, role=Role.OPERATOR
            )
            detail = {"notification": note.id, "kind": note.kind}
            if error is None:
                uow.notifications.delivered(note.id, now, reference)
                report.sent += 1
                events.append(ctx.event(outbox, AuditAction.NOTIFICATION_SENT, detail=detail))
                continue
            attempts = item.attempts + 1
            retry = None if attempts >= max_attempts else now + _backoff(attempts)
            uow.notifications.failed(note.id, error, retry)
            report.failed += 1
            report.gave_up += retry is None
            detail |= {"attempt": str(attempts), "gave_up": str(retry is None)}
            events.append(ctx.event(outbox, AuditAction.NOTIFICATION_FAILED, detail=detail))
        uow.audit.append_many(events)
        uow.commit()
