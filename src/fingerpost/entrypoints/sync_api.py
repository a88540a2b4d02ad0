"""`POST /api/v1/sync`: an agency's snapshot over HTTP, the same use case as `fingerpost sync`.

The CSV body is read in chunks as it arrives and spooled to a file in the installation's home
(mode 0700), never held whole in memory; the sync then reads that file twice, like the command,
and the file is deleted. This is gateway work — it reads children's details and encodes them —
so when the gateway and the hub become separate deployables (docs/adr/0021) this router moves to
the gateway unchanged, and the `fp.snapshots` calls it makes become calls to the hub's API.
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.values import parse_date
from fingerpost.entrypoints.csvio import CsvFileError, CsvReader, Rows
from fingerpost.entrypoints.syncing import SyncReport, sync_rows
from fingerpost.gateway import REGISTER_COLUMNS, REGISTER_REQUIRED, REGISTER_RULES

__all__ = ["SyncOut", "sync_router"]

_PROBLEMS_SHOWN = 1000  # rows listed in a response; the counts cover them all


class RowProblem(BaseModel):
    line: int
    local_ref: str
    reason: str
    outcome: str = Field(description="`rejected`, or `kept` (accepted with this warning).")


class SyncOut(BaseModel):
    """What one snapshot did (or, in a dry run, would do). Never a child's details."""

    dry_run: bool
    snapshot_date: date
    rows_read: int
    accepted: int
    new: int
    changed: int
    unchanged: int
    ended: int = Field(description="Ended on the snapshot's date (in a dry run: to be ended).")
    open_before: int = Field(description="The agency's open involvements before the sync.")
    rejected: int
    warnings: int
    links_found: int
    problems: list[RowProblem] = Field(
        description=f"Rejected rows and warnings in file order (the first {_PROBLEMS_SHOWN})."
    )

    @classmethod
    def of(cls, report: SyncReport) -> "SyncOut":
        tally, counts = report.tally, report.counts
        return cls(
            dry_run=report.dry_run,
            snapshot_date=report.on,
            rows_read=tally.read,
            accepted=tally.valid,
            new=counts.new,
            changed=counts.changed,
            unchanged=counts.unchanged,
            ended=counts.to_end if report.dry_run else report.ended,
            open_before=counts.open_before,
            rejected=len(tally.errors),
            warnings=len(tally.warnings),
            links_found=report.links,
            problems=[
                RowProblem(
                    line=p.line,
                    local_ref=p.ref,
                    reason=p.reason,
                    outcome="kept" if p.kept else "rejected",
                )
                for p in tally.sorted_problems()[:_PROBLEMS_SHOWN]
            ],
        )


def sync_router(fp: Fingerpost, caller: Callable[..., Actor]) -> APIRouter:
    """The router; `caller` is the API's bearer-token dependency."""
    router = APIRouter(prefix="/api/v1")

    @router.post(
        "/sync",
        tags=["involvements"],
        response_model=SyncOut,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
        responses={
            409: {"description": "Refused by the safety brake: nothing was changed."},
            413: {"description": "Larger than FINGERPOST_SYNC_MAX_MIB."},
        },
    )
    async def sync(
        request: Request,
        actor: Annotated[Actor, Depends(caller)],
        dry_run: bool = False,
        allow_mass_end: bool = False,
        snapshot_date: Annotated[
            str | None, Query(description="YYYY-MM-DD; default today.", max_length=10)
        ] = None,
    ) -> SyncOut:
        """Sync your agency (agency administrators) to its complete current list: the body is
        the register CSV (`text/csv`, chunked transfer welcome). New rows are registered,
        changed rows updated, unchanged rows left alone, and your open involvements missing
        from the file are ended on `snapshot_date`. Refused with 409, nothing changed, when it
        would end more than FINGERPOST_SYNC_MAX_END_SHARE of them, unless `allow_mass_end`."""
        on = parse_date(snapshot_date or "", "snapshot_date")
        fp.snapshots.begin(actor, on)  # the role and the agency, before the body is read
        limit = fp.settings.sync_max_mib * 1024 * 1024
        home = fp.settings.home.resolve()
        handle, name = tempfile.mkstemp(prefix=".sync-", suffix=".csv", dir=home)
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as spool:
                size = 0
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise HTTPException(
                            413, f"the file must be smaller than {fp.settings.sync_max_mib} MiB"
                        )
                    spool.write(chunk)
            report = await run_in_threadpool(
                sync_rows,
                fp,
                actor,
                _reader(path),
                on=on,
                dry_run=dry_run,
                allow_mass_end=allow_mass_end,
                workers=1,  # forking encoders from a threaded server is not safe
            )
        finally:
            path.unlink(missing_ok=True)
        return SyncOut.of(report)

    return router


def _reader(path: Path) -> Callable[[], AbstractContextManager[Rows]]:
    @contextmanager
    def open_rows() -> Iterator[Rows]:
        reader = CsvReader(
            path, known=REGISTER_COLUMNS, required=REGISTER_REQUIRED, rules=REGISTER_RULES
        )
        try:
            with reader.open() as rows:
                yield rows
        except CsvFileError as error:
            # The spool's name means nothing to the client.
            raise HTTPException(422, str(error).replace(str(path), "the file")) from None

    return open_rows
