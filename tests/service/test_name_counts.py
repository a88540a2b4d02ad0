"""The hub counts how many involvements carry each keyed name token (docs/adr/0044): the counts
follow registration, a changed name, withdrawal and expiry. Keyed tokens only: nothing clear is
stored or counted. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from conftest import Scenario, make_register_row
from fingerpost.adapters.db.blocking import SqlBlockingIndex
from fingerpost.domain.actor import Actor
from fingerpost.matching import frequency


@pytest.fixture
def agencies(scenario: Scenario) -> None:
    scenario.agency("CSC-LDS")
    scenario.agency("GMP", kind="police")


@pytest.mark.usefixtures("agencies")
def test_each_involvement_counts_under_its_first_and_family_names_in_its_year(
    scenario: Scenario,
) -> None:
    assert scenario.name_counts() == (0, 0)
    scenario.register_one("CSC-LDS")  # Olivia Harrison, born 2015
    scenario.register_one("GMP")
    scenario.register_one("GMP", given_names="Amelia")
    scenario.register_one("GMP", given_names="Olivia", date_of_birth="2014-02-01")

    assert scenario.name_counts() == (2, 3)
    assert scenario.name_counts(given_names="Amelia") == (1, 3)
    # Salted with the year of birth: the same name in another year is another token.
    assert scenario.name_counts(date_of_birth="2014-02-01") == (1, 1)


@pytest.mark.usefixtures("agencies")
def test_a_middle_name_counts_too_and_a_nickname_under_its_own_spelling(
    scenario: Scenario,
) -> None:
    scenario.register_one("CSC-LDS", given_names="Grace Olivia")
    scenario.register_one("GMP", given_names="Liv")
    assert scenario.name_counts()[0] == 1
    assert scenario.name_counts(given_names="Liv")[0] == 1


@pytest.mark.usefixtures("agencies")
def test_a_changed_name_moves_the_count(scenario: Scenario) -> None:
    involvement = scenario.register_one("CSC-LDS", local_ref="R-1")
    scenario.register("CSC-LDS", make_register_row(local_ref="R-1", family_name="Okafor"))
    assert scenario.name_counts() == (1, 0)
    assert scenario.name_counts(family_name="Okafor") == (1, 1)
    assert scenario.fp.hub.get(Actor.system("CSC-LDS"), involvement) is not None


@pytest.mark.usefixtures("agencies")
def test_a_withdrawn_involvement_is_no_longer_counted(scenario: Scenario) -> None:
    withdrawn = scenario.register_one("CSC-LDS")
    scenario.register_one("GMP")
    scenario.fp.hub.withdraw(Actor.system("CSC-LDS"), withdrawn, "registered in error")
    assert scenario.name_counts() == (1, 1)


@pytest.mark.usefixtures("agencies")
def test_an_enquiry_weighs_a_common_first_name_as_the_register_counts_it(
    scenario: Scenario,
) -> None:
    stranger = {"given_names": "Oliver", "family_name": "Okafor", "postcode": "M14 5RP"}
    scenario.register_one("GMP", sex="male", **stranger)
    asked = {"given_names": "Oliver", "postcode": "LS6 3HN"}
    # Oliver, born the same day, another family name and address: worth a call while few
    # children born that year are called Oliver...
    [signpost] = scenario.enquire("CSC-LDS", **asked).signposts
    assert signpost.confidence.value == "possible"
    others = [
        make_register_row(
            given_names="Oliver", family_name=f"Family{n}", date_of_birth="2015-02-01"
        )
        for n in range(40)
    ]
    scenario.register("CSC-LDS", *others)
    # ... not once forty more are: a namesake, not the child.
    assert scenario.enquire("CSC-LDS", **asked).signposts == []


@pytest.mark.usefixtures("agencies")
def test_the_counts_read_with_the_look_up_are_those_read_alone(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.register_one("GMP")
    scenario.register_one("GMP", given_names="Amelia")
    scenario.register_one("CSC-LDS", given_names="Olivia Grace")
    query = scenario.query()
    tokens = frequency.probe_tokens(query).all()
    with scenario.fp.unit_of_work() as uow:
        alone = uow.involvements.count_each(tokens)
    with scenario.fp.unit_of_work() as uow:
        found = uow.involvements.candidates(query.probe_keys, "CSC-LDS", most=64, counted=tokens)
        # Asked with the look-up (one round trip on PostgreSQL): not asked of the index again.
        monkeypatch.setattr(SqlBlockingIndex, "count_each", _not_again)
        beside = uow.involvements.count_each(tokens)
    assert len(found) == 2
    assert beside == alone
    assert sorted(beside.values()) == [2, 3]


def _not_again(*_: object) -> dict[int, int]:
    raise AssertionError("the counts were read with the look-up")
