"""Issue 18, defect 4 and the standing kill -9 test: a `fingerpost register` killed at any
moment loses nothing it acknowledged (committed), stores nothing twice, keeps its audit log
intact and leaves no process behind — its encoding workers die with it."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Scenario, make_agency
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from hardening.processes import (
    kill,
    left_running,
    register_rows,
    start,
    wait_for_children,
    write_csv,
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

ROWS = 700  # enough for the encoding pool (512 rows and more)
BATCH = 32  # rows per transaction: a kill falls in one, or between two
KILLS = 20


@pytest.fixture
def installation(home: Path) -> Iterator[Fingerpost]:
    fp = bootstrap(Settings(home=home))
    fp.hub.import_agencies(Actor.system("OPS"), [make_agency("CSC-LDS")])
    yield fp
    fp.close()


@pytest.fixture
def register_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "register.csv", register_rows(ROWS))


def phone(run: int) -> str:
    return f"0113 496 {run:04d}"


def stored(fp: Fingerpost) -> dict[str, int]:
    """local_ref → the run whose practitioner phone the involvement holds; fails on a row stored
    twice."""
    rows = fp.hub.list_involvements(Actor.system("CSC-LDS"), limit=10 * ROWS)
    held = {row.key.local_ref: int(row.terms.practitioner.phone[-4:]) for row in rows}
    assert len(held) == len(rows), "an involvement was stored twice"
    return held


def test_a_killed_register_leaves_no_encoding_worker_running(
    installation: Fingerpost, home: Path, register_file: Path
) -> None:
    process = start(home, "register", "--agency", "CSC-LDS", register_file)
    workers = wait_for_children(process)
    try:
        assert workers, "the register finished before it started its encoding workers"
        process.kill()
        process.wait()
        assert left_running(workers) == []
    finally:
        kill(workers)


def test_a_register_killed_twenty_times_then_run_again_loses_and_repeats_nothing(
    installation: Fingerpost, home: Path, tmp_path: Path
) -> None:
    """Each run gives every row a new practitioner phone, so that every batch writes: rows are
    new in the first run, updated in the others. A batch commits whole and in file order, so
    after any kill each row holds the newest run that reached it, those of the killed run first
    in the file, and never an older phone than before the kill."""
    chooser = random.Random(18)  # the same kill points every time
    everything: list[int] = []
    acknowledged: dict[str, int] = {}
    points: list[int] = []  # rows the killed run had committed
    window = 1.5  # seconds after the workers start within which each kill falls
    refs = [row["local_ref"] for row in register_rows(ROWS)]
    try:
        for run in range(1, KILLS + 1):
            file = write_csv(tmp_path / f"register-{run}.csv", register_rows(ROWS, phone(run)))
            process = start(home, "register", "--agency", "CSC-LDS", file, batch=BATCH)
            workers = wait_for_children(process, count=2)
            time.sleep(chooser.uniform(0, window))  # encoding, in a transaction, between two
            if process.poll() is not None:  # it finished first (a quicker machine): kill sooner
                window /= 2
            process.kill()
            process.wait()
            everything += [process.pid, *workers]
            held = stored(installation)
            lost = [ref for ref, before in acknowledged.items() if held.get(ref, 0) < before]
            assert lost == [], "a committed row was lost or went back"
            reached = [ref for ref in refs if held.get(ref) == run]
            assert reached == refs[: len(reached)], "rows committed out of order"
            points.append(len(reached))
            assert installation.hub.verify_audit(Scenario.auditor()) is None
            acknowledged = held
        assert left_running(everything) == []
        assert len(set(points)) > KILLS // 4, points  # the kills fell all along the file

        last = write_csv(tmp_path / "register.csv", register_rows(ROWS, phone(KILLS)))
        process = start(home, "register", "--agency", "CSC-LDS", last, batch=BATCH)
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors.decode()
    finally:
        kill(everything)
    assert stored(installation) == dict.fromkeys(refs, KILLS)
    assert installation.hub.verify_audit(Scenario.auditor()) is None
