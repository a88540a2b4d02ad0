"""How much more evidence `possible` needs as the register grows (docs/adr/0046) is a policy an
operator sets, with a reason, audited: every rise trades children missed for calls that lead
nowhere. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Scenario, make_register_row
from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, PermissionDenied
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.cli import app

OPERATOR = Actor(subject="ops:1", name="On-call operator", agency="-", role=Role.OPERATOR)


def _changes(scenario: Scenario) -> list[dict[str, str]]:
    with scenario.fp.unit_of_work() as uow:
        return [e.detail for e in uow.audit.read(action=AuditAction.MODEL_CHANGED.value)]


def test_an_operator_sets_the_rise_as_a_new_model_version_with_the_reason_audited(
    scenario: Scenario,
) -> None:
    before = scenario.fp.hub.model

    changed = scenario.fp.hub.set_possible_rise(OPERATOR, 0.25, "board chose recall over calls")

    assert changed.possible_rise == 0.25
    assert changed.version != before.version
    assert scenario.fp.hub.model == changed, "the hub enquires with it from now on"
    assert changed.possible_at == before.possible_at, "only the rise changes"
    assert changed.comparisons == before.comparisons
    assert changed.for_register(100_000).possible_at == pytest.approx(before.possible_at + 0.5)
    assert _changes(scenario) == [
        {
            "model": changed.version,
            "from": before.version,
            "possible_rise": f"{before.possible_rise:g} -> 0.25",
            "reason": "board chose recall over calls",
        }
    ]


def test_the_stored_version_is_the_one_a_newly_started_hub_uses(
    scenario: Scenario, home: Path, database_url: str
) -> None:
    changed = scenario.fp.hub.set_possible_rise(OPERATOR, 0.0, "the same threshold at any size")

    env = {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": database_url}
    shown = CliRunner().invoke(app, ["model", "show"], env=env)

    assert shown.exit_code == 0, shown.output
    assert f'"version": "{changed.version}"' in shown.output
    assert '"possible_rise": 0.0' in shown.output


@pytest.mark.parametrize("rise", [-0.5, 2.5, math.nan, math.inf])
def test_a_rise_outside_0_to_2_bits_is_refused_and_nothing_is_stored(
    scenario: Scenario, rise: float
) -> None:
    before = scenario.fp.hub.model

    with pytest.raises(InvalidValue, match="between 0 and 2"):
        scenario.fp.hub.set_possible_rise(OPERATOR, rise, "a reason")

    assert scenario.fp.hub.model == before
    assert _changes(scenario) == []


def test_a_rise_without_a_reason_is_refused(scenario: Scenario) -> None:
    with pytest.raises(InvalidValue, match="reason"):
        scenario.fp.hub.set_possible_rise(OPERATOR, 0.25, "  ")
    assert _changes(scenario) == []


@pytest.mark.parametrize("role", [Role.AGENCY_ADMIN, Role.PRACTITIONER, Role.AUDITOR])
def test_only_an_operator_may_set_it(scenario: Scenario, role: Role) -> None:
    someone = Actor(subject="x:1", name="Someone", agency="CSC-MAN", role=role)

    with pytest.raises(PermissionDenied):
        scenario.fp.hub.set_possible_rise(someone, 0.25, "a reason")
    assert _changes(scenario) == []


def test_the_command_line_sets_it_and_says_what_it_set(home: Path, database_url: str) -> None:
    env = {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": database_url}
    runner = CliRunner()
    assert runner.invoke(app, ["init"], env=env).exit_code == 0

    set_ = runner.invoke(
        app, ["model", "set-possible-rise", "0.25", "--reason", "recall first"], env=env
    )
    refused = runner.invoke(
        app, ["model", "set-possible-rise", "3", "--reason", "recall first"], env=env
    )

    assert set_.exit_code == 0, set_.output
    assert "possible rises 0.25 bits per doubling past 25,000 involvements" in set_.output
    assert refused.exit_code == 2
    assert "between 0 and 2" in refused.output


def test_training_a_new_model_keeps_the_rise_the_operator_set(scenario: Scenario) -> None:
    for agency in ("CSC-LDS", "CSC-MAN"):
        scenario.agency(agency)
        scenario.register(
            agency,
            *(
                make_register_row(
                    given_names=name, family_name="Harrison", date_of_birth=f"2015-03-{day:02d}"
                )
                for day, name in enumerate(["Olivia", "Amelia", "Isla", "Ava", "Mia"], start=1)
            ),
        )
    scenario.fp.hub.set_possible_rise(OPERATOR, 0.25, "recall first")

    trained = scenario.fp.hub.train_model(OPERATOR, sample=20, random_pairs=200).model

    assert trained.possible_rise == 0.25
    assert scenario.fp.hub.model.possible_rise == 0.25
