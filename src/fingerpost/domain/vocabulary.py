"""The fixed vocabularies of the contract. Fixed on purpose: free text invites case content."""

from enum import StrEnum

__all__ = ["AgencyKind", "Confidence", "InvolvementKind", "InvolvementStatus", "Role", "Sex"]


class AgencyKind(StrEnum):
    SOCIAL_CARE = "social-care"
    POLICE = "police"
    HEALTH = "health"
    EDUCATION = "education"
    YOUTH_JUSTICE = "youth-justice"
    OTHER = "other"


class InvolvementKind(StrEnum):
    CHILD_IN_NEED = "child-in-need"
    CHILD_PROTECTION_PLAN = "child-protection-plan"
    LOOKED_AFTER = "looked-after"
    EARLY_HELP = "early-help"
    POLICE_CONCERN = "police-concern"
    YOUTH_JUSTICE = "youth-justice"
    HEALTH_VISITING = "health-visiting"
    SCHOOL_SAFEGUARDING = "school-safeguarding"
    OTHER = "other"


class InvolvementStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class Confidence(StrEnum):
    STRONG = "strong"  # the practitioner can act on it
    POSSIBLE = "possible"  # call to confirm it is the same child


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    AGENCY_ADMIN = "agency-admin"
    AUDITOR = "auditor"
    OPERATOR = "operator"
