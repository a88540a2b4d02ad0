"""Snapshot sync through a gateway (`fingerpost sync`, docs/adr/0021 and 0032): the hub's side.

The gateway reads the file, digests each row with the linkage secret and asks the hub, in
batches, which rows are new, changed or unchanged; the rows the hub holds are answered by
internal number, which the gateway keeps as the snapshot's `seen` set. The hub keeps no state
between calls: `plan` is sent the `seen` set and answers, from the agency's own open
involvements, what the snapshot leaves out; `finish` ends only those of them that are still the
agency's open involvements (a gateway can end nothing of another agency's) and applies the
hub's own safety brake again before ending anything."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import InvolvementKind
from fingerpost.entrypoints.hub_api import HUB_API
from fingerpost.entrypoints.hub_calls import answer, parse
from fingerpost.service.sync import Snapshot, SnapshotRow, SyncCounts

__all__ = ["SNAPSHOTS", "SYNC_MAX_BYTES", "snapshot_router"]

SNAPSHOTS = f"{HUB_API}/snapshots"
SYNC_MAX_BYTES = 64 * 2**20  # a county's `seen` set: a million row numbers, with room
Ref = Annotated[str, Field(max_length=64)]
Digest = Annotated[str, Field(max_length=128)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BeginIn(_Strict):
    on: date


class ClassifyIn(_Strict):
    on: date
    rows: list[tuple[Ref, InvolvementKind, Digest]] = Field(max_length=5000)


class ProtectIn(_Strict):
    on: date
    local_refs: list[Ref] = Field(max_length=5000)


class PlanIn(_Strict):
    on: date
    seen: list[int]


class DigestsIn(_Strict):
    digests: list[tuple[Ref, Digest]]


class FinishIn(_Strict):
    on: date
    missing: list[int]
    counts: dict[str, int]
    rows: int
    rejected: int
    warnings: int
    allow_mass_end: bool = False


def _planned(fp: Fingerpost, actor: Actor, sent: PlanIn) -> Snapshot:
    snapshot = fp.snapshots.begin(actor, sent.on)
    snapshot.seen.update(sent.seen)
    fp.snapshots.plan(snapshot)
    return snapshot


def snapshot_router(fp: Fingerpost) -> APIRouter:
    router = APIRouter(prefix=SNAPSHOTS, tags=["hub"])
    sync = fp.snapshots

    @router.post("/begin")
    async def begin(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            return {"on": sync.begin(actor, parse(BeginIn, body).on).on}

        return await answer(fp, request, work, limit=4096)

    @router.post("/classify")
    async def classify(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            sent = parse(ClassifyIn, body)
            snapshot = sync.begin(actor, sent.on)
            states = sync.classify(snapshot, [SnapshotRow(*row) for row in sent.rows])
            namesakes = sorted(snapshot.namesakes or ())
            return {"states": states, "seen": sorted(snapshot.seen), "namesakes": namesakes}

        return await answer(fp, request, work, limit=SYNC_MAX_BYTES)

    @router.post("/protect")
    async def protect(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            sent = parse(ProtectIn, body)
            snapshot = sync.begin(actor, sent.on)
            sync.protect(snapshot, sent.local_refs)
            return {"seen": sorted(snapshot.seen)}

        return await answer(fp, request, work, limit=SYNC_MAX_BYTES)

    @router.post("/plan")
    async def plan(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            planned = _planned(fp, actor, parse(PlanIn, body))
            counts = planned.counts
            return {"to_end": counts.to_end, "open_before": counts.open_before,
                    "missing": planned.missing}  # fmt: skip

        return await answer(fp, request, work, limit=SYNC_MAX_BYTES)

    @router.post("/digests")
    async def digests(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            sync.record_digests(actor, parse(DigestsIn, body).digests)

        return await answer(fp, request, work, limit=SYNC_MAX_BYTES, status=204)

    @router.post("/finish")
    async def finish(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            return {"ended": _finish(fp, actor, parse(FinishIn, body))}

        return await answer(fp, request, work, limit=SYNC_MAX_BYTES)

    return router


_COUNTED = ("new", "changed", "unchanged")


def _finish(fp: Fingerpost, actor: Actor, sent: FinishIn) -> int:
    """End what the snapshot left out — only this agency's open involvements, and only after the
    hub has applied its own safety brake to them (ADR 0032)."""
    sync = fp.snapshots
    snapshot = _planned(fp, actor, PlanIn(on=sent.on, seen=[]))  # every open one
    held = set(snapshot.missing or ())
    snapshot.counts.open_before = len(held)  # open now, the new rows included
    snapshot.missing = sorted(held.intersection(sent.missing))
    snapshot.counts.to_end = len(snapshot.missing)
    sync.check_brake(snapshot.counts, allow_mass_end=sent.allow_mass_end)
    told = SyncCounts(**{k: v for k, v in sent.counts.items() if k in _COUNTED})
    snapshot.counts.new, snapshot.counts.changed = told.new, told.changed
    snapshot.counts.unchanged = told.unchanged
    return sync.finish(snapshot, rows=sent.rows, rejected=sent.rejected, warnings=sent.warnings)
