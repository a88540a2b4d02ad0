"""A signpost as it is shown: who may be disclosed, who to call now, and in plain words.

Shared by every way a signpost leaves the hub (API, CSV, pages, FHIR): each reads the same
`SignpostView`, so the night answer and the words are the same everywhere (docs/adr/0020)."""

from datetime import datetime

from fingerpost.domain.areas import area_name
from fingerpost.domain.hours import contact_now
from fingerpost.domain.model import Agency, Practitioner
from fingerpost.matching.explain import spoken_why
from fingerpost.matching.score import Verdict
from fingerpost.service.records import Candidate, SignpostView, StoredInvolvement

__all__ = ["disclosed_contact", "signpost_view"]

_OUT_OF_HOURS = "Out-of-hours service"  # what the number is, when the agency has not said


def disclosed_contact(stored: StoredInvolvement, agency: Agency) -> Practitioner:
    """Who may be disclosed for an involvement: for a shielded one (e.g. a child in a refuge) only
    the agency's duty desk, never the practitioner or where they work."""
    if stored.shielded:
        return Practitioner(
            name=f"{agency.name} duty desk",
            role="Duty team",
            phone=agency.duty_phone or agency.out_of_hours_phone or "-",
            email=agency.duty_email,
        )
    return stored.terms.practitioner


def signpost_view(
    candidate: Candidate, verdict: Verdict, now: datetime, *, overridden: bool = False
) -> SignpostView:
    """The signpost at `now`: outside the agency's office hours it leads with the out-of-hours
    number, the practitioner kept for when the office opens."""
    stored, agency = candidate.involvement, candidate.agency
    hidden = stored.shielded and not overridden
    contact = disclosed_contact(stored, agency) if hidden else stored.terms.practitioner
    area = "" if hidden else agency.authority_area
    current = contact_now(
        agency.office_hours,
        now,
        area=agency.authority_area,
        out_of_hours_phone=agency.out_of_hours_phone,
    )
    return SignpostView(
        confidence=verdict.confidence,
        why=verdict.why,
        agency=agency.code,
        agency_name=agency.name,
        authority_area=area,
        practitioner_name=contact.name,
        practitioner_role=contact.role,
        practitioner_phone=contact.phone,
        practitioner_email=contact.email,
        involvement=stored.terms.kind.value,
        start_date=stored.terms.start_date,
        end_date=stored.terms.end_date,
        shielded=stored.shielded,
        shield_overridden=overridden,
        authority_area_name=area_name(area) if area else "",
        why_sentence=spoken_why(verdict.why),
        current_contact=current.current.value,
        current_contact_reason=current.reason,
        out_of_hours_name=(agency.out_of_hours_name or _OUT_OF_HOURS)
        if agency.out_of_hours_phone
        else "",
        out_of_hours_phone=agency.out_of_hours_phone,
        office_hours=agency.office_hours.describe(),
        practitioner_from=current.office_opens,
    )
