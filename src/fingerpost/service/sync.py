"""Snapshot sync, the hub's side: an agency's complete current list against what the hub holds.

The gateway reads a snapshot twice (docs/adr/0021). The first pass writes nothing: each row's
contract key and keyed row digest are compared with what is held (`classify`), rows the gateway
had to reject keep their involvements open (`protect`), and `plan` counts what the snapshot
would end — the dry run's answer, and what the safety brake judges. The second pass registers
the new and changed rows through `Hub.register` (encoding and register-time linkage as for any
registration), each carrying its row digest, stored in the same transaction (docs/adr/0037;
`record_digests`, a separate marking step, is kept for gateways of earlier releases), and
`finish` ends the involvements the snapshot left out and audits the sync once, with its counts.

A row whose digest equals the stored one is unchanged: it is neither encoded nor written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, MassEnd, NotFound, PermissionDenied
from fingerpost.domain.retention import expires_on
from fingerpost.domain.vocabulary import InvolvementKind
from fingerpost.service.events import event
from fingerpost.service.permissions import check
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.rowset import RowSet

__all__ = [
    "RowState",
    "Snapshot",
    "SnapshotRow",
    "SnapshotSync",
    "SyncCounts",
    "ends_too_many",
]


class RowState(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    """One valid row of a snapshot as the hub sees it: its contract key and the gateway's keyed
    digest of the whole normalised row (the hub cannot reverse or recompute it)."""

    local_ref: str
    kind: InvolvementKind
    digest: str


@dataclass
class SyncCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    to_end: int = 0
    open_before: int = 0  # the agency's open involvements before the sync

    def add(self, state: RowState) -> None:
        if state is RowState.NEW:
            self.new += 1
        elif state is RowState.CHANGED:
            self.changed += 1
        else:
            self.unchanged += 1


@dataclass
class Snapshot:
    """One sync in progress. `seen` holds the rows (internal numbers, never a child's details)
    the snapshot names: a bit each, so a million-row snapshot needs 125 KB for it."""

    actor: Actor
    on: date  # the snapshot's date: what is missing from it ended that day
    counts: SyncCounts = field(default_factory=SyncCounts)
    seen: RowSet = field(default_factory=RowSet)
    missing: list[int] | None = None  # set by `plan`
    # Of the rows `classify` was last given, the new ones whose reference the agency holds under
    # another involvement kind (indexes): only such a row, if the gateway rejects it, protects
    # anything. None: not known (a hub older than docs/adr/0037 does not say).
    namesakes: set[int] | None = None


def ends_too_many(counts: SyncCounts, share: float) -> bool:
    """More than `share` of the open involvements, in exact arithmetic: ending 63 of 180 is
    35 %, though 0.35 × 180 is 62.99999999999999 in floating point."""
    return Fraction(counts.to_end) > Fraction(str(share)) * counts.open_before


def _require_admin(actor: Actor) -> None:
    check(actor, "involvement.sync")


class SnapshotSync:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        clock: Callable[[], datetime],
        retention_months: int,
        max_end_share: float,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._retention_months = retention_months
        self.max_end_share = max_end_share

    def begin(self, actor: Actor, on: date | None = None) -> Snapshot:
        """A sync of the actor's agency, for a snapshot taken on `on` (default today)."""
        _require_admin(actor)
        with self._uow() as uow:
            if uow.agencies.get(actor.agency) is None:
                raise NotFound(f"unknown agency code {actor.agency!r}")
            if uow.agencies.decommissioned(actor.agency) is not None:
                raise PermissionDenied(
                    f"agency {actor.agency} has left fingerpost: its data was destroyed"
                )
        today = self._clock().date()
        # A typo (2062 for 2026) would end what the snapshot leaves out decades from now. A day
        # of grace: the gateway's date may be the hub's tomorrow (BST against UTC at 00:30).
        if on is not None and on > today + timedelta(days=1):
            raise InvalidValue(
                "snapshot_date: in the future; a snapshot is dated the day it was taken"
            )
        return Snapshot(actor, on or today)

    def classify(self, snapshot: Snapshot, rows: Sequence[SnapshotRow]) -> list[RowState]:
        """New, changed or unchanged, for each row; the rows held are marked seen, and the new
        rows whose reference is held under another kind noted (`Snapshot.namesakes`). The
        caller counts the rows it accepts (`Snapshot.counts`)."""
        with self._uow() as uow:
            held, refs = uow.snapshots.held(
                snapshot.actor.agency, [(row.local_ref, row.kind.value) for row in rows]
            )
        states = []
        snapshot.namesakes = set()
        for index, (row, found) in enumerate(zip(rows, held, strict=True)):
            if found is None:
                states.append(RowState.NEW)
                if row.local_ref in refs:
                    snapshot.namesakes.add(index)
                continue
            snapshot.seen.add(found.row)
            same = found.digest == row.digest
            states.append(RowState.UNCHANGED if same else RowState.CHANGED)
        return states

    def protect(self, snapshot: Snapshot, local_refs: Sequence[str]) -> None:
        """Rows the gateway rejected still name their child: whatever the agency holds under
        those references stays open (a typo must not end a child's involvement)."""
        refs = [ref for ref in local_refs if ref]
        if refs:
            with self._uow() as uow:
                snapshot.seen.update(uow.snapshots.with_refs(snapshot.actor.agency, refs))

    def plan(self, snapshot: Snapshot) -> SyncCounts:
        """After the first pass: the counts, with how many open involvements the snapshot
        leaves out (to be ended)."""
        with self._uow() as uow:
            open_rows = uow.snapshots.open_rows(snapshot.actor.agency)
        snapshot.missing = [row for row in open_rows if row not in snapshot.seen]
        snapshot.seen.clear()  # no longer needed: free it before the second pass
        snapshot.counts.to_end = len(snapshot.missing)
        snapshot.counts.open_before = len(open_rows)
        return snapshot.counts

    def check_brake(self, counts: SyncCounts, *, allow_mass_end: bool) -> None:
        """Refuse a snapshot that would end more than the allowed share of the agency's open
        involvements: a truncated export must never close half a county's cases."""
        if allow_mass_end or not ends_too_many(counts, self.max_end_share):
            return
        raise MassEnd.braked(counts.to_end, counts.open_before, self.max_end_share)

    def record_digests(self, actor: Actor, digests: Sequence[tuple[str, str]]) -> None:
        """(involvement id, row digest) of rows just registered from the snapshot: how gateways
        before docs/adr/0037 marked them (theirs send no `row_digest` with the registration)."""
        _require_admin(actor)
        with self._uow() as uow:
            uow.snapshots.set_digests(digests)
            uow.commit()

    def finish(self, snapshot: Snapshot, *, rows: int, rejected: int, warnings: int) -> int:
        """End what the snapshot left out (on its date, never before an involvement's start)
        and audit the sync; returns how many were ended."""
        if snapshot.missing is None:
            raise RuntimeError("finish before plan")
        actor, on = snapshot.actor, snapshot.on
        with self._uow() as uow:
            ending = uow.snapshots.ending(snapshot.missing)
            ended = []
            events = []
            for row in ending:
                end = max(on, row.start_date)
                ended.append((row.row, end, expires_on(row.ages_out, end, self._retention_months)))
                events.append(
                    self._event(
                        actor, AuditAction.INVOLVEMENT_ENDED, {"involvement": row.id, "by": "sync"}
                    )
                )
            uow.snapshots.end(ended)
            counts = snapshot.counts
            detail = {
                "new": counts.new,
                "changed": counts.changed,
                "unchanged": counts.unchanged,
                "ended": len(ended),
                "rejected": rejected,
                "warnings": warnings,
                "snapshot_date": on.isoformat(),
            }
            events.append(
                self._event(
                    actor,
                    AuditAction.SNAPSHOT_SYNCED,
                    {key: str(value) for key, value in detail.items()},
                    result_count=rows,
                )
            )
            uow.audit.append_many(events)
            uow.commit()
        return len(ended)

    def _event(
        self, actor: Actor, action: AuditAction, detail: dict[str, str], *, result_count: int = 0
    ) -> AuditEvent:
        return event(actor, action, self._clock(), result_count=result_count, detail=detail)
