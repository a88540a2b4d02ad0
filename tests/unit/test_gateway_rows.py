"""The gateway's reading of CSV rows (and API bodies): what is required, what is rejected, and
that a rejection names the column without repeating a child's date of birth or NHS number."""

import sys
import unicodedata
from collections.abc import Callable
from datetime import date

import pytest

from fingerpost.domain.errors import DomainError, OutOfScope
from fingerpost.domain.vocabulary import InvolvementKind
from fingerpost.gateway import (
    ENQUIRY_COLUMNS,
    REGISTER_COLUMNS,
    parse_enquiry_row,
    parse_register_row,
)
from fingerpost.matching.normalise import ChildIdentity

TODAY = date(2026, 11, 25)

Row = Callable[..., dict[str, str]]

CONTRACT_REGISTER_COLUMNS = [
    "local_ref",
    "nhs_number",
    "given_names",
    "family_name",
    "other_names",
    "date_of_birth",
    "sex",
    "postcode",
    "involvement",
    "practitioner_name",
    "practitioner_role",
    "practitioner_phone",
    "practitioner_email",
    "start_date",
    "end_date",
]
CONTRACT_ENQUIRY_COLUMNS = [
    "enquiry_ref",
    "nhs_number",
    "given_names",
    "family_name",
    "other_names",
    "date_of_birth",
    "sex",
    "postcode",
]


def test_the_gateway_knows_the_contract_columns() -> None:
    """The contract's columns in its order, then the optional ones added since (never renamed
    or removed)."""
    assert list(REGISTER_COLUMNS) == [*CONTRACT_REGISTER_COLUMNS, "care_leaver"]
    assert list(ENQUIRY_COLUMNS) == CONTRACT_ENQUIRY_COLUMNS


def test_a_full_register_row_becomes_a_child_and_terms(register_row: Row) -> None:
    parsed = parse_register_row(
        register_row(
            local_ref="CSC-1",
            nhs_number="943 476 5919",
            given_names=" Zoë ",
            family_name="O'Brien",
            other_names="Zoe Walsh; Zoë Murphy ;",
            date_of_birth="03/04/2016",
            sex="Female",
            postcode="m1 1aa",
            involvement="Looked-After",
            end_date="2024-12-31",
        ),
        TODAY,
    )
    assert parsed.local_ref == "CSC-1"
    assert parsed.child == ChildIdentity(
        given_names="Zoë",
        family_name="O'Brien",
        other_names=("Zoe Walsh", "Zoë Murphy"),
        date_of_birth=date(2016, 4, 3),
        sex="female",
        postcode="M1 1AA",
        nhs_number="9434765919",
    )
    assert parsed.terms.kind is InvolvementKind.LOOKED_AFTER
    assert parsed.terms.practitioner.name == "Priya Shah"
    assert parsed.terms.start_date == date(2024, 2, 1)
    assert parsed.terms.end_date == date(2024, 12, 31)


def test_only_the_required_fields_are_needed(register_row: Row) -> None:
    row = {
        "local_ref": "P-9",
        "family_name": "Nowak",
        "involvement": "police-concern",
        "practitioner_name": "DC Jo Patel",
        "practitioner_phone": "101",
        "start_date": "2025-01-01",
    }
    parsed = parse_register_row(row, TODAY)
    assert parsed.child == ChildIdentity(family_name="Nowak")


@pytest.mark.parametrize(
    ("blank", "column"),
    [
        (("local_ref",), "local_ref"),
        (("given_names", "family_name"), "given_names or family_name"),
        (("involvement",), "involvement"),
        (("practitioner_name",), "practitioner_name"),
        (("practitioner_phone", "practitioner_email"), "practitioner_phone or practitioner_email"),
        (("start_date",), "start_date"),
    ],
)
def test_a_register_row_missing_a_required_field_is_rejected_naming_it(
    register_row: Row, blank: tuple[str, ...], column: str
) -> None:
    row = register_row(**dict.fromkeys(blank, ""))
    with pytest.raises(DomainError, match=f"^{column}:"):
        parse_register_row(row, TODAY)


