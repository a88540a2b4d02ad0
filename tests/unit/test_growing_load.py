"""A load refreshes the database's statistics as it grows the register (ADR 0042): at
`LARGE_LOAD` rows written and each time that count doubles, and once at the end of a large load —
so a first load of a million rows is not planned for an empty register all the way."""

from typing import Any

from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.registering import LARGE_LOAD, GrowingLoad


class _Hub:
    def __init__(self) -> None:
        self.refreshed_at: list[int] = []
        self.written = 0

    def refresh_statistics(self, _actor: Actor) -> None:
        self.refreshed_at.append(self.written)


class _Fp:
    def __init__(self) -> None:
        self.hub = _Hub()


def _load(batches: list[int], *, also_changed: int = 0) -> list[int]:
    fp: Any = _Fp()
    load = GrowingLoad(fp, Actor.system("CSC-LDS"))
    for rows in batches:
        fp.hub.written += rows
        load.wrote(rows)
    load.done(also_changed=also_changed)
    return list(fp.hub.refreshed_at)


def test_a_small_load_never_refreshes() -> None:
    assert _load([2_000] * 4) == []


def test_a_million_row_load_refreshes_as_it_doubles_and_at_the_end() -> None:
    refreshed = _load([2_000] * 500)
    assert refreshed == [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 1_000_000]


def test_the_end_of_a_snapshot_counts_the_involvements_it_ended() -> None:
    assert _load([2_000], also_changed=LARGE_LOAD) == [2_000]
    assert _load([], also_changed=LARGE_LOAD - 1) == []
