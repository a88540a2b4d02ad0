"""Snapshot sync through a gateway: `SnapshotSync`'s steps, asked of the hub over HTTP
(`entrypoints/hub_sync_api.py`). The snapshot's state — the rows it names, by the hub's internal
number — stays here at the gateway between calls; the hub keeps none."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from fingerpost.adapters.hub_client import RemoteHub
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import MassEnd
from fingerpost.service.sync import RowState, Snapshot, SnapshotRow, SyncCounts, ends_too_many

__all__ = ["RemoteSnapshots"]

_PATH = "/snapshots"


class RemoteSnapshots:
    """The same methods as `SnapshotSync`, so `entrypoints/syncing.py` runs unchanged."""

    def __init__(self, hub: RemoteHub, *, max_end_share: float) -> None:
        self._hub = hub
        self.max_end_share = max_end_share  # the hub applies its own again before ending
        self._allow_mass_end: dict[int, bool] = {}

    def _post(self, actor: Actor, step: str, body: dict[str, Any], *, again: bool) -> Any:
        # The wire's client: its service token, timeouts, retries and error mapping.
        return self._hub._call(actor, "POST", f"{_PATH}/{step}", body=body, idempotent=again)

    def begin(self, actor: Actor, on: date | None = None) -> Snapshot:
        sent = {"on": (on or date.today()).isoformat()}
        answered = self._post(actor, "begin", sent, again=True)
        return Snapshot(actor, date.fromisoformat(answered["on"]))

    def classify(self, snapshot: Snapshot, rows: Sequence[SnapshotRow]) -> list[RowState]:
        body = {
            "on": snapshot.on.isoformat(),
            "rows": [[row.local_ref, row.kind.value, row.digest] for row in rows],
        }
        answered = self._post(snapshot.actor, "classify", body, again=True)
        snapshot.seen.update(answered["seen"])
        namesakes = answered.get("namesakes")  # a hub older than docs/adr/0037 does not say
        snapshot.namesakes = None if namesakes is None else set(namesakes)
        return [RowState(state) for state in answered["states"]]

    def protect(self, snapshot: Snapshot, local_refs: Sequence[str]) -> None:
        refs = [ref for ref in local_refs if ref]
        if refs:
            body = {"on": snapshot.on.isoformat(), "local_refs": refs}
            snapshot.seen.update(self._post(snapshot.actor, "protect", body, again=True)["seen"])

    def plan(self, snapshot: Snapshot) -> SyncCounts:
        body = {"on": snapshot.on.isoformat(), "seen": sorted(snapshot.seen)}
        answered = self._post(snapshot.actor, "plan", body, again=True)
        snapshot.counts.to_end = answered["to_end"]
        snapshot.counts.open_before = answered["open_before"]
        snapshot.missing = answered["missing"]
        snapshot.seen.clear()  # no longer needed: free it before the second pass
        return snapshot.counts

    def check_brake(self, counts: SyncCounts, *, allow_mass_end: bool) -> None:
        self._allow_mass_end[id(counts)] = allow_mass_end
        if allow_mass_end or not ends_too_many(counts, self.max_end_share):
            return
        raise MassEnd.braked(counts.to_end, counts.open_before, self.max_end_share)

    def record_digests(self, actor: Actor, digests: Sequence[tuple[str, str]]) -> None:
        self._post(actor, "digests", {"digests": [list(pair) for pair in digests]}, again=True)

    def finish(self, snapshot: Snapshot, *, rows: int, rejected: int, warnings: int) -> int:
        counts = snapshot.counts
        body = {
            "on": snapshot.on.isoformat(),
            "missing": snapshot.missing or [],
            "counts": {"new": counts.new, "changed": counts.changed, "unchanged": counts.unchanged},
            "rows": rows,
            "rejected": rejected,
            "warnings": warnings,
            "allow_mass_end": self._allow_mass_end.pop(id(counts), False),
        }
        # Not retried once sent: ending is idempotent, but its audit event is not.
        return int(self._post(snapshot.actor, "finish", body, again=False)["ended"])
