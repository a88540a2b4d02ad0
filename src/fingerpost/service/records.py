"""What the hub stores and returns, as plain records (no ORM objects leak out of adapters)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from fingerpost.domain.model import Agency, InvolvementKey, InvolvementTerms
from fingerpost.domain.vocabulary import Confidence, InvolvementStatus
from fingerpost.matching.encode import EncodedIdentity, EncodedQuery

__all__ = [
    "Candidate",
    "Destruction",
    "DisclosingEnquiry",
    "EndingRow",
    "EnquiryResult",
    "FamilyNotice",
    "HeldInvolvement",
    "HeldRow",
    "NewInvolvement",
    "Notification",
    "Outgoing",
    "Purged",
    "Reached",
    "Registration",
    "RegistrationOutcome",
    "RetentionStatus",
    "Review",
    "StoredInvolvement",
    "SubjectReport",
    "User",
]


@dataclass(frozen=True, slots=True)
class Registration:
    """One involvement as the gateway hands it to the hub: the child is an encoding."""

    local_ref: str
    terms: InvolvementTerms
    child: EncodedQuery
    ages_out: date | None = None  # month the child passes the age limit, from the gateway
    # A snapshot row's keyed digest (`gateway/digest.py`), stored with the row so that the next
    # snapshot knows it unchanged; None outside a sync (the stored one is then cleared).
    row_digest: str | None = None


@dataclass(frozen=True, slots=True)
class HeldRow:
    """An involvement as a snapshot sync sees it: its row, whether it is open, and the digest of
    the row the agency last sent (None when it has changed since by other means)."""

    row: int
    open: bool
    digest: str | None


@dataclass(frozen=True, slots=True)
class EndingRow:
    """An open involvement a snapshot ends, with what its new expiry is worked out from."""

    row: int
    id: str
    start_date: date
    ages_out: date | None


@dataclass(frozen=True, slots=True)
class StoredInvolvement:
    id: str  # opaque public id; never sequential, so ids cannot be walked
    key: InvolvementKey
    terms: InvolvementTerms
    status: InvolvementStatus
    shielded: bool
    identity_digest: str
    created_at: datetime
    updated_at: datetime
    ages_out: date | None = None
    expires_on: date | None = None  # first day it is no longer kept (docs/adr/0009)


@dataclass(frozen=True, slots=True)
class NewInvolvement:
    """What the hub stores for a new involvement."""

    key: InvolvementKey
    terms: InvolvementTerms
    identity: EncodedIdentity
    digest: str
    ages_out: date | None = None
    expires_on: date | None = None
    row_digest: str | None = None  # a snapshot row's keyed digest (see `Registration`)


@dataclass(slots=True)
class Purged:
    """What a purge destroyed, by kind (for the audit and destruction certificates)."""

    involvements: int = 0
    blocking_keys: int = 0
    links: int = 0
    notifications: int = 0

    def add(self, other: "Purged") -> None:
        self.involvements += other.involvements
        self.blocking_keys += other.blocking_keys
        self.links += other.links
        self.notifications += other.notifications

    def as_dict(self) -> dict[str, int]:
        return {
            "involvements": self.involvements,
            "blocking_keys": self.blocking_keys,
            "links": self.links,
            "notifications": self.notifications,
        }


@dataclass(frozen=True, slots=True)
class Reached:
    """An involvement blocking reached, opened only as far as scoring needs: most are scored
    and dropped, so the rest of the involvement is read only for those kept (`resolve`)."""

    involvement_id: str
    identity: EncodedIdentity
    agency: Agency


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored involvement reached by blocking and kept by scoring, with what disclosure needs."""

    involvement: StoredInvolvement
    agency: Agency


@dataclass(frozen=True, slots=True)
class Notification:
    id: str
    agency: str  # the agency whose practitioner is told
    recipient_email: str  # empty: the agency's administrators (alerts)
    involvement_id: str | None  # None for alerts, which concern no involvement
    local_ref: str  # the recipient's own reference ("" for alerts): the child is never named
    # "enquiry" (someone looked for your child), "link" (another agency also works with them),
    # "alert" (to administrators: a limit was reached, browsing suspected, break-glass used).
    kind: str
    about: dict[str, str] = field(default_factory=dict)
    source_id: str | None = None  # the other involvement that caused it (link notifications)
    created_at: datetime | None = None
    # The agency `about` describes (the other practitioner's, the enquirer's): its data key
    # seals `about`. Empty: the recipient agency.
    about_agency: str = ""


