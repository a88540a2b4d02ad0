"""A `Patient/$match` request (FHIR Parameters) turned into an enquiry's details.

The child is the Patient in the `resource` parameter, read by the same mapping as intake, so an
enquiry row from FHIR holds the same columns as one from the enquiry CSV. fingerpost's own
parameters say why (`purpose`, required: every enquiry states one) and whether it is urgent.
"""

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.patient import Patient

from fingerpost.gateway.fhir.columns import Refusal, Source, patient_columns
from fingerpost.gateway.fhir.intake import validate
from fingerpost.gateway.fhir.outcome import FhirRefused, Issue
from fingerpost.gateway.rows import CHILD_COLUMNS

__all__ = ["MatchRequest", "read_match"]

# Parameters of Patient/$match that fingerpost takes, and its own.
_KNOWN = frozenset(
    {"resource", "purpose", "urgent", "shield-override-reason", "onlyCertainMatches", "count"}
)


@dataclass(frozen=True, slots=True)
class MatchRequest:
    purpose: str
    child: dict[str, str]  # the enquiry CSV's child columns
    urgent: bool = False
    override_reason: str = ""


def _refuse(reason: str, where: str = "Parameters", code: str = "invalid") -> FhirRefused:
    return FhirRefused(Issue(reason, expression=where, code=code), status=422)


def read_match(document: Any) -> MatchRequest:
    """Raises FhirRefused (naming the parameter) for a request an enquiry cannot use."""
    if not isinstance(document, dict) or document.get("resourceType") != "Parameters":
        raise FhirRefused(
            Issue("not FHIR Parameters (resourceType must be Parameters)", code="structure")
        )
    try:
        parameters = validate(Parameters, document, None, "Parameters")
    except Refusal as refusal:
        raise FhirRefused(refusal.issue, status=422) from None
    found: dict[str, tuple[int, Any]] = {}
    for position, parameter in enumerate(parameters.parameter or []):
        name = str(parameter.name)
        where = f"Parameters.parameter[{position}]"
        if name not in _KNOWN:
            raise _refuse(
                "a parameter fingerpost does not read (see the CapabilityStatement)",
                where,
                "not-supported",
            )
        if name in found:
            raise _refuse(f"parameter {name} is given more than once", where)
        found[name] = position, parameter
    if "resource" not in found or not isinstance(found["resource"][1].resource, Patient):
        raise _refuse("parameter `resource`: the child, as a Patient, is required", code="required")
    position, parameter = found["resource"]
    at = Source(None, f"Parameters.parameter[{position}].resource", "Patient")
    try:
        columns = patient_columns(parameter.resource, at)
    except Refusal as refusal:
        raise FhirRefused(refusal.issue, status=422) from None
    purpose = ""
    if "purpose" in found:
        chosen = found["purpose"][1]
        purpose = str(chosen.valueString or chosen.valueCode or "")
    if not purpose.strip():
        raise _refuse(
            "parameter `purpose`: say why you are asking (a purpose code such as"
            " emergency-care, or words); it is recorded in the audit",
            code="required",
        )
    if "onlyCertainMatches" in found and found["onlyCertainMatches"][1].valueBoolean:
        raise _refuse(
            "onlyCertainMatches: fingerpost never grades a signpost `certain` (the best is"
            " `probable`: act on it; `possible`: call to confirm); leave it out",
            f"Parameters.parameter[{found['onlyCertainMatches'][0]}]",
            "not-supported",
        )
    override = found.get("shield-override-reason")
    urgent = found.get("urgent")
    return MatchRequest(
        purpose=purpose,
        child={column: columns.get(column, "") for column in CHILD_COLUMNS},
        urgent=bool(urgent and urgent[1].valueBoolean),
        override_reason=str(override[1].valueString or "") if override else "",
    )
