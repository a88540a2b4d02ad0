"""How common a name is in the register moves the evidence of an exact agreement on it
(docs/adr/0044): the rule as a table of registers, and what the hub counts."""

from dataclasses import dataclass, replace
from datetime import date

import pytest

from fingerpost.matching import frequency
from fingerpost.matching.encode import EncodedQuery, Encoder
from fingerpost.matching.frequency import NameFrequency, Tokens
from fingerpost.matching.normalise import ChildIdentity, normalise
from fingerpost.matching.score import DEFAULT_MODEL, MatchModel, score

ENCODER = Encoder(b"a linkage secret for the name frequency spec only")
YEARS = range(2000, 2027)


def encode(given: str, family: str, born: str | None, postcode: str | None = None) -> EncodedQuery:
    child = ChildIdentity(
        given_names=given,
        family_name=family,
        date_of_birth=date.fromisoformat(born) if born else None,
        postcode=postcode,
    )
    return ENCODER.encode(normalise(child), birth_years=YEARS)


@dataclass(frozen=True)
class Register:
    """The register's other involvements: (given names, family name, date of birth) each."""

    others: tuple[tuple[str, str, str], ...] = ()
    size: int = 2_000  # involvements in all (the others and many more, none sharing a name)

    def counts(self, *stored: EncodedQuery) -> dict[int, int]:
        counted: dict[int, int] = {}
        everyone = [*stored, *(encode(*other) for other in self.others)]
        for one in everyone:
            for token in frequency.tokens(one.identity):
                counted[token] = counted.get(token, 0) + 1
        return counted


@dataclass(frozen=True)
class Case:
    enquiry: tuple[str, str, str | None, str | None]
    registered: tuple[str, str, str | None, str | None]
    register: Register
    outcome: str


def many(given: str, family: str, born: str, n: int) -> tuple[tuple[str, str, str], ...]:
    return tuple((given, f"{family}{chr(97 + i % 26)}{chr(97 + i // 26)}", born) for i in range(n))


SPEC = [
    pytest.param(
        Case(
            ("Oliver", "Harrison", "2015-06-07", "LS6 3HN"),
            ("Oliver", "Okafor", "2015-06-07", "M14 5RP"),
            Register(),
            "possible",
        ),
        id="the given name and date, another family name and address: a call if the name is rare",
    ),
    pytest.param(
        Case(
            ("Oliver", "Harrison", "2015-06-07", "LS6 3HN"),
            ("Oliver", "Okafor", "2015-06-07", "M14 5RP"),
            Register(many("Oliver", "Stranger", "2015-03-01", 60)),
            "none",
        ),
        id="the same, where sixty children born that year are called Oliver: strangers",
    ),
    pytest.param(
        Case(
            ("Oliver", "Harrison", "2015-06-07", "LS6 3HN"),
            ("Oliver", "Okafor", "2015-06-07", "M14 5RP"),
            Register(many("Oliver", "Stranger", "2016-03-01", 60)),
            "possible",
        ),
        id="sixty Olivers born in another year say nothing of this year's",
    ),
    pytest.param(
        Case(
            ("Oliver", "Harrison", "2015-06-07", "LS6 3HN"),
            ("Oliver", "Harrison", "2015-06-07", "M14 5RP"),
            Register(many("Oliver", "Stranger", "2015-03-01", 60)),
            "strong",
        ),
        id="a common given name with the family name and date: still the child",
    ),
]


@pytest.mark.parametrize("case", SPEC)
def test_name_frequency_spec(case: Case) -> None:
    enquiry, registered = encode(*case.enquiry), encode(*case.registered)
    model = DEFAULT_MODEL.for_register(case.register.size)
    counted = case.register.counts(registered)
    names = model.name_frequency(
        frequency.probe_tokens(enquiry), lambda keys: {k: counted[k] for k in keys if k in counted}
    )
    verdict = score(enquiry.probe, registered.identity, model, names)
    assert (verdict.confidence.value if verdict else "none") == case.outcome
    if verdict is not None:
        assert not any(ch.isdigit() for ch in verdict.why), "why must never carry a number"


def test_without_the_register_size_no_name_is_weighed() -> None:
    probe = frequency.probe_tokens(encode("Oliver", "Harrison", "2015-06-07"))
    counted = dict.fromkeys(probe.all(), 1_000)
    unsized = replace(DEFAULT_MODEL, register_size=0)
    assert unsized.name_frequency(probe, lambda keys: counted) == NameFrequency()


def test_a_token_nobody_carries_moves_nothing_an_encoding_stored_before_the_counts() -> None:
    probe = Tokens(given=frozenset({1, 2}), family=frozenset({3}))
    found = NameFrequency.of(
        probe, lambda keys: {1: 50}, expected_given=5.0, expected_family=5.0, bounds=(-4.0, 4.0)
    )
    assert found == NameFrequency(given=0.0, family=0.0)


def test_a_name_weighs_by_its_rarest_form_within_the_bounds() -> None:
    probe = Tokens(given=frozenset({1, 2}), family=frozenset({3}))
    found = NameFrequency.of(
        probe,
        lambda keys: {1: 40, 2: 10, 3: 1},
        expected_given=5.0,
        expected_family=5.0,
        bounds=(-4.0, 2.0),
    )
    assert found.given == pytest.approx(-1.0)  # log2(5 / 10): the rarer form
    assert found.family == 2.0  # log2(5 / 1), held at the upper bound


def test_the_hub_counts_each_given_name_and_family_name_token_of_a_stored_identity() -> None:
    stored = encode("Grace Olivia", "Harrison-Okafor", "2015-06-07").identity
    assert frequency.tokens(stored) == frozenset(
        int.from_bytes(token, "big", signed=True)
        for token in stored.given_forms | stored.family_sound
    )
    enquiry = frequency.probe_tokens(encode("Grace", "Harrison-Okafor", "2015-06-07"))
    assert enquiry.given <= frequency.tokens(stored)
    assert enquiry.family <= frequency.tokens(stored)


def test_the_stored_model_does_not_carry_the_register_size() -> None:
    sized = DEFAULT_MODEL.for_register(1_000_000)
    assert sized.register_size == 1_000_000
    assert MatchModel.from_json(sized.to_json()).register_size == 0