@dataclass(slots=True)
class RegistrationOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links: int = 0
    ids: list[str] = field(default_factory=list)

    def add(self, other: "RegistrationOutcome") -> None:
        """Count in another batch's outcome (a file sent to the hub in several requests)."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.links += other.links
        self.ids += other.ids


@dataclass(frozen=True, slots=True)
class EnquiryResult:
    enquiry_id: str
    signposts: list["SignpostView"]


@dataclass(frozen=True, slots=True)
class SignpostView:
    """A signpost ready to show: shielded involvements already carry the duty contact."""

    confidence: Confidence
    why: str
    agency: str
    agency_name: str
    authority_area: str
    practitioner_name: str
    practitioner_role: str
    practitioner_phone: str
    practitioner_email: str
    involvement: str
    start_date: date
    end_date: date | None
    shielded: bool
    shield_overridden: bool = False  # shielded, but disclosed on an audited override
    # Plain words (docs/adr/0020): the area's ONS name ("" when withheld; the code when the
    # shipped lookup does not know it) and `why` as a practitioner would say it.
    authority_area_name: str = ""
    why_sentence: str = ""
    # Who to call now: "practitioner" in office hours, "out-of-hours" outside them when the
    # agency has an out-of-hours number, with the reason as a sentence.
    current_contact: str = "practitioner"
    current_contact_reason: str = ""
    out_of_hours_name: str = ""  # what the out-of-hours number is ("Emergency Duty Team")
    out_of_hours_phone: str = ""
    office_hours: str = ""  # "9am to 5pm, Monday to Friday"
    practitioner_from: datetime | None = None  # when the office next opens (local time)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A notification waiting in the outbox, with what delivery needs."""

    notification: Notification
    attempts: int
    agency_name: str
    duty_email: str  # where alerts for the agency's administrators go


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in user as the practitioners table records them."""

    subject: str
    agency: str
    role: str
    name: str
    email: str
    phone: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@dataclass(frozen=True, slots=True)
class Review:
    """An urgent (break-glass) enquiry and, once an auditor has looked, their finding."""

    id: str
    enquiry_id: str
    actor: str
    actor_name: str
    actor_role: str
    agency: str
    purpose: str
    result_count: int
    opened_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    outcome: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Destruction:
    """What a decommissioning destroyed, and the audit log's signed head just after."""

    scope: str  # "agency" (one agency left) or "service" (the service closed)
    agencies: list[str]
    purged: Purged
    users: int
    other_notifications: int  # alerts and the like, beyond those of the involvements
    keys: int  # data key versions destroyed
    at: datetime
    audit_size: int
    audit_root: str  # hex


@dataclass(frozen=True, slots=True)
class HeldInvolvement:
    """An involvement held about the child of a subject access request."""

    confidence: Confidence
    why: str
    agency: Agency
    involvement: StoredInvolvement


@dataclass(frozen=True, slots=True)
class DisclosingEnquiry:
    """An enquiry that found the child: who asked, for which agency, why and when."""

    seq: int  # the audit event's sequence number (for an inclusion proof)
    at: datetime
    actor: str
    agency: str
    purpose: str
    urgent: bool
    involvements: list[str]  # which of the child's involvements it disclosed


@dataclass(frozen=True, slots=True)
class SubjectReport:
    generated_at: datetime
    involvements: list[HeldInvolvement]
    enquiries: list[DisclosingEnquiry]
    notifications: list[Notification]


@dataclass(frozen=True, slots=True)
class FamilyNotice:
    """What a family must be told when an agency registers their child (GDPR article 14)."""

    agency: Agency
    involvement: StoredInvolvement
    retention_months: int
    generated_at: datetime


@dataclass(frozen=True, slots=True)
class RetentionStatus:
    """Where expiry stands, for operators: counts and the last purge, never which child."""

    due: int  # involvements whose expiry has come: the next purge removes them
    due_within_30_days: int  # more that expire in the next 30 days
    last_purge_at: datetime | None
    last_purge_removed: int
