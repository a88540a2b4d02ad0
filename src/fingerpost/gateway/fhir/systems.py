"""The URIs fingerpost's FHIR interface names things by (see docs/fhir.md).

The canonical base is a stable identifier, not an address anything is fetched from: the published
resources are served by the service itself under `/fhir/R4`.
"""

__all__ = [
    "AGENCY_CODE",
    "CANONICAL",
    "CARE_LEAVER",
    "CURRENT_CONTACT",
    "ENQUIRY_ID",
    "INVOLVEMENT",
    "LOCAL_REF",
    "MATCH_GRADE",
    "NHS_NUMBER",
    "SHIELDED",
    "SIGNPOST_WHY",
]

CANONICAL = "https://fingerpost.example.org/fhir"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
LOCAL_REF = f"{CANONICAL}/sid/local-ref"  # the agency's own reference for the child
AGENCY_CODE = f"{CANONICAL}/sid/agency-code"  # an Organization's fingerpost agency code
ENQUIRY_ID = f"{CANONICAL}/sid/enquiry"  # the audited enquiry a $match answer belongs to
INVOLVEMENT = f"{CANONICAL}/CodeSystem/involvement"
CARE_LEAVER = f"{CANONICAL}/StructureDefinition/care-leaver"
SIGNPOST_WHY = f"{CANONICAL}/StructureDefinition/signpost-why"
SHIELDED = f"{CANONICAL}/StructureDefinition/shielded"
# Who to call now (ADR 0020): the practitioner in office hours, the out-of-hours service outside.
CURRENT_CONTACT = f"{CANONICAL}/StructureDefinition/current-contact"
MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
