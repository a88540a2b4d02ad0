"""The enquiry form: what was typed, turned into the gateway's row, and the GOV.UK error
messages for what cannot be used. Checking is the domain's and the gateway's; this only says it
in the form's words and points at the field."""

from dataclasses import dataclass, field
from typing import ClassVar, Self

from starlette.datastructures import FormData

from fingerpost.domain.errors import DomainError, InvalidValue
from fingerpost.domain.values import MAX_PURPOSE_LENGTH, parse_nhs_number, parse_purpose
from fingerpost.domain.vocabulary import Purpose
from fingerpost.gateway import check_enquiry, parse_child

__all__ = ["PURPOSES", "ChildForm", "EnquiryForm", "SubjectAccessForm", "sentence"]

CHILD_FIELDS = ("given_names", "family_name", "other_names", "nhs_number", "postcode", "sex")


def sentence(code: str) -> str:
    """`child-in-need` → `Child in need`: a vocabulary code in words."""
    return code.replace("-", " ").capitalize()


PURPOSES = [(p.value, sentence(p.value)) for p in Purpose]

# The gateway names the column at fault; the form says it the GOV.UK way, at the right field.
_MESSAGES = {
    "postcode": ("postcode", "Enter a real UK postcode, like M1 1AA"),
    "date_of_birth": ("dob-day", "Date of birth must be a real date in the past"),
    "sex": ("sex", "Select the child's sex, or leave it unknown"),
    "given_names": ("given_names", "Given names must be 200 characters or fewer"),
    "family_name": ("family_name", "Family name must be 200 characters or fewer"),
    "other_names": ("other_names", "Other names must be 200 characters or fewer"),
}
_TOO_FEW = "Enter at least two of: the child's name, date of birth, NHS number, postcode"


# Why an NHS number cannot be used, in the form's words (keyed by the gateway's reason).
_NHS_WORDS = (
    ("not 10 digits", "An NHS number is 10 digits, like 943 476 5919"),
    ("mod-11", "This NHS number is not valid: a digit is wrong (it fails the check digit)"),
    ("Scottish CHI", "This is a Scottish CHI number, not an NHS number"),
    ("Northern Irish", "This is a Northern Irish Health and Care number, not an NHS number"),
    ("", "This is not an NHS number: no NHS number is issued in its range"),
)


def _nhs_words(reason: str) -> str:
    return next(words for key, words in _NHS_WORDS if key in reason)


@dataclass
class ChildForm:
    """The child's details, as every form that looks for a child asks for them."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field id → message
    # An invalid NHS number: the practitioner is asked to correct it, and may go on without it
    # (`without_nhs`), since a wrong number must never stop them finding the child.
    nhs_invalid: bool = False
    nhs_set_aside: str = ""  # why the typed NHS number was not searched on

    FIELDS: ClassVar[tuple[str, ...]] = (
        *CHILD_FIELDS, "dob-day", "dob-month", "dob-year", "without_nhs",
    )  # fmt: skip

    @classmethod
    def posted(cls, form: FormData) -> Self:
        values = {name: str(form.get(name) or "").strip() for name in cls.FIELDS}
        made = cls(values)
        made.check()
        return made

    def child(self) -> dict[str, str]:
        """The row the gateway takes (the enquiry CSV's columns)."""
        row = {name: self.values.get(name, "") for name in CHILD_FIELDS}
        if self.nhs_invalid:
            row["nhs_number"] = ""
        day, month, year = (self.values.get(f"dob-{part}", "") for part in ("day", "month", "year"))
        row["date_of_birth"] = f"{year}-{month}-{day}" if day or month or year else ""
        return row

    def summary(self) -> list[dict[str, str]]:
        """The error summary's list: each message links to its field."""
        return [{"text": text, "href": f"#{name}"} for name, text in self.errors.items()]

    def check(self) -> None:
        self._check_nhs_number()
        self._check_date()
        if "dob-day" in self.errors:
            return
        try:
            check_enquiry(parse_child(self.child()))
        except DomainError as error:
            column = str(error).split(":", 1)[0]
            name, text = _MESSAGES.get(column, ("given_names", _TOO_FEW))
            self.errors.setdefault(name, text)

    def _check_nhs_number(self) -> None:
        try:
            parse_nhs_number(self.values.get("nhs_number", ""))
        except InvalidValue as error:
            self.nhs_invalid = True
            words = _nhs_words(str(error))
            if self.values.get("without_nhs") == "yes":
                self.nhs_set_aside = words
            else:
                self.errors["nhs_number"] = f"{words}. Correct it, or search without it"

    def _check_date(self) -> None:
        parts = {part: self.values.get(f"dob-{part}", "") for part in ("day", "month", "year")}
        given = [part for part, value in parts.items() if value]
        if given and len(given) < 3:
            missing = [part for part in parts if part not in given]
            self.errors["dob-day"] = f"Date of birth must include a {' and '.join(missing)}"
        elif given and not all(value.isdigit() for value in parts.values()):
            self.errors["dob-day"] = "Date of birth must be a real date, in numbers"


@dataclass
class EnquiryForm(ChildForm):
    """An enquiry: the child, why you are asking, and whether it is urgent."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        *ChildForm.FIELDS,
        "purpose",
        "purpose_other",
        "urgent",
        "override_reason",
    )

    @property
    def purpose(self) -> str:
        chosen = self.values.get("purpose", "")
        return self.values.get("purpose_other", "") if chosen == Purpose.OTHER else chosen

    @property
    def urgent(self) -> bool:
        return self.values.get("urgent") == "yes"

    @property
    def override_reason(self) -> str:
        """Why the enquirer must see past a shield (the roles the policy allows); empty: no."""
        return self.values.get("override_reason", "")

    def check(self) -> None:
        chosen = self.values.get("purpose", "")
        if chosen not in {code for code, _ in PURPOSES}:
            self.errors["purpose"] = "Select why you are asking"
        elif chosen == Purpose.OTHER and not self.values.get("purpose_other"):
            self.errors["purpose_other"] = "Enter the reason you are asking"
        else:
            try:
                parse_purpose(self.purpose)
            except DomainError:
                self.errors["purpose_other"] = (
                    f"The reason must be {MAX_PURPOSE_LENGTH} characters or fewer"
                    if len(self.purpose) > MAX_PURPOSE_LENGTH
                    else "Enter the reason in words, without the child's details"
                )
        if len(self.override_reason) > 300:
            self.errors["override_reason"] = "The reason must be 300 characters or fewer"
        super().check()


@dataclass
class SubjectAccessForm(ChildForm):
    """A subject access request: the child, and the request's own reference for the audit."""

    FIELDS: ClassVar[tuple[str, ...]] = (*ChildForm.FIELDS, "reference")

    def check(self) -> None:
        reference = self.values.get("reference", "")
        if not reference:
            self.errors["reference"] = "Enter the request's reference, for example SAR-2026-014"
        elif len(reference) > 300:
            self.errors["reference"] = "The reference must be 300 characters or fewer"
        super().check()
