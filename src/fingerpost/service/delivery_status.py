"""What a delivery channel reports about a message after it was handed over (GOV.UK Notify's
status call-backs): kept on each notification of the message and audited."""

from collections.abc import Callable
from datetime import datetime

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.service.ports import UnitOfWork

__all__ = ["NOTIFY_STATUSES", "record_delivery_status"]

# The statuses GOV.UK Notify sends to a call-back for an e-mail.
NOTIFY_STATUSES = frozenset(
    {"delivered", "permanent-failure", "temporary-failure", "technical-failure"}
)


def record_delivery_status(
    uow_factory: Callable[[], UnitOfWork], reference: str, status: str, now: datetime
) -> int:
    """Keep `status` on the notifications sent as `reference`; how many there were (0: unknown
    reference, e.g. a message of another installation — nothing is recorded)."""
    with uow_factory() as uow:
        found = uow.notifications.delivery_status(reference, status)
        uow.audit.append_many(
            [
                AuditEvent(
                    action=AuditAction.NOTIFICATION_STATUS,
                    actor="system:notify",
                    agency=agency,
                    at=now,
                    detail={"notification": note, "status": status},
                )
                for note, agency in found
            ]
        )
        uow.commit()
    return len(found)
