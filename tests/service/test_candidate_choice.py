"""The repository only fetches: on a generated register, the candidates it returns are those
`matching.candidates.choose` picks from the stored blocking index, in the same order
(docs/adr/0030; tests/unit/test_candidate_choice.py shows that `choose` is the rule as the
repository held it before). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import pytest

from conftest import make_register_row
from fingerpost.matching.candidates import choose

if TYPE_CHECKING:
    from conftest import Scenario
    from fingerpost.config import Settings

GIVEN = ["Olivia", "Amelia", "Oliver", "Jack", "Isla", "Noah", "Ava", "Leo"]
FAMILY = ["Harrison", "Smith", "Khan", "Harris", "Jones", "Patel"]
POSTCODES = ["LS6 3HN", "LS6 3HP", "M1 1AA", "M14 5RG", ""]


def a_date(rng: random.Random) -> str:
    return f"201{rng.randrange(4)}-0{rng.randrange(1, 4)}-1{rng.randrange(3)}"


def a_register(scenario: Scenario, rng: random.Random, size: int) -> None:
    """Children who share names, dates and postcodes often, so that keys are shared often."""
    for agency in ("CSC-LDS", "GMP"):
        rows = [
            make_register_row(
                local_ref=f"{agency}-{n}",
                given_names=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                date_of_birth=a_date(rng),
                postcode=rng.choice(POSTCODES),
            )
            for n in range(size)
        ]
        scenario.register(agency, *rows)


def stored_index(scenario: Scenario) -> tuple[dict[int, list[int]], dict[int, str], set[int]]:
    """(key → row ids in the index, row id → public id, the rows of GMP)."""
    hits: dict[int, list[int]] = {}
    for key, row in scenario.sql("SELECT key, involvement_id FROM blocking_keys"):
        hits.setdefault(int(key), []).append(int(row))  # type: ignore[call-overload]
    public: dict[int, str] = {}
    gmp: set[int] = set()
    for row, public_id, code in scenario.sql(
        "SELECT i.id, i.public_id, a.code FROM involvements i JOIN agencies a ON a.id = i.agency_id"
    ):
        public[int(row)] = str(public_id)  # type: ignore[call-overload]
        if code == "GMP":
            gmp.add(int(row))  # type: ignore[call-overload]
    return hits, public, gmp


@pytest.fixture(params=["shared", "rarity"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Each installation ranks capped choices one way (`FINGERPOST_CANDIDATE_RANKING`)."""
    return settings.model_copy(update={"candidate_ranking": request.param})


@pytest.mark.parametrize(
    "options",
    [{}, {"most": 1}, {"most": 5}, {"at_least": 3}, {"at_least": 4, "most": 3}],
    ids=["all", "best-1", "best-5", "at-least-3", "at-least-4-best-3"],
)
def test_the_repository_returns_the_candidates_the_pure_rule_chooses(
    scenario: Scenario, options: dict[str, int]
) -> None:
    scenario.agency("CSC-LDS", authority_area="E08000035")
    scenario.agency("GMP", kind="police")
    rng = random.Random(17)
    a_register(scenario, rng, 40)
    hits, public, gmp = stored_index(scenario)
    probes = [
        frozenset(
            scenario.query(
                given_names=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                date_of_birth=a_date(rng),
            ).probe_keys
        )
        for _ in range(6)
    ]

    def not_gmp(ids: Sequence[int]) -> Collection[int]:
        return {i for i in ids if i not in gmp}

    ranking = scenario.fp.settings.candidate_ranking
    expected = choose(probes, hits, not_gmp, ranking=ranking, **options)  # type: ignore[arg-type]
    with scenario.fp.unit_of_work() as uow:
        found = uow.involvements.candidates_many(probes, "GMP", **options)  # type: ignore[arg-type]
    assert [[r.involvement_id for r in row] for row in found] == [
        [public[i] for i in row] for row in expected
    ]
    assert any(expected), "the generated register gave no probe a candidate"
