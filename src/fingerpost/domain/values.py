"""Parsing and checking of the contract's values: dates, NHS numbers, postcodes, vocabularies."""

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

import nhs_number

from fingerpost.domain.errors import InvalidValue, OutOfScope
from fingerpost.domain.vocabulary import Purpose

__all__ = [
    "MAX_AGE_YEARS",
    "MAX_PURPOSE_LENGTH",
    "MIN_REASON_LETTERS",
    "StatedPurpose",
    "age_on",
    "check_in_scope",
    "free_text",
    "parse_date",
    "parse_nhs_number",
    "parse_postcode",
    "parse_purpose",
    "parse_vocabulary",
    "refuse_invisibles",
    "without_invisibles",
]

# A person aged 26 or more at the start of an involvement is out of scope (care leavers to 25).
MAX_AGE_YEARS = 26

_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")  # what strptime's %Y-%m-%d takes
# Outward code (area, district) + inward code (sector digit, unit letters); BS 7666 shape.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def parse_date(text: str, field: str) -> date | None:
    """ISO `YYYY-MM-DD` or UK `DD/MM/YYYY`; empty means unknown."""
    text = text.strip()
    if not text:
        return None
    # Regular expressions rather than strptime: ten times faster, and this runs per row.
    uk, iso = _UK_DATE.match(text), _ISO_DATE.match(text)
    try:
        if uk:
            return date(int(uk.group(3)), int(uk.group(2)), int(uk.group(1)))
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        raise ValueError(text)
    except ValueError:
        # The value is not echoed: it may be a child's date of birth.
        raise InvalidValue(f"{field}: not a date (use YYYY-MM-DD or DD/MM/YYYY)") from None


# Numbers of the same shape that are not NHS numbers (ranges from NHS England's allocation, as
# the `nhs_number` package records them): each is told apart, so that whoever fixes the record
# knows whether it is a typo or the right number of another nation's system.
_NOT_NHS_RANGES = (
    (100_000_000, 3_112_999_999, "a Scottish CHI number, not an NHS number"),
    (3_200_000_000, 3_999_999_999, "a Northern Irish H&C number, not an NHS number"),
    (5_000_000_000, 5_999_999_999, "in the range never issued as NHS numbers"),
    (8_000_000_000, 8_599_999_999, "an Irish Individual Health Identifier, not an NHS number"),
)
# England, Wales and the Isle of Man (4…, 6…–7…) and the test range (9…) the demo and every
# invented data set use; anything else is unallocated.
_NHS_RANGES = (
    (4_000_000_000, 4_999_999_999),
    (6_000_000_000, 7_999_999_999),
    (9_000_000_000, 9_999_999_999),
)


def parse_nhs_number(text: str) -> str | None:
    """Ten digits passing the mod-11 check, in a range NHS numbers are issued from; spaces and
    hyphens are tolerated. InvalidValue says exactly why not (never echoing the number)."""
    digits = re.sub(r"[\s-]", "", text)
    if not digits:
        return None
    if not (digits.isdigit() and len(digits) == 10):
        raise InvalidValue("nhs_number: not a valid NHS number (not 10 digits)")
    if not nhs_number.is_valid(digits):
        raise InvalidValue("nhs_number: not a valid NHS number (fails the mod-11 check)")
    number = int(digits)
    for low, high, what in _NOT_NHS_RANGES:
        if low <= number <= high:
            raise InvalidValue(f"nhs_number: {what}")
    if not any(low <= number <= high for low, high in _NHS_RANGES):
        raise InvalidValue("nhs_number: in a range from which no NHS number is issued")
    return digits


# Characters that show nothing (zero-width joiners and spaces, bidi overrides and isolates,
# the byte order mark, soft hyphens: Unicode "format", Cf, and its other default-ignorable code
# points: variation selectors, the Hangul fillers, the tag characters U+E0000–E0FFF that carry
# a hidden ASCII text) or control a terminal or a file (NUL, ESC, line breaks: "control", Cc).
# In a name they hide a match ("Bru\u200dce" is not "Bruce" to a computer) or disguise a text;
# line and page breaks separate words, the rest join them. A test checks the class against
# Python's own Unicode database.
_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f"
                        "\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f"
                        "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff"
                        "\uffa0\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
                        "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                        "\U000e0000-\U000e0fff]")  # fmt: skip


def without_invisibles(text: str) -> str:
    """A name as it reads: invisible and control characters removed, line breaks as spaces."""
    return _INVISIBLE.sub("", _BREAKS.sub(" ", text))


