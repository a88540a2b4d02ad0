"""The audit event a use case appends: who (the actor's subject and agency), what, when, and the
few details the log may hold (never a child's identity)."""

from datetime import datetime

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.domain.actor import Actor

__all__ = ["event"]


def event(
    actor: Actor,
    action: AuditAction,
    at: datetime,
    *,
    purpose: str = "",
    result_count: int = 0,
    urgent: bool = False,
    detail: dict[str, str] | None = None,
) -> AuditEvent:
    return AuditEvent(
        action=action,
        actor=actor.subject,
        agency=actor.agency,
        at=at,
        purpose=purpose,
        result_count=result_count,
        urgent=urgent,
        detail=_with_gateway(detail or {}, actor),
    )


def _with_gateway(detail: dict[str, str], actor: Actor) -> dict[str, str]:
    """Which gateway vouched for the person, when one did (docs/adr/0026)."""
    return detail | {"gateway": actor.gateway} if actor.gateway else detail
