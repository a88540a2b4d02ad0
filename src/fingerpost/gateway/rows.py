"""Rows of the contract's CSV files (and the API's JSON bodies) turned into validated values."""

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.model import InvolvementTerms, Practitioner
from fingerpost.domain.retention import ages_out
from fingerpost.domain.values import (
    check_in_scope,
    parse_date,
    parse_nhs_number,
    parse_postcode,
    parse_purpose,
    parse_vocabulary,
    refuse_invisibles,
    without_invisibles,
)
from fingerpost.domain.vocabulary import InvolvementKind, Purpose, Sex
from fingerpost.matching.normalise import ChildIdentity, normalise, split_names

__all__ = [
    "ENQUIRY_COLUMNS",
    "ENQUIRY_REQUIRED",
    "ENQUIRY_RULES",
    "REGISTER_COLUMNS",
    "REGISTER_REQUIRED",
    "REGISTER_RULES",
    "AnyOf",
    "EnquiryRow",
    "RegisterRow",
    "check_enquiry",
    "parse_child",
    "parse_enquiry_row",
    "parse_register_row",
    "parse_yes_no",
    "plain_value",
]

CHILD_COLUMNS = (
    "nhs_number",
    "given_names",
    "family_name",
    "other_names",
    "date_of_birth",
    "sex",
    "postcode",
)
REGISTER_COLUMNS = (
    "local_ref",
    *CHILD_COLUMNS,
    "involvement",
    "practitioner_name",
    "practitioner_role",
    "practitioner_phone",
    "practitioner_email",
    "start_date",
    "end_date",
    "care_leaver",  # optional (added by the retention policy): kept to 25 rather than 18
)
# Columns whose absence rejects the whole file; the rest may be missing and read as empty.
REGISTER_REQUIRED = ("local_ref", "involvement", "practitioner_name", "start_date")
ENQUIRY_COLUMNS = ("enquiry_ref", *CHILD_COLUMNS)
ENQUIRY_REQUIRED = ("enquiry_ref",)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """A header rule: at least `at_least` of the groups must each have one of its columns.
    A file that cannot satisfy it is rejected whole, before any row is read."""

    at_least: int
    groups: tuple[tuple[str, ...], ...]
    says: str

    def met_by(self, columns: Collection[str]) -> bool:
        return sum(any(c in columns for c in group) for group in self.groups) >= self.at_least


REGISTER_RULES = (
    AnyOf(1, (("given_names", "family_name"),), "a name column (given_names or family_name)"),
    AnyOf(
        1,
        (("practitioner_phone", "practitioner_email"),),
        "a contact column (practitioner_phone or practitioner_email)",
    ),
)
ENQUIRY_RULES = (
    AnyOf(
        2,
        (("nhs_number",), ("given_names", "family_name"), ("date_of_birth",), ("postcode",)),
        "columns for at least two of: nhs_number, a name, date_of_birth, postcode",
    ),
)

_MAX_FIELD = 200


def _text(row: Mapping[str, str | None], column: str) -> str:
    value = (row.get(column) or "").strip()
    if len(value) > _MAX_FIELD:
        raise InvalidValue(f"{column}: longer than {_MAX_FIELD} characters")
    return value


def plain_value(row: Mapping[str, str | None], column: str) -> str:
    """A child's name, or a value of fixed shape (an NHS number, a date, a postcode, a code),
    with its invisible and control characters removed before anything else sees it:
    "Bru\u200dce" is Bruce, and must match and read as Bruce; nothing can hide in digits, a date
    or a code, and refusing the row for such a character, copied from a web page or a
    document, would hide the child. (A practitioner's details are refused instead.)"""
    return without_invisibles(_text(row, column)).strip()


def _nhs_number(row: Mapping[str, str | None], warnings: list[str] | None) -> str | None:
    try:
        return parse_nhs_number(plain_value(row, "nhs_number"))
    except InvalidValue as error:
        if warnings is None:
            raise
        warnings.append(f"{error}; the row is kept without it")
        return None


# A year, or a year and month, of birth: how FHIR (and many records) write an estimated age, e.g.
# for a child who arrived alone with no papers.
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2})?")


def _date_of_birth(row: Mapping[str, str | None], warnings: list[str] | None) -> date | None:
    text = plain_value(row, "date_of_birth")
    if warnings is not None and _PARTIAL_DATE.fullmatch(text):
        warnings.append(
            "date_of_birth: only a year or a month of birth, not a date; the row is kept without"
            " it (as if it were blank)"
        )
        return None
    return parse_date(text, "date_of_birth")


def parse_child(
    row: Mapping[str, str | None], *, warnings: list[str] | None = None
) -> ChildIdentity:
    """The child's details; at least one name. Raises InvalidValue with the column named.
    With `warnings`, an invalid NHS number, or a date of birth given only to the year or month,
    is set aside (the child kept without it) and the reason added there instead: refusing a
    registration would hide the child from everyone."""
    sex_text = plain_value(row, "sex")
    sex = parse_vocabulary(Sex, sex_text, "sex").value if sex_text else ""
    other = tuple(
        part.strip() for part in plain_value(row, "other_names").split(";") if part.strip()
    )
    return ChildIdentity(
        given_names=plain_value(row, "given_names"),
        family_name=plain_value(row, "family_name"),
        other_names=other,
        date_of_birth=_date_of_birth(row, warnings),
        sex=sex,
        postcode=parse_postcode(plain_value(row, "postcode")),
        nhs_number=_nhs_number(row, warnings),
    )