def test_one_name_is_enough(register_row: Row) -> None:
    assert parse_register_row(register_row(given_names=""), TODAY).child.family_name
    assert parse_register_row(register_row(family_name=""), TODAY).child.given_names


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("involvement", "suspected neglect"),
        ("sex", "boy"),
        ("postcode", "LS6"),
        ("start_date", "01/13/2024"),
        ("end_date", "2023-01-01"),  # before start_date
        ("local_ref", "x" * 65),
        ("family_name", "x" * 201),
    ],
)
def test_a_bad_value_is_rejected_naming_its_column(
    register_row: Row, column: str, value: str
) -> None:
    with pytest.raises(DomainError, match=f"^{column}:"):
        parse_register_row(register_row(**{column: value}), TODAY)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("date_of_birth", "31/02/2015"),
        ("date_of_birth", "2015-06-31"),
        ("date_of_birth", "1990-05-04"),  # out of scope: 26 or more at start_date
        ("date_of_birth", "2030-01-01"),  # not yet born
    ],
)
def test_a_rejection_never_repeats_a_date_of_birth_or_nhs_number(
    register_row: Row, column: str, value: str
) -> None:
    with pytest.raises(DomainError) as raised:
        parse_register_row(register_row(**{column: value}), TODAY)
    _never_repeats(str(raised.value), column, value)


def _never_repeats(message: str, column: str, value: str) -> None:
    assert message.startswith(f"{column}:")
    for form in {value, value.replace(" ", ""), value.replace("-", ""), value.replace("/", "")}:
        assert form not in message


# An invalid NHS number never refuses a registration: the child would be invisible to everyone.
# The row is kept without it, with a warning that says exactly why (and never the number).
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("9434765918", "not a valid NHS number (fails the mod-11 check)"),
        ("943 476 5918", "not a valid NHS number (fails the mod-11 check)"),
        ("943476591", "not a valid NHS number (not 10 digits)"),
        ("0101151233", "a Scottish CHI number, not an NHS number"),
        ("320 000 0015", "a Northern Irish H&C number, not an NHS number"),
        ("8000000016", "an Irish Individual Health Identifier, not an NHS number"),
        ("5555555555", "in the range never issued as NHS numbers"),
        ("0012345679", "in a range from which no NHS number is issued"),
    ],
)
def test_an_invalid_nhs_number_is_set_aside_with_the_exact_reason(
    register_row: Row, value: str, reason: str
) -> None:
    parsed = parse_register_row(register_row(nhs_number=value), TODAY)
    assert parsed.child.nhs_number is None
    (warning,) = parsed.warnings
    assert warning == f"nhs_number: {reason}; the row is kept without it"
    _never_repeats(warning, "nhs_number", value)


def test_a_valid_nhs_number_gives_no_warning(register_row: Row) -> None:
    parsed = parse_register_row(register_row(nhs_number="943 476 5919"), TODAY)
    assert (parsed.child.nhs_number, parsed.warnings) == ("9434765919", ())


def test_invisible_and_control_characters_are_removed_from_names(register_row: Row) -> None:
    row = register_row(
        given_names="Bru\u200dce\u200b",
        family_name="\u202eWay\x00ne\x1b",
        other_names="Bat\nMan;\ufeffRobin",
    )
    child = parse_register_row(row, TODAY).child
    assert (child.given_names, child.family_name, child.other_names) == (
        "Bruce",
        "Wayne",
        ("Bat Man", "Robin"),
    )


@pytest.mark.parametrize("column", ["practitioner_name", "practitioner_role",
                                    "practitioner_phone", "practitioner_email"])  # fmt: skip
@pytest.mark.parametrize("sneaky", ["\u200d", "\u202e", "\x00", "\x1b", "\n", "\u2066"])
def test_invisible_and_control_characters_are_refused_in_practitioner_fields(
    register_row: Row, column: str, sneaky: str
) -> None:
    row = register_row()
    row[column] = f"{row[column] or 'x'}{sneaky}1"
    with pytest.raises(DomainError, match=rf"^{column}: contains an invisible or control"):
        parse_register_row(row, TODAY)


# Every character that shows nothing: Unicode's format (Cf) and control (Cc) characters and its
# default-ignorable code points, e.g. the tag characters U+E0020–E007F, which carry a hidden
# ASCII text ("ASCII smuggling"), variation selectors, the Hangul fillers.
UNSEEN = [
    chr(c)
    for c in range(sys.maxunicode + 1)
    if unicodedata.category(chr(c)) in {"Cf", "Cc"}
    or 0x115F <= c <= 0x1160
    or c in {0x034F, 0x17B4, 0x17B5, 0x3164, 0xFFA0}
    or 0x180B <= c <= 0x180F
    or 0xFE00 <= c <= 0xFE0F
    or 0xFFF0 <= c <= 0xFFF8
    or 0xE0000 <= c <= 0xE0FFF
]


def test_every_character_that_shows_nothing_is_removed_from_names(register_row: Row) -> None:
    kept = []
    for sneaky in UNSEEN:
        child = parse_register_row(register_row(given_names=f"Bru{sneaky}ce"), TODAY).child
        if child.given_names not in {"Bruce", "Bru ce"}:  # a line break or tab: a space
            kept.append(f"U+{ord(sneaky):04X}")
    assert kept == []


