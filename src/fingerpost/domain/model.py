"""The objects of signposting. None of them holds a child's identity: that stays at the gateway."""

from dataclasses import dataclass
from datetime import date

from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.hours import DEFAULT_OFFICE_HOURS, OfficeHours
from fingerpost.domain.vocabulary import (
    AgencyKind,
    Confidence,
    InvolvementKind,
    InvolvementStatus,
)

__all__ = ["Agency", "InvolvementKey", "InvolvementTerms", "Practitioner", "Signpost"]


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str
    authority_area: str
    kind: AgencyKind
    duty_phone: str = ""
    duty_email: str = ""
    out_of_hours_phone: str = ""
    # What the out-of-hours number is, said to the enquirer ("Emergency Duty Team, 24 hours").
    out_of_hours_name: str = ""
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS


@dataclass(frozen=True, slots=True)
class Practitioner:
    """Who to call. At least one way to reach them is required."""

    name: str
    role: str = ""
    phone: str = ""
    email: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidValue("practitioner_name: required")
        if not (self.phone.strip() or self.email.strip()):
            raise InvalidValue("practitioner_phone or practitioner_email: one is required")


@dataclass(frozen=True, slots=True)
class InvolvementKey:
    """The contract's idempotency key: re-registering the same key updates, never duplicates."""

    agency: str
    local_ref: str
    kind: InvolvementKind


@dataclass(frozen=True, slots=True)
class InvolvementTerms:
    """What an agency says about its involvement: that, not what. No case content has a field."""

    kind: InvolvementKind
    practitioner: Practitioner
    start_date: date
    end_date: date | None = None

    def __post_init__(self) -> None:
        if self.end_date is not None and self.end_date < self.start_date:
            raise InvalidValue("end_date: before start_date")

    @property
    def status(self) -> InvolvementStatus:
        return InvolvementStatus.ACTIVE if self.end_date is None else InvolvementStatus.ENDED


@dataclass(frozen=True, slots=True)
class Signpost:
    """One disclosed involvement: who to call, with how sure we are and why, never a score."""

    confidence: Confidence
    why: str
    agency: Agency
    practitioner: Practitioner
    kind: InvolvementKind
    start_date: date
    end_date: date | None
    shielded: bool
