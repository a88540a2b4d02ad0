"""Issue 18, defect 5: a purpose is what an auditor reads to judge whether a look was
justified, so `other` needs a reason in words — ".", a lone zero-width space or punctuation is
refused. The rule is the domain's (`parse_purpose`): the command line, the API and the web form
all refuse the same purposes."""

from __future__ import annotations

import pytest

from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.values import parse_purpose
from fingerpost.domain.vocabulary import Purpose

TRIVIAL = [".", "\u200b", "\u200b\u200b\u200b", "?!", "...", "x", "other: ok", "- - -", "123456"]


@pytest.mark.parametrize("purpose", TRIVIAL)
def test_a_purpose_without_words_is_refused(purpose: str) -> None:
    with pytest.raises(InvalidValue, match="reason in words"):
        parse_purpose(purpose)


@pytest.mark.parametrize(
    ("purpose", "reason"),
    [
        ("found alone at the station", "found alone at the station"),
        ("other: missing from care", "missing from care"),
        ("A&E at 3am, no adult", "A&E at 3am, no adult"),
        ("référé par l'école", "référé par l'école"),
    ],
)
def test_a_reason_in_words_is_other_with_that_reason(purpose: str, reason: str) -> None:
    stated = parse_purpose(purpose)
    assert (stated.code, stated.text) == (Purpose.OTHER, reason)


def test_the_fixed_purposes_need_no_reason() -> None:
    assert parse_purpose("youth-justice").code is Purpose.YOUTH_JUSTICE
