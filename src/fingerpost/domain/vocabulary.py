"""The fixed vocabularies of the contract. Fixed on purpose: free text invites case content."""

from enum import StrEnum

__all__ = [
    "AgencyKind",
    "Confidence",
    "InvolvementKind",
    "InvolvementStatus",
    "Purpose",
    "ReviewOutcome",
    "Role",
    "Sex",
]


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


class Purpose(StrEnum):
    """Why an enquiry is made. Stated for every enquiry, kept in the audit, shown to the
    practitioner who is told of it."""

    CHILD_PROTECTION_ENQUIRY = "child-protection-enquiry"
    EMERGENCY_CARE = "emergency-care"
    CHILD_IN_NEED_ASSESSMENT = "child-in-need-assessment"
    POLICE_INVESTIGATION = "police-investigation"
    EARLY_HELP_ASSESSMENT = "early-help-assessment"
    SCHOOL_SAFEGUARDING = "school-safeguarding"
    YOUTH_JUSTICE = "youth-justice"
    OTHER = "other"  # with a short reason in words


class ReviewOutcome(StrEnum):
    """An auditor's finding on an urgent (break-glass) enquiry."""

    JUSTIFIED = "justified"
    NOT_JUSTIFIED = "not-justified"  # referred to the agency for action
    REFERRED = "referred"  # needs the agency's own review before a finding
