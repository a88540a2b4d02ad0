"""Words typed for the audit — a purpose in words, a shield or override reason, a review note —
reach the hub and the other practitioner, so they must never carry the child: what looks like a
date of birth, an NHS number or a postcode is refused anywhere, and the gateway, which knows the
child, refuses the child's own names and details."""

import pytest

from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.values import free_text, parse_purpose
from fingerpost.gateway import refuse_mentions
from fingerpost.matching.normalise import ChildIdentity

CHILD = ChildIdentity(
    given_names="Hermione",
    family_name="Wolstenholme",
    other_names=("Hermione Björk",),
    postcode="LS1 4AP",
    nhs_number="9434765919",
)


@pytest.mark.parametrize(
    "text",
    [
        "checking DOB 2014-01-01",
        "born 1/1/14, seen at A&E",
        "NHS 943 476 5919",
        "lives at LS1 4AP",
        "ls14ap area",
    ],
)
def test_text_shaped_like_a_childs_details_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue, match="never a child's details"):
        free_text("reason", text, limit=300)
    with pytest.raises(InvalidValue, match="never a child's details"):
        parse_purpose(text)


@pytest.mark.parametrize(
    "text",
    [
        "Section 47 strategy discussion",
        "missing from home overnight",
        "emergency-care",
        "A&E at 3am",
    ],
)
def test_ordinary_reasons_pass_tidied(text: str) -> None:
    assert free_text("reason", f"  {text}  ", limit=300) == text


def test_too_long_is_refused() -> None:
    with pytest.raises(InvalidValue, match="at most 10 characters"):
        free_text("note", "x" * 11, limit=10)


@pytest.mark.parametrize(
    "purpose",
    ["checking on hermione", "Wolstenholme family", "concern about Björk", "BJORK sibling"],
)
def test_a_purpose_in_words_that_names_the_child_is_refused(purpose: str) -> None:
    with pytest.raises(InvalidValue, match="never the child's name"):
        refuse_mentions(CHILD, purpose=purpose)


def test_a_reason_that_names_the_child_is_refused() -> None:
    with pytest.raises(InvalidValue, match="never the child's name"):
        refuse_mentions(CHILD, purpose="emergency-care", reasons=["Hermione is at risk"])


def test_a_reason_holding_the_childs_postcode_or_nhs_number_is_refused() -> None:
    for reason in ("near ls1 4ap", "no 9434765919"):
        with pytest.raises(InvalidValue):
            refuse_mentions(CHILD, reasons=[reason])


def test_fixed_purposes_and_other_words_pass() -> None:
    refuse_mentions(CHILD, purpose="emergency care", reasons=["risk to life, refuge known"])
    refuse_mentions(CHILD, purpose="found alone at the station", reasons=[""])
