"""What every use case is given: the unit of work, the clock, the policy and the installation's
other dependencies, wired once by `Hub` (or by a test, over fakes), plus the small rules the use
cases share (the actor's own agency, an involvement of it, a stated reason)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, NotFound, PermissionDenied
from fingerpost.domain.model import Agency, InvolvementTerms
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.retention import DEFAULT_RETENTION_MONTHS, expires_on
from fingerpost.domain.values import free_text
from fingerpost.service.events import event
from fingerpost.service.model_store import ModelStore
from fingerpost.service.ports import KeyVault, UnitOfWork, WitnessStore
from fingerpost.service.records import StoredInvolvement

__all__ = [
    "Clock",
    "Context",
    "names",
    "own",
    "own_agency",
    "reason",
    "still_taking_part",
    "utcnow",
]

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _always() -> bool:
    return True


@dataclass(slots=True)
class Context:
    """The dependencies of the use cases (Cosmic Python's bootstrap, in one object)."""

    uow: Callable[[], UnitOfWork]
    models: ModelStore
    clock: Clock = utcnow
    policy: EnquiryPolicy = field(default_factory=EnquiryPolicy)
    retention_months: int = DEFAULT_RETENTION_MONTHS
    keys: KeyVault | None = None
    # Called after deleting (withdrawal, expiry, decommissioning): no copy of the deleted
    # bytes is left in the database's files. False when it could not finish (retried later).
    scrub_files: Callable[[], bool] = _always
    witness: WitnessStore | None = None

    def event(
        self,
        actor: Actor,
        action: AuditAction,
        *,
        purpose: str = "",
        result_count: int = 0,
        urgent: bool = False,
        detail: dict[str, str] | None = None,
    ) -> AuditEvent:
        return event(
            actor,
            action,
            self.clock(),
            purpose=purpose,
            result_count=result_count,
            urgent=urgent,
            detail=detail,
        )

    def scrub(self) -> bool:
        """After deleting involvements: the register is smaller, and its bytes are scrubbed."""
        self.models.register_changed()
        return self.scrub_files()

    def expiry(self, ages_out: date | None, terms: InvolvementTerms) -> date | None:
        return expires_on(ages_out, terms.end_date, self.retention_months)

    def vault(self) -> KeyVault:
        if self.keys is None:
            raise PermissionDenied("no key store is configured")
        return self.keys


def reason(text: str) -> str:
    """A stated reason for the audit: required, short, and never a child's details."""
    said = free_text("reason", text, limit=300)
    if not said:
        raise InvalidValue("reason: say why (it is recorded in the audit)")
    return said


def names(stored: StoredInvolvement, actor: Actor) -> bool:
    """The involvement names the actor as its practitioner (by e-mail, as a token carries it)."""
    email = actor.email.strip().casefold()
    return bool(email) and stored.terms.practitioner.email.strip().casefold() == email


def still_taking_part(uow: UnitOfWork, agency: str) -> None:
    if uow.agencies.decommissioned(agency) is not None:
        raise PermissionDenied(f"agency {agency} has left fingerpost: its data was destroyed")


def own_agency(uow: UnitOfWork, actor: Actor) -> Agency:
    """The actor's agency, which must still take part: a decommissioned agency's users
    neither register nor enquire, whatever tokens they still hold."""
    agency = uow.agencies.get(actor.agency)
    if agency is None:
        raise NotFound(f"unknown agency code {actor.agency!r}")
    still_taking_part(uow, agency.code)
    return agency


def own(uow: UnitOfWork, actor: Actor, involvement_id: str) -> StoredInvolvement:
    """One of the actor's agency's involvements; another agency's id answers as a made-up one."""
    stored = uow.involvements.get(actor.agency, involvement_id)
    if stored is None:
        raise NotFound("no such involvement")
    return stored
