"""The SQL audit log hands its rows to the pure verification a batch at a time (docs/adr/0030):
the answers are those of a single read, whatever the batch size. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from conftest import Scenario
from fingerpost.adapters.db import audit_log

CHILD = {"given_names": "Amelia", "family_name": "Nowak", "date_of_birth": "2012-10-30"}


@pytest.fixture
def scenario(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    monkeypatch.setattr(audit_log, "VERIFY_BATCH", 2)
    scenario.agency("CSC-BRM", authority_area="E08000025")
    scenario.agency("WMP", kind="police")
    scenario.register_one("CSC-BRM", **CHILD)
    for _ in range(4):
        scenario.enquire("WMP", **CHILD)
    return scenario


def sizes(scenario: Scenario) -> tuple[int, int]:
    [(events, heads)] = scenario.sql(
        "SELECT (SELECT count(*) FROM audit_events), (SELECT count(*) FROM audit_checkpoints)"
    )
    return int(events), int(heads)  # type: ignore[call-overload]


def test_a_log_many_batches_long_verifies(scenario: Scenario) -> None:
    events, heads = sizes(scenario)
    assert events > 4
    assert heads > 4
    assert scenario.fp.hub.verify_audit(Scenario.auditor()) is None


def test_a_row_deleted_in_a_later_batch_is_found(scenario: Scenario) -> None:
    events, _ = sizes(scenario)
    scenario.sql("DELETE FROM audit_events WHERE seq = :seq", seq=events - 1)
    assert scenario.fp.hub.verify_audit(Scenario.auditor()) == events - 1


def test_a_forged_checkpoint_in_a_later_batch_is_found(scenario: Scenario) -> None:
    [(size,)] = scenario.sql("SELECT max(size) FROM audit_checkpoints")
    scenario.sql("UPDATE audit_checkpoints SET root = :r WHERE size = :s", r="00" * 32, s=size)
    assert scenario.fp.hub.verify_audit(Scenario.auditor()) == size
