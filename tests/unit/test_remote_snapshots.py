"""A gateway's sync against hubs of two releases (docs/adr/0037): a hub that says which new rows
are namesakes lets the gateway parse the others once; one that does not gets every row parsed
before anything is planned, as before."""

from __future__ import annotations

from datetime import date
from typing import Any

from fingerpost.deployables.remote_sync import RemoteSnapshots
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import InvolvementKind
from fingerpost.service.sync import RowState, Snapshot, SnapshotRow


class _Hub:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    def _call(self, *_: Any, **__: Any) -> dict[str, Any]:
        return self.answer


def _classified(answer: dict[str, Any]) -> tuple[list[RowState], Snapshot]:
    snapshot = Snapshot(Actor.system("CSC-LDS"), date(2026, 12, 1))
    remote = RemoteSnapshots(_Hub(answer), max_end_share=0.1)  # type: ignore[arg-type]
    rows = [SnapshotRow(ref, InvolvementKind.CHILD_IN_NEED, "0" * 64) for ref in ("A", "B")]
    return remote.classify(snapshot, rows), snapshot


def test_the_hubs_namesakes_are_kept_for_the_first_pass() -> None:
    states, snapshot = _classified({"states": ["new", "new"], "seen": [], "namesakes": [1]})
    assert states == [RowState.NEW, RowState.NEW]
    assert snapshot.namesakes == {1}


def test_an_older_hub_that_names_no_namesakes_leaves_them_unknown() -> None:
    _, snapshot = _classified({"states": ["new", "changed"], "seen": [7]})
    assert snapshot.namesakes is None
    assert 7 in snapshot.seen
