"""One interactive enquiry, shared by the HTTP API and the web pages: the child's details go
through the gateway (validated, encoded) and only the encoding reaches the hub."""

from collections.abc import Mapping
from dataclasses import dataclass

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue
from fingerpost.gateway import check_enquiry, enquiry_child, parse_child
from fingerpost.service.records import EnquiryResult, SubjectReport

__all__ = ["Enquired", "enquire", "subject_access_report"]


@dataclass(frozen=True, slots=True)
class Enquired:
    result: EnquiryResult
    searched: list[str]  # what the enquiry was matched on, in words ("NHS number", "name"…)


def enquire(
    fp: Fingerpost,
    actor: Actor,
    purpose: str,
    child_details: Mapping[str, str],
    *,
    urgent: bool = False,
    override_reason: str = "",
) -> Enquired:
    """Raises InvalidValue (naming the field) for details an enquiry cannot use."""
    if not purpose.strip():
        raise InvalidValue("purpose: say why you are asking")
    child = enquiry_child(child_details, purpose=purpose, reasons=[override_reason])
    result = fp.hub.enquire(
        actor, purpose, fp.gateway.encode(child), urgent=urgent, override_reason=override_reason
    )
    searched = [
        label
        for label, present in (
            ("NHS number", child.nhs_number is not None),
            ("name", bool(child.given_names or child.family_name)),
            ("date of birth", child.date_of_birth is not None),
            ("postcode", child.postcode is not None),
        )
        if present
    ]
    return Enquired(result, searched)


def subject_access_report(
    fp: Fingerpost, actor: Actor, child_details: Mapping[str, str], *, reference: str
) -> SubjectReport:
    """Everything held about a child (auditors): the details go through the gateway like an
    enquiry's, and only their encoding reaches the hub."""
    child = parse_child(child_details)
    check_enquiry(child)
    return fp.hub.subject_report(actor, fp.gateway.encode(child), reference=reference)
