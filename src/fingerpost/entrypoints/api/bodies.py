"""What the API's callers send: JSON bodies, validated at the door (never echoed back)."""

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fingerpost.domain.vocabulary import ReviewOutcome

__all__ = [
    "ChildDetails",
    "EndIn",
    "EnquiryIn",
    "InvolvementChange",
    "InvolvementIn",
    "ReviewCloseIn",
    "ShieldIn",
    "SubjectAccessIn",
    "WithdrawIn",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ChildDetails(_Body):
    """What is known of the child. Every field is optional; an enquiry needs two of NHS number,
    a name, date of birth and postcode."""

    nhs_number: str = Field(default="", max_length=20, examples=["943 476 5919"])
    given_names: str = Field(default="", max_length=200, examples=["Zoe"])
    family_name: str = Field(default="", max_length=200, examples=["O'Brien"])
    other_names: str | list[str] = Field(
        default="", description="Previous or alternative names: a list, or `;`-separated."
    )
    date_of_birth: str = Field(default="", max_length=10, examples=["2016-04-03"])
    sex: str = Field(default="", max_length=10, examples=["female"])
    postcode: str = Field(default="", max_length=10, examples=["M1 1AA"])

    @field_validator("other_names")
    @classmethod
    def _joined(cls, value: str | list[str]) -> str:
        return ";".join(value) if isinstance(value, list) else value

    def row(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.model_dump().items()}


class InvolvementIn(ChildDetails):
    """One involvement of your agency with a child: the register CSV's columns."""

    local_ref: str = Field(max_length=64, description="Your agency's own reference for the child.")
    involvement: str = Field(examples=["child-in-need"])
    practitioner_name: str = Field(max_length=200)
    practitioner_role: str = Field(default="", max_length=200)
    practitioner_phone: str = Field(default="", max_length=40)
    practitioner_email: str = Field(default="", max_length=254)
    start_date: str = Field(max_length=10, examples=["2026-01-05"])
    end_date: str = Field(default="", max_length=10)
    care_leaver: bool = Field(
        default=False, description="A care leaver: kept to age 25 rather than 18 (ADR 0009)."
    )


class InvolvementChange(_Body):
    """Fields to change; those left out stay as they are."""

    practitioner_name: str | None = Field(default=None, max_length=200)
    practitioner_role: str | None = Field(default=None, max_length=200)
    practitioner_phone: str | None = Field(default=None, max_length=40)
    practitioner_email: str | None = Field(default=None, max_length=254)
    end_date: str | None = Field(default=None, max_length=10)


class EndIn(_Body):
    end_date: str = Field(default="", max_length=10, description="Default: today.")


class SubjectAccessIn(ChildDetails):
    """A subject access request: the child's details (encoded before they reach the hub)."""

    reference: str = Field(
        min_length=1, max_length=300, description="The request's reference (audited)."
    )


class EnquiryIn(ChildDetails):
    """An enquiry: why, and what is known of the child — at least two of the NHS number, a name
    (`given_names` or `family_name`), the date of birth and the postcode (no browsing by
    surname); fewer is refused with 422."""

    purpose: str = Field(
        min_length=1,
        max_length=500,
        description="Why you are asking, in words (required, never empty); recorded in the audit.",
    )
    urgent: bool = Field(default=False, description="Break-glass: urgent, reviewed afterwards.")
    enquiry_ref: str = Field(default="", max_length=64, description="Your own reference.")
    shield_override_reason: str = Field(
        default="",
        max_length=300,
        description=(
            "Why you must reach the practitioner behind a shielded strong signpost (permitted"
            " roles only; audited; the shielding agency is told). Never the child's details."
        ),
    )


class ShieldIn(_Body):
    shielded: bool = Field(default=True, description="`false` lifts the shield.")
    reason: str = Field(max_length=300, description="Why; recorded in the audit.")


class WithdrawIn(_Body):
    reason: str = Field(
        max_length=300,
        description="Why it was registered in error; recorded in the audit. No case details.",
    )


class ReviewCloseIn(_Body):
    outcome: ReviewOutcome = Field(description="The finding: justified, not-justified or referred.")
    note: str = Field(default="", max_length=1000, description="The finding, without case detail.")
