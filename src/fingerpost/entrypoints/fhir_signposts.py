"""Signposts as a FHIR searchset Bundle: the answer to `Patient/$match`.

Each signpost is an EpisodeOfCare (profile `signpost`) with the agency and who to call as
contained resources. How sure fingerpost is goes in the entry's `match-grade` extension —
`probable` for strong, `possible` for possible — and never as `search.score`: a score is an
oracle for probing. The child is referred to by display text only; no identity is returned.
"""

from typing import Any
from uuid import uuid4

from fhir.resources.R4B.bundle import Bundle

from fingerpost.domain.vocabulary import Confidence
from fingerpost.gateway.fhir.systems import (
    AGENCY_CODE,
    CANONICAL,
    CURRENT_CONTACT,
    ENQUIRY_ID,
    INVOLVEMENT,
    MATCH_GRADE,
    SHIELDED,
    SIGNPOST_WHY,
)
from fingerpost.service.records import SignpostView

__all__ = ["GRADES", "searchset"]

GRADES = {Confidence.STRONG: "probable", Confidence.POSSIBLE: "possible"}
AUTHORITY_AREA = f"{CANONICAL}/sid/authority-area"  # an ONS code, e.g. E08000035


def _contained(view: SignpostView) -> list[dict[str, Any]]:
    """The agency, who to call there, and its out-of-hours service when it has one."""
    telecom = [
        {"system": system, "value": value, "use": "work"}
        for system, value in (
            ("phone", view.practitioner_phone),
            ("email", view.practitioner_email),
        )
        if value
    ]
    organization: dict[str, Any] = {
        "resourceType": "Organization",
        "id": "agency",
        "identifier": [{"system": AGENCY_CODE, "value": view.agency}],
        "name": view.agency_name,
    }
    if view.authority_area:  # withheld for a shielded involvement
        organization["identifier"].append({"system": AUTHORITY_AREA, "value": view.authority_area})
        organization["address"] = [{"district": view.authority_area_name or view.authority_area}]
    contact: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": "contact",
        "organization": {"reference": "#agency"},
        "telecom": telecom,
    }
    if view.practitioner_name:
        contact["practitioner"] = {"display": view.practitioner_name}
    if view.practitioner_role:
        contact["code"] = [{"text": view.practitioner_role}]
    if view.office_hours:
        contact["availabilityExceptions"] = f"In the office {view.office_hours}"
    contained = [organization, contact]
    if view.out_of_hours_phone:
        contained.append(
            {
                "resourceType": "PractitionerRole",
                "id": "out-of-hours",
                "organization": {"reference": "#agency"},
                "code": [{"text": view.out_of_hours_name or "Out-of-hours service"}],
                "telecom": [{"system": "phone", "value": view.out_of_hours_phone, "use": "work"}],
            }
        )
    return contained


def _signpost(view: SignpostView) -> dict[str, Any]:
    contained = _contained(view)
    current = "#out-of-hours" if view.current_contact == "out-of-hours" else "#contact"
    period = {"start": view.start_date.isoformat()}
    if view.end_date is not None:
        period["end"] = view.end_date.isoformat()
    return {
        "resourceType": "EpisodeOfCare",
        "meta": {"profile": [f"{CANONICAL}/StructureDefinition/signpost"]},
        "contained": contained,
        "extension": [
            {"url": SIGNPOST_WHY, "valueString": view.why},
            {"url": SHIELDED, "valueBoolean": view.shielded},
            {
                "url": CURRENT_CONTACT,
                "extension": [
                    {"url": "contact", "valueReference": {"reference": current}},
                    *(
                        [{"url": "reason", "valueString": view.current_contact_reason}]
                        if view.current_contact_reason
                        else []
                    ),
                ],
            },
        ],
        "status": "active" if view.end_date is None else "finished",
        "type": [{"coding": [{"system": INVOLVEMENT, "code": view.involvement}]}],
        "patient": {"display": "the child you asked about"},
        "managingOrganization": {"reference": "#agency", "display": view.agency_name},
        "period": period,
        "careManager": {"reference": "#contact"},
    }


def searchset(
    enquiry_id: str, signposts: list[SignpostView], searched: list[str]
) -> dict[str, Any]:
    """The $match answer, validated by the FHIR model: signposts first, strong before possible
    (the hub's order), then an OperationOutcome saying what was searched."""
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"urn:uuid:{uuid4()}",
            "resource": _signpost(view),
            "search": {
                "mode": "match",
                "extension": [{"url": MATCH_GRADE, "valueCode": GRADES[view.confidence]}],
            },
        }
        for view in signposts
    ]
    count = len(signposts)
    found = f"{count} signpost{'s' * (count != 1)}" if count else "no other practitioner found"
    entries.append(
        {
            "fullUrl": f"urn:uuid:{uuid4()}",
            "resource": {
                "resourceType": "OperationOutcome",
                "issue": [
                    {
                        "severity": "information",
                        "code": "informational",
                        "diagnostics": f"{found}; searched on: {', '.join(searched)}",
                    }
                ],
            },
            "search": {"mode": "outcome"},
        }
    )
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "identifier": {"system": ENQUIRY_ID, "value": enquiry_id},
            "total": len(signposts),
            "entry": entries,
        }
    )
    body: dict[str, Any] = bundle.model_dump(mode="json", exclude_none=True)
    return body