def refuse_invisibles(text: str, field: str) -> str:
    """A practitioner's details are shown to other practitioners and go into e-mails: one that
    holds an invisible or control character (a bidi override can make a number read backwards)
    is refused rather than silently changed."""
    if _INVISIBLE.search(text) or _BREAKS.search(text):
        raise InvalidValue(
            f"{field}: contains an invisible or control character (e.g. a zero-width joiner,"
            " a direction override or a line break); retype it"
        )
    return text


def parse_postcode(text: str) -> str | None:
    """Upper case with a single space before the inward code; a malformed one is rejected."""
    compact = re.sub(r"\s+", "", text).upper()
    if not compact:
        return None
    match = _POSTCODE.match(compact)
    if not match:
        raise InvalidValue("postcode: not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


E = TypeVar("E", bound=StrEnum)


def parse_vocabulary(kind: type[E], text: str, field: str) -> E:
    value = text.strip().lower()
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        # The value is not echoed: a shifted column could put a child's details here.
        raise InvalidValue(f"{field}: not one of {allowed}") from None


def age_on(born: date, day: date) -> int:
    """Whole years of age on `day` (a 29 February birthday counts on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_in_scope(born: date | None, start: date, today: date) -> None:
    """Children and care leavers only: already born, and aged under 26 at `start`.

    A start before birth is allowed: pre-birth child protection work is real.
    """
    if born is None:
        return
    if born > today:
        raise OutOfScope("date_of_birth: in the future")
    if age_on(born, start) >= MAX_AGE_YEARS:
        raise OutOfScope(f"date_of_birth: aged {MAX_AGE_YEARS} or more at start_date")


MAX_PURPOSE_LENGTH = 200  # a reason, not a case note
# An `other` purpose must be a reason someone can review: at least this many letters (".", a
# zero-width space, "x" or "?!" say nothing, and would be audited as the reason for looking).
MIN_REASON_LETTERS = 6


@dataclass(frozen=True, slots=True)
class StatedPurpose:
    """Why an enquiry is made: one of the fixed purposes, or `other` with a reason in words."""

    code: Purpose
    text: str  # as shown to people: the purpose's words, or the stated reason for `other`

    def __str__(self) -> str:
        return self.text


# What a child's details look like inside a sentence: a date (2014-01-01, 1/1/14, 01.01.2014), an
# NHS number (ten digits, spaced or not) or a UK postcode. Free text that reaches the hub — a
# purpose's reason, a shield or override reason, a review note — must carry none of them.
_DETAILS = re.compile(
    r"\b\d{1,4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,4}\b"
    r"|\b\d{3}\s?\d{3}\s?\d{4}\b"
    r"|\b[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b",
    re.IGNORECASE,
)


def free_text(field: str, text: str, *, limit: int) -> str:
    """Words a user types for the audit (a reason, a note): whitespace tidied, at most `limit`
    characters, and refused when they hold something shaped like a child's date of birth, NHS
    number or postcode. Names cannot be told from other words here; the gateway, which knows
    the child, refuses those (`Gateway.refuse_mentions`)."""
    tidy = " ".join(text.split())
    if len(tidy) > limit:
        raise InvalidValue(f"{field}: at most {limit} characters (no case details)")
    if _DETAILS.search(tidy):
        raise InvalidValue(
            f"{field}: never a child's details — this looks like a date, an NHS number or a"
            " postcode; say only why"
        )
    return tidy


def parse_purpose(text: str) -> StatedPurpose:
    """A fixed purpose by its code ("emergency-care") or words ("Emergency care"); any other
    words count as `other` with that reason (the contract's `--purpose TEXT` keeps working)."""
    stated = " ".join(text.split())
    if not stated:
        raise InvalidValue("purpose: say why you are asking")
    stated = free_text("purpose", stated, limit=MAX_PURPOSE_LENGTH)
    key = stated.lower().replace(" ", "-")
    for purpose in Purpose:
        if key == purpose.value and purpose is not Purpose.OTHER:
            return StatedPurpose(purpose, purpose.value.replace("-", " ").capitalize())
    reason = stated.removeprefix("other:").removeprefix("Other:").strip()
    if key == Purpose.OTHER.value or sum(ch.isalpha() for ch in reason) < MIN_REASON_LETTERS:
        raise InvalidValue(
            "purpose: for `other`, give the reason in words (at least"
            f" {MIN_REASON_LETTERS} letters)"
        )
    return StatedPurpose(Purpose.OTHER, reason)
