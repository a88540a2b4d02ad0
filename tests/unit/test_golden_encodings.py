"""The encoder and the scorer give, bit for bit, what they gave when the fixture was made.

Every hub stores encodings made by earlier releases and compares them with today's: one bit
changed in a token, a filter, a key or the packed form, and a child registered yesterday is not
found today. Refactoring and speeding up the encoder must leave every output as it was
(docs/adr/0031). See `tests/unit/golden.py` for what the fixture holds and how it is made.
"""

from functools import cache
from typing import Any

import pytest

from fingerpost.matching.encode import EncodedIdentity, EncodedQuery, Encoder
from fingerpost.matching.score import DEFAULT_MODEL
from unit import golden


@cache
def _fixture() -> dict[str, Any]:
    return golden.load()


@cache
def _encoded() -> tuple[list[EncodedQuery], list[EncodedQuery]]:
    encoder = Encoder(golden.SECRET)
    children = [golden.child_from_json(raw) for raw in _fixture()["children"]]
    narrow = [golden.encode(encoder, child, wide=False) for child in children]
    wide = [golden.encode(encoder, child, wide=True) for child in children]
    return narrow, wide


def test_the_fixture_covers_registrations_and_enquiries_of_hundreds_of_children() -> None:
    fixture = _fixture()
    assert len(fixture["children"]) >= 300
    assert len(fixture["pairs"]) >= 3000
    verdicts = [verdict for _, _, (verdict, _) in fixture["pairs"]]
    strong = sum(1 for v in verdicts if v and v[0] == "strong")
    possible = sum(1 for v in verdicts if v and v[0] == "possible")
    assert strong >= 100, "the pairs must exercise strong verdicts"
    assert possible >= 50, "the pairs must exercise possible verdicts"
    reached = {
        (i, level)
        for *_, (_, levels) in fixture["pairs"]
        for i, level in enumerate(levels)
        if level is not None
    }
    levels = sum(len(c.levels) for c in DEFAULT_MODEL.comparisons)
    assert len(reached) >= levels - 2, "the pairs must reach nearly every comparison level"
    children = fixture["children"]
    assert any(c["other_names"] for c in children)
    assert any(c["date_of_birth"] is None for c in children)
    assert any(c["nhs_number"] is None for c in children)
    assert any(len(c["given_names"].split()) > 1 for c in children)


@pytest.mark.parametrize("width", ["narrow", "wide"])
def test_every_output_field_of_every_child_is_bit_identical(width: str) -> None:
    narrow, wide = _encoded()
    queries = narrow if width == "narrow" else wide
    changed: dict[str, int] = {}
    for expected, query in zip(_fixture()["encodings"], queries, strict=True):
        for name in golden.differences(expected[width], golden.query_fields(query)):
            changed[name] = changed.get(name, 0) + 1
    assert changed == {}, f"fields changed (field: children): {changed}"


def test_stored_forms_read_back_as_what_was_encoded() -> None:
    narrow, _ = _encoded()
    for query in narrow:
        stored = query.identity.to_stored()
        again = EncodedIdentity.from_stored(stored)
        assert again == query.identity
        assert again.middle_count == query.identity.middle_count
        assert again.to_stored() == stored
        assert (
            EncodedIdentity.from_json(query.identity.to_json()).to_json()
            == query.identity.to_json()
        )


def test_every_pair_scores_to_the_same_verdict_weight_and_levels() -> None:
    narrow, wide = _encoded()
    changed = [
        (a, b)
        for a, b, expected in _fixture()["pairs"]
        if golden.verdict_of(wide[a].probe, narrow[b].identity) != expected
    ]
    assert changed == [], f"{len(changed)} pairs score differently, e.g. {changed[:5]}"
