"""What the API answers: response bodies built from the service's records. Never a score and
never the child's details."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from fingerpost.service.records import (
    Notification,
    Review,
    SignpostView,
    StoredInvolvement,
)

__all__ = [
    "AgencyOut",
    "AuditEventOut",
    "AuditVerifyOut",
    "EnquiryOut",
    "InvolvementOut",
    "NotificationOut",
    "ReviewOut",
    "SignpostOut",
    "UserOut",
]


class InvolvementOut(BaseModel):
    id: str
    local_ref: str
    involvement: str
    practitioner_name: str
    practitioner_role: str
    practitioner_phone: str
    practitioner_email: str
    start_date: date
    end_date: date | None
    status: str
    shielded: bool
    created_at: str
    updated_at: str
    links_found: int | None = None
    # Registered with these warnings, e.g. an invalid NHS number set aside (the row is kept).
    warnings: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, stored: StoredInvolvement, links: int | None = None) -> "InvolvementOut":
        person = stored.terms.practitioner
        return cls(
            id=stored.id,
            local_ref=stored.key.local_ref,
            involvement=stored.terms.kind.value,
            practitioner_name=person.name,
            practitioner_role=person.role,
            practitioner_phone=person.phone,
            practitioner_email=person.email,
            start_date=stored.terms.start_date,
            end_date=stored.terms.end_date,
            status=stored.status.value,
            shielded=stored.shielded,
            created_at=stored.created_at.isoformat(),
            updated_at=stored.updated_at.isoformat(),
            links_found=links,
        )


class SignpostOut(BaseModel):
    """Who to call. Never a score: `confidence` is `strong` (act on it) or `possible` (call to
    confirm it is the same child)."""

    confidence: str
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
    shielded: bool = Field(
        default=False,
        description=(
            "The agency has shielded this involvement (e.g. a child in a refuge): the contact"
            " is its duty desk and the area is withheld, unless `shield_overridden`."
        ),
    )
    shield_overridden: bool = Field(
        default=False,
        description="Shown past the shield on your stated reason (audited; the agency told).",
    )
    authority_area_name: str = Field(
        default="", description="The area's name (ONS); the code when it is not in the lookup."
    )
    why_sentence: str = Field(default="", description="`why` as a sentence a person would say.")
    current_contact: str = Field(
        default="practitioner",
        description=(
            "Who to call now: `practitioner` in the agency's office hours; `out-of-hours` outside"
            " them (nights, weekends, bank holidays) when the agency has an out-of-hours number"
            " — then call `out_of_hours_phone` now and the practitioner from `practitioner_from`."
        ),
    )
    current_contact_reason: str = Field(default="", description="Why, as a sentence.")
    out_of_hours_name: str = Field(
        default="", description="What the out-of-hours number is (e.g. Emergency Duty Team)."
    )
    out_of_hours_phone: str = ""
    office_hours: str = Field(default="", description="e.g. 9am to 5pm, Monday to Friday.")
    practitioner_from: datetime | None = Field(
        default=None, description="When the office next opens (UK time), outside office hours."
    )

    @classmethod
    def of(cls, view: SignpostView) -> "SignpostOut":
        return cls(
            confidence=view.confidence.value,
            why=view.why,
            agency=view.agency,
            agency_name=view.agency_name,
            authority_area=view.authority_area,
            practitioner_name=view.practitioner_name,
            practitioner_role=view.practitioner_role,
            practitioner_phone=view.practitioner_phone,
            practitioner_email=view.practitioner_email,
            involvement=view.involvement,
            start_date=view.start_date,
            end_date=view.end_date,
            shielded=view.shielded,
            shield_overridden=view.shield_overridden,
            authority_area_name=view.authority_area_name,
            why_sentence=view.why_sentence,
            current_contact=view.current_contact,
            current_contact_reason=view.current_contact_reason,
            out_of_hours_name=view.out_of_hours_name,
            out_of_hours_phone=view.out_of_hours_phone,
            office_hours=view.office_hours,
            practitioner_from=view.practitioner_from,
        )


class EnquiryOut(BaseModel):
    enquiry_id: str
    enquiry_ref: str
    searched: list[str] = Field(description="What the enquiry was matched on.")
    strong: int
    possible: int
    signposts: list[SignpostOut]


class NotificationOut(BaseModel):
    id: str
    kind: str = Field(
        description="`enquiry`: someone looked for your child; `link`: another "
        "agency also works with them; `alert` (administrators): an enquiry limit was reached, "
        "browsing is suspected, or break-glass was used."
    )
    local_ref: str = Field(description="Your own reference for the child (empty for alerts).")
    involvement_id: str | None
    about: dict[str, str]
    created_at: str

    @classmethod
    def of(cls, notice: Notification) -> "NotificationOut":
        return cls(
            id=notice.id,
            kind=notice.kind,
            local_ref=notice.local_ref,
            involvement_id=notice.involvement_id,
            about=notice.about,
            created_at=notice.created_at.isoformat() if notice.created_at else "",
        )


class ReviewOut(BaseModel):
    id: str
    enquiry_id: str
    actor: str
    actor_name: str
    actor_role: str
    agency: str
    purpose: str
    result_count: int
    opened_at: str
    closed_at: str | None
    closed_by: str | None
    outcome: str | None
    note: str | None

    @classmethod
    def of(cls, review: Review) -> "ReviewOut":
        return cls(
            id=review.id,
            enquiry_id=review.enquiry_id,
            actor=review.actor,
            actor_name=review.actor_name,
            actor_role=review.actor_role,
            agency=review.agency,
            purpose=review.purpose,
            result_count=review.result_count,
            opened_at=review.opened_at.isoformat(),
            closed_at=review.closed_at.isoformat() if review.closed_at else None,
            closed_by=review.closed_by,
            outcome=review.outcome,
            note=review.note,
        )


class AgencyOut(BaseModel):
    code: str
    name: str
    authority_area: str
    kind: str
    duty_phone: str
    duty_email: str
    out_of_hours_phone: str
    out_of_hours_name: str = ""
    office_hours: str = Field(default="", description="e.g. Mon-Fri 09:00-17:00, or 24/7.")


class UserOut(BaseModel):
    subject: str
    agency: str
    role: str
    name: str
    email: str
    first_seen: datetime | None
    last_seen: datetime | None


class AuditEventOut(BaseModel):
    action: str
    actor: str
    agency: str
    at: str
    purpose: str
    result_count: int
    urgent: bool
    detail: dict[str, str]


class AuditVerifyOut(BaseModel):
    intact: bool
    first_bad_seq: int | None
    damaged: str | None = Field(
        default=None,
        description="A signed checkpoint that cannot even be read: which one and what is wrong.",
    )
