"""EM recovers a match model from unlabelled pairs, as production must (there are no labels)."""

import random

import pytest

from fingerpost.matching.score import DEFAULT_MODEL, MatchModel
from fingerpost.matching.train import STRONG_PROBABILITY, Vector, train


def draw(chooser: random.Random, probabilities: list[list[float]]) -> Vector:
    return tuple(chooser.choices(range(len(p)), weights=p)[0] for p in probabilities)


def truth_model() -> tuple[list[list[float]], list[list[float]]]:
    m = [[level.m for level in c.levels] for c in DEFAULT_MODEL.comparisons]
    u = [[level.u for level in c.levels] for c in DEFAULT_MODEL.comparisons]
    return [[x / sum(row) for x in row] for row in m], [[x / sum(row) for x in row] for row in u]


def test_em_recovers_m_u_and_the_share_of_matches() -> None:
    chooser = random.Random(7)
    m, u = truth_model()
    matches = [draw(chooser, m) for _ in range(3_000)]
    non_matches = [draw(chooser, u) for _ in range(27_000)]
    randoms = [draw(chooser, u) for _ in range(50_000)]
    training = train(matches + non_matches, randoms, DEFAULT_MODEL, version="test")
    assert training.converged
    assert training.prior == pytest.approx(0.1, abs=0.01)
    for index, comparison in enumerate(training.model.comparisons):
        top = max(range(len(m[index])), key=lambda level: m[index][level])
        assert comparison.levels[top].m == pytest.approx(m[index][top], abs=0.03), comparison.field


def test_the_strong_threshold_means_what_it_says() -> None:
    chooser = random.Random(11)
    m, u = truth_model()
    matches = [draw(chooser, m) for _ in range(2_000)]
    non_matches = [draw(chooser, u) for _ in range(18_000)]
    training = train(
        matches + non_matches, [draw(chooser, u) for _ in range(40_000)], DEFAULT_MODEL, version="t"
    )
    model = training.model

    def weight(vector: Vector) -> float:
        return sum(
            c.levels[level].weight
            for c, level in zip(model.comparisons, vector, strict=True)
            if level is not None
        )

    strong = [v in matches for v in matches + non_matches if weight(v) >= model.strong_at]
    assert sum(strong) / len(strong) >= STRONG_PROBABILITY - 0.01


def test_a_trained_model_survives_storage() -> None:
    chooser = random.Random(3)
    m, u = truth_model()
    training = train(
        [draw(chooser, m) for _ in range(500)] + [draw(chooser, u) for _ in range(500)],
        [draw(chooser, u) for _ in range(2_000)],
        DEFAULT_MODEL,
        version="stored",
    )
    again = MatchModel.from_json(training.model.to_json())
    assert again.to_json() == training.model.to_json()
    assert again.version == "stored"


def test_training_without_pairs_is_refused() -> None:
    with pytest.raises(ValueError, match="needs candidate pairs"):
        train([], [], DEFAULT_MODEL, version="x")
