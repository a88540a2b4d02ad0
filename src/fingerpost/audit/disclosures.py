"""Which involvements an audited event disclosed: the index the log keeps beside its leaves
(the `disclosures` table, docs/adr/0030), read from the event itself."""

from fingerpost.audit.events import AuditAction, AuditEvent

__all__ = ["disclosed_by"]


def disclosed_by(event: AuditEvent) -> list[str]:
    """The involvement ids an enquiry disclosed, each once, in the order recorded; none for any
    other event. The event's own `disclosed` detail stays as it is: it is part of its leaf."""
    if event.action is not AuditAction.ENQUIRY_MADE:
        return []
    return list(dict.fromkeys(i for i in event.detail.get("disclosed", "").split(",") if i))
