"""EM recovers a match model from unlabelled pairs, as production must (there are no labels)."""

import random
from datetime import date

import pytest

from fingerpost.matching.encode import EncodedIdentity, Encoder
from fingerpost.matching.normalise import ChildIdentity, normalise
from fingerpost.matching.score import DEFAULT_MODEL, MatchModel
from fingerpost.matching.train import Session, Vector, train, training_sessions

FIELDS = [c.field for c in DEFAULT_MODEL.comparisons]


def draw(chooser: random.Random, probabilities: list[list[float]]) -> Vector:
    return tuple(chooser.choices(range(len(p)), weights=p)[0] for p in probabilities)


def truth_model() -> tuple[list[list[float]], list[list[float]]]:
    m = [[level.m for level in c.levels] for c in DEFAULT_MODEL.comparisons]
    u = [[level.u for level in c.levels] for c in DEFAULT_MODEL.comparisons]
    return [[x / sum(row) for x in row] for row in m], [[x / sum(row) for x in row] for row in u]


def blocked_on(field: str, vectors: list[Vector]) -> list[Vector]:
    """The pairs as a training block on `field` brings them together: agreeing exactly on it."""
    index = FIELDS.index(field)
    return [(*v[:index], 0, *v[index + 1 :]) for v in vectors]


def test_em_recovers_m_and_the_share_of_matches_in_each_session() -> None:
    chooser = random.Random(7)
    m, u = truth_model()

    def session(name: str, field: str, matches: int, non_matches: int) -> Session:
        pairs = [draw(chooser, m) for _ in range(matches)]
        pairs += [draw(chooser, u) for _ in range(non_matches)]
        return Session(name, frozenset({field}), blocked_on(field, pairs))

    sessions = [
        session("date of birth", "dob", 3_000, 27_000),
        session("postcode", "postcode", 6_000, 4_000),
    ]
    randoms = [draw(chooser, u) for _ in range(50_000)]
    training = train(sessions, randoms, DEFAULT_MODEL, version="test")
    assert training.converged
    assert training.priors["date of birth"] == pytest.approx(0.1, abs=0.01)
    assert training.priors["postcode"] == pytest.approx(0.6, abs=0.02)
    for index, comparison in enumerate(training.model.comparisons):
        top = max(range(len(m[index])), key=lambda level: m[index][level])
        assert comparison.levels[top].m == pytest.approx(m[index][top], abs=0.03), comparison.field


def test_a_field_every_session_blocked_on_keeps_the_base_m() -> None:
    chooser = random.Random(5)
    m, u = truth_model()
    pairs = [draw(chooser, m) for _ in range(2_000)] + [draw(chooser, u) for _ in range(2_000)]
    session = Session("date of birth", frozenset({"dob"}), blocked_on("dob", pairs))
    training = train(
        [session], [draw(chooser, u) for _ in range(5_000)], DEFAULT_MODEL, version="t"
    )
    dob = training.model.comparisons[FIELDS.index("dob")]
    assert [level.m for level in dob.levels] == [
        level.m for level in DEFAULT_MODEL.comparisons[FIELDS.index("dob")].levels
    ]


def test_u_comes_from_random_pairs_and_the_thresholds_are_the_documented_weights() -> None:
    chooser = random.Random(3)
    m, u = truth_model()
    pairs = [draw(chooser, m) for _ in range(500)] + [draw(chooser, u) for _ in range(500)]
    randoms = [draw(chooser, u) for _ in range(20_000)]
    training = train(
        [Session("date of birth", frozenset({"dob"}), pairs)], randoms, DEFAULT_MODEL, version="t"
    )
    given = training.model.comparisons[FIELDS.index("given")]
    assert given.levels[-1].u == pytest.approx(u[FIELDS.index("given")][-1], abs=0.01)
    assert training.model.strong_at == DEFAULT_MODEL.strong_at
    assert training.model.possible_at == DEFAULT_MODEL.possible_at


def test_a_trained_model_survives_storage() -> None:
    chooser = random.Random(3)
    m, u = truth_model()
    pairs = [draw(chooser, m) for _ in range(500)] + [draw(chooser, u) for _ in range(500)]
    training = train(
        [Session("names", frozenset({"given", "family"}), pairs)],
        [draw(chooser, u) for _ in range(2_000)],
        DEFAULT_MODEL,
        version="stored",
    )
    again = MatchModel.from_json(training.model.to_json())
    assert again.to_json() == training.model.to_json()
    assert again.version == "stored"


def test_training_sessions_pair_records_of_different_agencies_that_share_the_block() -> None:
    encoder = Encoder(b"a linkage secret for the training tests only!")

    def encoded(given: str, family: str, born: str) -> EncodedIdentity:
        child = ChildIdentity(given, family, date_of_birth=date.fromisoformat(born))
        return encoder.encode(normalise(child)).identity

    olivia_a = encoded("Olivia", "Harrison", "2015-06-07")
    olivia_b = encoded("Olivia", "Harrison", "2015-06-07")
    noah = encoded("Noah", "Khan", "2015-06-07")
    people = [("A", olivia_a), ("B", olivia_b), ("A", noah)]
    found = training_sessions(people, DEFAULT_MODEL, random.Random(1))
    sessions = {session.name: session for session in found}
    # Same date of birth: Olivia with Olivia, and Noah (agency A) with Olivia at agency B only.
    assert len(sessions["date of birth"].vectors) == 2
    # Same names: the two Olivias; never two records of one agency.
    assert len(sessions["names"].vectors) == 1


def test_training_without_pairs_is_refused() -> None:
    with pytest.raises(ValueError, match="needs candidate pairs"):
        train([Session("empty", frozenset(), [])], [], DEFAULT_MODEL, version="x")
