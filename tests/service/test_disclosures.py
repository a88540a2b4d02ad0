"""Which involvements an enquiry disclosed lives in its own table (docs/adr/0030): written with
the enquiry's audit event, read by equality, and brought over from the events' detail when an
installation upgrades (and left to that detail again when it goes back). SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, text

from conftest import Scenario
from fingerpost.adapters.db import engine as db
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role

CHILD = {"given_names": "Amelia", "family_name": "Nowak", "date_of_birth": "2012-10-30"}
OPERATOR = Actor(subject="ops", name="Operator", agency="-", role=Role.OPERATOR)
STRANGER = {"given_names": "Chloe", "family_name": "Wright", "date_of_birth": "2011-12-25"}


def disclosures(scenario: Scenario) -> list[tuple[int, str]]:
    rows = scenario.sql("SELECT seq, involvement_id FROM disclosures ORDER BY seq, involvement_id")
    return [(int(seq), str(i)) for seq, i in rows]  # type: ignore[call-overload]


class TestWritten:
    @pytest.fixture
    def scenario(self, scenario: Scenario) -> Scenario:
        scenario.agency("CSC-BRM", authority_area="E08000025")
        scenario.agency("NHS-BCH", kind="health", authority_area="E08000025")
        scenario.agency("WMP", kind="police")
        return scenario

    def test_each_involvement_an_enquiry_disclosed_is_a_row_of_its_event(
        self, scenario: Scenario
    ) -> None:
        social = scenario.register_one("CSC-BRM", **CHILD)
        health = scenario.register_one("NHS-BCH", **CHILD)
        scenario.enquire("WMP", **CHILD)
        scenario.enquire("WMP", **STRANGER)  # discloses nothing: no row
        [(seq,)] = scenario.sql("SELECT min(seq) FROM audit_events WHERE action = 'enquiry:made'")
        assert disclosures(scenario) == sorted([(seq, social), (seq, health)])

    def test_a_childs_disclosing_enquiries_are_found_through_the_table_oldest_first(
        self, scenario: Scenario
    ) -> None:
        social = scenario.register_one("CSC-BRM", **CHILD)
        other = scenario.register_one("CSC-BRM", **STRANGER)
        for child in (CHILD, STRANGER, CHILD):
            scenario.enquire("WMP", **child)
        with scenario.fp.unit_of_work() as uow:
            found = uow.audit.disclosing([social])
            both = uow.audit.disclosing([social, other])
            none = uow.audit.disclosing([])
        assert len(found) == 2
        assert [seq for seq, _ in found] == sorted(seq for seq, _ in found)
        assert all(social in event.detail["disclosed"] for _, event in found)
        assert [seq for seq, _ in both] == sorted({seq for seq, _ in both})
        assert len(both) == 3
        assert none == []

    def test_an_id_that_is_only_part_of_another_is_not_a_disclosure_of_it(
        self, scenario: Scenario
    ) -> None:
        # The comma-joined detail scanned with LIKE matched any substring; equality does not.
        social = scenario.register_one("CSC-BRM", **CHILD)
        scenario.enquire("WMP", **CHILD)
        with scenario.fp.unit_of_work() as uow:
            assert uow.audit.disclosing([social[:-1]]) == []
            assert uow.audit.disclosing([social[1:]]) == []
            assert len(uow.audit.disclosing([social])) == 1

    def test_a_backup_keeps_them_and_a_restore_brings_them_back(
        self, scenario: Scenario, tmp_path: Path
    ) -> None:
        social = scenario.register_one("CSC-BRM", **CHILD)
        scenario.enquire("WMP", **CHILD)
        before = disclosures(scenario)
        made = scenario.fp.backup(OPERATOR, tmp_path / "fingerpost.backup")
        assert made.tables["disclosures"] == 1
        scenario.enquire("WMP", **CHILD)
        scenario.fp.restore(OPERATOR, tmp_path / "fingerpost.backup")
        assert disclosures(scenario) == before
        with scenario.fp.unit_of_work() as uow:
            assert [seq for seq, _ in uow.audit.disclosing([social])] == [before[0][0]]


# -- the migration ---------------------------------------------------------------------------


@pytest.fixture
def engine(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'fingerpost.db'}"
    created = db.create(database_url)
    yield created
    created.dispose()


def logged(connection: Connection, seq: int, action: str, detail: dict[str, str]) -> None:
    connection.execute(
        text(
            "INSERT INTO audit_events (seq, at, action, actor, agency, purpose, result_count,"
            " urgent, detail, leaf) VALUES (:seq, :at, :action, 'pc@wmp.example', 'WMP', 'x', 0,"
            " false, :detail, :leaf)"
        ),
        {
            "seq": seq,
            "at": datetime(2026, 12, 1, tzinfo=UTC),
            "action": action,
            "detail": json.dumps(detail, sort_keys=True),
            "leaf": f"{seq:064x}",
        },
    )


def test_upgrading_brings_every_enquirys_disclosures_over_and_downgrading_leaves_them_in_the_log(
    engine: Engine,
) -> None:
    config = db._config(engine)
    command.upgrade(config, "0009")
    with engine.begin() as connection:
        logged(connection, 1, "enquiry:made", {"disclosed": "inv-a,inv-b", "enquiry": "e1"})
        logged(connection, 2, "enquiry:made", {"disclosed": "", "enquiry": "e2"})
        logged(connection, 3, "involvement:registered", {"disclosed": "inv-z"})  # not an enquiry
        logged(connection, 4, "enquiry:made", {"disclosed": "inv-b,inv-b", "enquiry": "e3"})
        logged(connection, 5, "enquiry:made", {"enquiry": "e4"})  # older events had no field
    command.upgrade(config, "0010")
    with engine.connect() as connection:
        moved = connection.execute(
            text("SELECT seq, involvement_id FROM disclosures ORDER BY seq, involvement_id")
        ).all()
    assert [tuple(row) for row in moved] == [(1, "inv-a"), (1, "inv-b"), (4, "inv-b")]

    command.downgrade(config, "0009")
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        details = connection.execute(text("SELECT detail FROM audit_events ORDER BY seq")).all()
    assert "disclosures" not in tables
    # What the release before reads them from, untouched (it is part of each event's leaf).
    assert json.loads(details[0][0])["disclosed"] == "inv-a,inv-b"
    assert json.loads(details[3][0])["disclosed"] == "inv-b,inv-b"

    command.upgrade(config, "0010")
    with engine.connect() as connection:
        again = connection.execute(text("SELECT count(*) FROM disclosures")).scalar_one()
    assert again == 3