def test_every_character_that_shows_nothing_is_refused_in_a_practitioners_phone(
    register_row: Row,
) -> None:
    passed = []
    for sneaky in UNSEEN:
        try:
            parse_register_row(register_row(practitioner_phone=f"0113 496{sneaky} 0000"), TODAY)
        except DomainError:
            continue
        passed.append(f"U+{ord(sneaky):04X}")
    assert passed == []


@pytest.mark.parametrize("sneaky", ["\u202e", "\x00", "\x1b", "\n", "\u200b", "\U000e0041"])
def test_a_local_reference_holding_an_invisible_or_control_character_is_refused(
    register_row: Row, sneaky: str
) -> None:
    """The agency's reference is its key to the child and is printed back to it (notices,
    notifications, e-mails, listings): cleaned it would be another key, so it is refused."""
    row = register_row(local_ref=f"MAN{sneaky}-1")
    with pytest.raises(DomainError, match=r"^local_ref: contains an invisible or control"):
        parse_register_row(row, TODAY)


def test_the_scope_rule_applies_at_the_start_of_the_involvement(register_row: Row) -> None:
    # 25 when the involvement started, 26 today: still in scope.
    parse_register_row(register_row(date_of_birth="2000-12-01", start_date="2025-11-30"), TODAY)
    with pytest.raises(OutOfScope):
        parse_register_row(register_row(date_of_birth="2000-12-01", start_date="2026-12-01"), TODAY)


# -- enquiries: at least two of NHS number, a name, date of birth, postcode -----------------------


@pytest.mark.parametrize(
    "present",
    [
        {"nhs_number": "9434765919", "date_of_birth": "2015-06-07"},
        {"given_names": "Olivia", "date_of_birth": "2015-06-07"},
        {"family_name": "Harrison", "postcode": "LS6 3HN"},
        {"nhs_number": "9434765919", "postcode": "LS6 3HN"},
        {"date_of_birth": "07/06/2015", "postcode": "ls63hn"},
        {"nhs_number": "9434765919", "family_name": "Harrison"},
    ],
)
def test_an_enquiry_with_two_of_four_identifiers_is_accepted(present: dict[str, str]) -> None:
    parsed = parse_enquiry_row({"enquiry_ref": "Q1", **present})
    assert parsed.enquiry_ref == "Q1"


@pytest.mark.parametrize(
    "present",
    [
        {"family_name": "Harrison"},  # no browsing by surname
        {"given_names": "Olivia", "family_name": "Harrison"},  # two names are still one name
        {"date_of_birth": "2015-06-07"},
        {"postcode": "LS6 3HN", "sex": "female"},
        {"nhs_number": "9434765919"},
        {"other_names": "Olivia Smith", "sex": "female"},
        {},
    ],
)
def test_an_enquiry_with_fewer_than_two_identifiers_is_refused(present: dict[str, str]) -> None:
    with pytest.raises(DomainError, match="at least two of"):
        parse_enquiry_row({"enquiry_ref": "Q1", **present})


def test_an_enquiry_needs_a_reference(enquiry_row: Row) -> None:
    with pytest.raises(DomainError, match=r"^enquiry_ref:"):
        parse_enquiry_row(enquiry_row(enquiry_ref=" "))


def test_an_enquiry_with_an_invalid_nhs_number_is_rejected(enquiry_row: Row) -> None:
    with pytest.raises(DomainError, match=r"^nhs_number:"):
        parse_enquiry_row(enquiry_row(nhs_number="9434765918"))


# Copied from a web page, a PDF or a word processor, a value of fixed shape can carry a
# zero-width space, a byte order mark or a direction mark: nothing can hide in digits, a date or a
# postcode, so they are removed — not a reason to refuse the child, or to set its NHS number aside.
@pytest.mark.parametrize(
    ("column", "value", "clean"),
    [
        ("nhs_number", "943 476 5919\u200b", "9434765919"),
        ("date_of_birth", "\ufeff2015-06-07", "2015-06-07"),
        ("postcode", "LS6\u200b 3HN", "LS6 3HN"),
        ("sex", "female\u200e", "female"),
        ("start_date", "2024-02-01\u200e", "2024-02-01"),
        ("end_date", "\u200b", ""),
        ("involvement", "child-in-need\u200b", "child-in-need"),
        ("care_leaver", "no\u2060", "no"),
    ],
)
def test_an_invisible_character_in_a_value_of_fixed_shape_is_removed(
    register_row: Row, column: str, value: str, clean: str
) -> None:
    parsed = parse_register_row(register_row(local_ref="R-1", **{column: value}), TODAY)
    assert parsed == parse_register_row(register_row(local_ref="R-1", **{column: clean}), TODAY)
    assert parsed.warnings == ()
