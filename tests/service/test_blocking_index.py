"""The blocking index as stored: a batch's keys go to the database in one statement (SQLite: one
JSON document spread by SQLite; PostgreSQL: COPY), and every (key, row) pair comes back exactly
as given, whatever the key's sign or size (docs/adr/0040). On SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import psycopg
import pytest
from sqlalchemy.orm import Session

from fingerpost.adapters.db.blocking import SqlBlockingIndex
from fingerpost.config import Settings

if TYPE_CHECKING:
    from conftest import Scenario

SMALLEST, LARGEST = -(2**63), 2**63 - 1


@pytest.fixture
def rows(scenario: Scenario) -> list[int]:
    """Row ids of two involvements registered the ordinary way, their own keys cleared."""
    scenario.agency("CSC-LDS")
    scenario.register_one("CSC-LDS", local_ref="L-1")
    scenario.register_one("CSC-LDS", local_ref="L-2", given_names="Ayesha")
    scenario.sql("DELETE FROM blocking_keys")
    return [int(row[0]) for row in scenario.sql("SELECT id FROM involvements ORDER BY id")]  # type: ignore[call-overload]


def insert(scenario: Scenario, batch: list[tuple[int, list[int]]]) -> None:
    with Session(scenario.fp.engine) as session, session.begin():
        SqlBlockingIndex(session).insert(batch)


def stored(scenario: Scenario) -> set[tuple[int, int]]:
    return {
        (int(k), int(i)) for k, i in scenario.sql("SELECT key, involvement_id FROM blocking_keys")
    }  # type: ignore[call-overload]


def test_every_pair_of_a_batch_is_stored_as_given(scenario: Scenario, rows: list[int]) -> None:
    first, second = rows
    keys = [SMALLEST, LARGEST, -1, 0, 1, 2**62 + 7, -(2**40)]
    insert(scenario, [(first, keys), (second, [LARGEST, 5, -5])])
    assert stored(scenario) == {(k, first) for k in keys} | {
        (LARGEST, second),
        (5, second),
        (-5, second),
    }


def test_a_row_without_keys_adds_nothing_and_an_empty_batch_is_no_statement(
    scenario: Scenario, rows: list[int]
) -> None:
    first, second = rows
    insert(scenario, [])
    insert(scenario, [(first, []), (second, [42])])
    assert stored(scenario) == {(42, second)}


def test_the_stored_pairs_are_found_by_their_keys(scenario: Scenario, rows: list[int]) -> None:
    first, second = rows
    insert(scenario, [(first, [SMALLEST, 7]), (second, [7])])
    with Session(scenario.fp.engine) as session, session.begin():
        found, _ = SqlBlockingIndex(session).hits([SMALLEST, 7, 8])
    assert {key: sorted(ids) for key, ids in found.items()} == {
        SMALLEST: [first],
        7: sorted([first, second]),
    }


def test_a_batch_that_fails_stores_none_of_its_keys(scenario: Scenario, rows: list[int]) -> None:
    first, _ = rows
    insert(scenario, [(first, [3])])
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        insert(scenario, [(first, [1, 2, 3, 4])])  # (3, first) is there already
    assert stored(scenario) == {(3, first)}


def test_sqlite_leaves_no_log_behind_once_its_connections_close(
    scenario: Scenario, rows: list[int], settings: Settings
) -> None:
    """The log is checkpointed every 256 MiB while a load runs (docs/adr/0040), and wholly when
    the last connection closes: what a command wrote is in the database file when it ends."""
    if scenario.fp.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps its own log")
    first, _ = rows
    insert(scenario, [(first, list(range(1, 5_001)))])
    database = settings.home / "fingerpost.db"
    log = database.with_name("fingerpost.db-wal")
    assert log.exists()  # the connections are open: the log is in use
    scenario.fp.close()
    assert not log.exists() or log.stat().st_size == 0
    with sqlite3.connect(database) as reopened:
        assert reopened.execute("SELECT count(*) FROM blocking_keys").fetchone() == (5_000,)