def _practitioner(row: Mapping[str, str | None]) -> Practitioner:
    """Refused, not cleaned, when a field holds an invisible or control character: what other
    practitioners are shown must be exactly what the agency sent."""
    fields = {
        field: refuse_invisibles(_text(row, f"practitioner_{field}"), f"practitioner_{field}")
        for field in ("name", "role", "phone", "email")
    }
    return Practitioner(**fields)


_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0", ""})


def parse_yes_no(text: str, field: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise InvalidValue(f"{field}: use yes or no (or leave it empty)")


@dataclass(frozen=True, slots=True)
class RegisterRow:
    local_ref: str
    child: ChildIdentity
    terms: InvolvementTerms
    # The month the child passes the age limit (docs/adr/0009): the gateway knows the date of
    # birth, so the gateway works it out; the hub stores only this month.
    ages_out: date | None = None
    # Kept with a warning (an NHS number set aside): said in the summary and in `--errors`.
    warnings: tuple[str, ...] = ()


def parse_register_row(row: Mapping[str, str | None], today: date) -> RegisterRow:
    local_ref = _text(row, "local_ref")
    if not local_ref:
        raise InvalidValue("local_ref: required")
    if len(local_ref) > 64:
        raise InvalidValue("local_ref: longer than 64 characters")
    refuse_invisibles(local_ref, "local_ref")  # a key, printed back: never silently changed
    warnings: list[str] = []
    child = parse_child(row, warnings=warnings)
    if not (child.given_names or child.family_name):
        raise InvalidValue("given_names or family_name: a name is required")
    start = parse_date(plain_value(row, "start_date"), "start_date")
    if start is None:
        raise InvalidValue("start_date: required")
    check_in_scope(child.date_of_birth, start, today)
    terms = InvolvementTerms(
        kind=parse_vocabulary(InvolvementKind, plain_value(row, "involvement"), "involvement"),
        practitioner=_practitioner(row),
        start_date=start,
        end_date=parse_date(plain_value(row, "end_date"), "end_date"),
    )
    care_leaver = parse_yes_no(plain_value(row, "care_leaver"), "care_leaver")
    return RegisterRow(
        local_ref=local_ref,
        child=child,
        terms=terms,
        ages_out=ages_out(child.date_of_birth, care_leaver=care_leaver, start=start),
        warnings=tuple(warnings),
    )


def register_parts(row: Mapping[str, str | None], today: date) -> tuple[RegisterRow, ChildIdentity]:
    """`parse_register_row` in the shape `Gateway.parse_stream` takes."""
    parsed = parse_register_row(row, today)
    return parsed, parsed.child


@dataclass(frozen=True, slots=True)
class EnquiryRow:
    enquiry_ref: str
    child: ChildIdentity


def check_enquiry(child: ChildIdentity) -> None:
    """At least two of NHS number, a name, date of birth, postcode: no browsing by surname."""
    present = sum(
        (
            child.nhs_number is not None,
            bool(child.given_names or child.family_name),
            child.date_of_birth is not None,
            child.postcode is not None,
        )
    )
    if present < 2:
        raise InvalidValue(
            "an enquiry needs at least two of: NHS number, a name, date of birth, postcode"
        )


def enquiry_ref(row: Mapping[str, str | None]) -> str:
    """The row's own reference for the enquiry (required)."""
    ref = _text(row, "enquiry_ref")
    if not ref:
        raise InvalidValue("enquiry_ref: required")
    return ref


def parse_enquiry_row(row: Mapping[str, str | None]) -> EnquiryRow:
    ref = enquiry_ref(row)
    child = parse_child(row)
    check_enquiry(child)
    return EnquiryRow(enquiry_ref=ref, child=child)


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def refuse_mentions(
    child: ChildIdentity, *, purpose: str = "", reasons: Iterable[str] = ()
) -> None:
    """Words that go to the hub beside this child's encoding — a purpose given in words (a
    fixed purpose is safe), an override reason — must not name the child: InvalidValue if
    they hold any of its names (however spelt or accented), or its date of birth, NHS
    number or postcode."""
    texts = [reason for reason in reasons if reason.strip()]
    if purpose.strip() and parse_purpose(purpose).code is Purpose.OTHER:
        texts.append(purpose)
    if not texts:
        return
    plain = normalise(child)
    names = {word for word in (*plain.given, *plain.family) if len(word) > 1}
    names.update(word for words in plain.other for word in words if len(word) > 1)
    details = {
        _letters_and_digits(str(value))
        for value in (child.date_of_birth, child.postcode, child.nhs_number)
        if value
    } - {""}
    for text in texts:
        squeezed = _letters_and_digits(text)
        if set(split_names(text)) & names or any(d in squeezed for d in details):
            raise InvalidValue(
                "purpose and reasons go on the audit record and to the other practitioner:"
                " never the child's name or details, only why you are asking"
            )
