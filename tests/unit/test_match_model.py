"""The match model's thresholds: what a register's size does to them, and what is stored."""

import dataclasses
import json

from fingerpost.matching.score import DEFAULT_MODEL, MatchModel


def test_a_register_up_to_the_reference_sizes_keeps_the_thresholds() -> None:
    smaller = min(DEFAULT_MODEL.reference_size, DEFAULT_MODEL.possible_reference_size)
    for size in (0, 1, smaller):
        assert DEFAULT_MODEL.for_register(size) == DEFAULT_MODEL


def test_a_register_eight_times_the_reference_needs_three_more_bits_for_strong() -> None:
    model = dataclasses.replace(DEFAULT_MODEL, possible_reference_size=10**9)
    sized = model.for_register(8 * model.reference_size)
    assert sized.strong_at == model.strong_at + 3
    assert sized.possible_at == model.possible_at


def test_a_register_that_doubles_past_the_possible_reference_asks_more_for_possible() -> None:
    # Twice as many involvements hold twice as many strangers who agree as much by chance: the
    # prior odds that one of them is the child halve (docs/adr/0046).
    model = dataclasses.replace(
        DEFAULT_MODEL, reference_size=10**9, possible_reference_size=50_000, possible_rise=0.5
    )
    assert model.for_register(50_000).possible_at == model.possible_at
    assert model.for_register(200_000).possible_at == model.possible_at + 1.0
    assert model.for_register(800_000).possible_at == model.possible_at + 2.0
    assert model.for_register(800_000).strong_at == model.strong_at


def test_the_default_possible_asks_less_than_strong_at_every_size() -> None:
    # A call to confirm may be wrong, a child missed should not be: `possible` never rises
    # faster than `strong`, whose rise keeps the odds a strong pair is a stranger as they were.
    assert DEFAULT_MODEL.possible_rise <= 1.0
    for size in (10_000, 100_000, 1_000_000, 10_000_000, 100_000_000):
        sized = DEFAULT_MODEL.for_register(size)
        assert sized.possible_at < sized.strong_at


def test_the_stored_model_keeps_its_limits_and_references() -> None:
    model = dataclasses.replace(
        DEFAULT_MODEL,
        names_alone_at_most=4,
        reference_size=50_000,
        possible_reference_size=20_000,
        possible_rise=0.25,
    )
    again = MatchModel.from_json(model.to_json())
    assert (again.names_alone_at_most, again.reference_size) == (4, 50_000)
    assert (again.possible_reference_size, again.possible_rise) == (20_000, 0.25)


def test_a_model_stored_before_the_limits_existed_reads_the_defaults() -> None:
    stored = json.loads(DEFAULT_MODEL.to_json())
    for name in ("names_alone_at_most", "reference_size", "possible_reference_size"):
        del stored[name]
    del stored["possible_rise"]
    again = MatchModel.from_json(json.dumps(stored))
    assert again.names_alone_at_most == DEFAULT_MODEL.names_alone_at_most
    assert again.reference_size == DEFAULT_MODEL.reference_size
    assert again.possible_reference_size == DEFAULT_MODEL.possible_reference_size
    assert again.possible_rise == DEFAULT_MODEL.possible_rise
