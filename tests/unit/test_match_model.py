"""The match model's thresholds: what a register's size does to them, and what is stored."""

import dataclasses
import json

from fingerpost.matching.score import DEFAULT_MODEL, MatchModel


def test_a_register_up_to_the_reference_size_keeps_the_thresholds() -> None:
    for size in (0, 1, DEFAULT_MODEL.reference_size):
        assert DEFAULT_MODEL.for_register(size) == DEFAULT_MODEL


def test_a_register_eight_times_the_reference_needs_three_more_bits_for_strong() -> None:
    sized = DEFAULT_MODEL.for_register(8 * DEFAULT_MODEL.reference_size)
    assert sized.strong_at == DEFAULT_MODEL.strong_at + 3
    # A call to confirm may be wrong; a child missed should not be.
    assert sized.possible_at == DEFAULT_MODEL.possible_at


def test_the_stored_model_keeps_its_limits_and_reference() -> None:
    model = dataclasses.replace(DEFAULT_MODEL, names_alone_at_most=4, reference_size=50_000)
    again = MatchModel.from_json(model.to_json())
    assert (again.names_alone_at_most, again.reference_size) == (4, 50_000)


def test_a_model_stored_before_the_limits_existed_reads_the_defaults() -> None:
    stored = json.loads(DEFAULT_MODEL.to_json())
    del stored["names_alone_at_most"], stored["reference_size"]
    again = MatchModel.from_json(json.dumps(stored))
    assert again.names_alone_at_most == DEFAULT_MODEL.names_alone_at_most
    assert again.reference_size == DEFAULT_MODEL.reference_size
