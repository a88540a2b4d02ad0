"""`POST /api/v1/sync`: an agency's snapshot over HTTP, the same use case as `fingerpost sync`.

The CSV body is read in chunks as it arrives and spooled to a file in the installation's home
(mode 0700), never held whole in memory; the sync then reads that file twice, like the command,
and the file is deleted. This is gateway work — it reads children's details and encodes them —
so when the gateway and the hub become separate deployables (docs/adr/0021) this router moves to
the gateway unchanged, and the `fp.snapshots` calls it makes become calls to the hub's API.
"""

import json
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError, MassEnd
from fingerpost.domain.values import parse_date
from fingerpost.entrypoints.csvio import CsvFileError, CsvReader, Rows
from fingerpost.entrypoints.guards import requires
from fingerpost.entrypoints.logs import logger
from fingerpost.entrypoints.syncing import SyncReport, sync_rows
from fingerpost.gateway import REGISTER_COLUMNS, REGISTER_REQUIRED, REGISTER_RULES

__all__ = ["SyncOut", "sync_router"]

_PROBLEMS_SHOWN = 1000  # rows listed in a response; the counts cover them all
NDJSON = "application/x-ndjson"
_log = logger("fingerpost.sync")


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


_CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
    }
}
_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": f"What the sync did. With `Accept: {NDJSON}`: progress as JSON"
        ' lines, then `{"result": …}` or `{"problem": …}`.',
        "content": {NDJSON: {"schema": {"type": "string"}}},
    },
    409: {"description": "Refused by the safety brake: nothing was changed."},
    413: {"description": "Larger than FINGERPOST_SYNC_MAX_MIB."},
    415: {
        "description": "A form upload (multipart/form-data): send the CSV as the body.",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    },
}
_NOT_A_FORM = (
    "send the CSV file as the body (Content-Type: text/csv; with curl, --data-binary @list.csv),"
    " not as a form upload (multipart/form-data)"
)


def sync_router(fp: Fingerpost, caller: Callable[..., Actor]) -> APIRouter:
    """The router; `caller` is the API's bearer-token dependency."""
    router = APIRouter(prefix="/api/v1")

    @router.post(
        "/sync",
        tags=["involvements"],
        response_model=SyncOut,
        openapi_extra=_CSV_BODY,
        responses=_ANSWERS,
    )
    @requires("involvement.sync")
    async def sync(
        request: Request,
        actor: Annotated[Actor, Depends(caller)],
        dry_run: bool = False,
        allow_mass_end: bool = False,
        snapshot_date: Annotated[
            str | None, Query(description="YYYY-MM-DD; default today.", max_length=10)
        ] = None,
    ) -> SyncOut | Response:
        """Sync your agency (agency administrators) to its complete current list: the body is
        the register CSV (`text/csv`, chunked transfer welcome). New rows are registered,
        changed rows updated, unchanged rows left alone, and your open involvements missing
        from the file are ended on `snapshot_date`. Refused with 409, nothing changed, when it
        would end more than FINGERPOST_SYNC_MAX_END_SHARE of them, unless `allow_mass_end`."""
        on = parse_date(snapshot_date or "", "snapshot_date")
        fp.snapshots.begin(actor, on)  # the role and the agency, before the body is read
        if request.headers.get("content-type", "").lower().startswith("multipart/"):
            # A form upload's boundary line would be read as the header: "missing columns".
            raise HTTPException(415, _NOT_A_FORM)
        path = await _spooled(request, fp)
        run = partial(
            sync_rows,
            fp,
            actor,
            _reader(path),
            on=on,
            dry_run=dry_run,
            allow_mass_end=allow_mass_end,
            workers=1,  # forking encoders from a threaded server is not safe
        )
        if NDJSON in request.headers.get("accept", ""):
            return StreamingResponse(_progress_lines(run, path), media_type=NDJSON)
        try:
            report = await run_in_threadpool(run)
        finally:
            path.unlink(missing_ok=True)
        return SyncOut.of(report)

    return router


async def _spooled(request: Request, fp: Fingerpost) -> Path:
    """The body, read in chunks as it arrives, in a file of its own in the home (0700)."""
    limit = fp.settings.sync_max_mib * 1024 * 1024
    handle, name = tempfile.mkstemp(prefix=".sync-", suffix=".csv", dir=fp.settings.home.resolve())
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
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _progress_lines(run: Callable[..., SyncReport], path: Path) -> Iterator[bytes]:
    """The sync as JSON lines: `{"progress": {"pass": "reading"|"writing", "rows_read": N}}`
    as it goes, then `{"result": …}` (the JSON answer) or `{"problem": {"status": 409, …}}`.
    The status line went out before the sync ended, so a refusal comes as the last line."""
    events: queue.Queue[dict[str, object] | None] = queue.Queue()

    def progress(step: str, rows: int) -> None:
        events.put({"progress": {"pass": step, "rows_read": rows}})

    def work() -> None:
        try:
            events.put({"result": SyncOut.of(run(progress=progress)).model_dump(mode="json")})
        except MassEnd as error:
            events.put({"problem": {"status": 409, "title": "Conflict", "detail": str(error)}})
        except (DomainError, HTTPException) as error:
            detail = error.detail if isinstance(error, HTTPException) else str(error)
            status = error.status_code if isinstance(error, HTTPException) else 422
            events.put({"problem": {"status": status, "detail": detail}})
        except Exception as error:  # noqa: BLE001 - said on the stream; the server goes on
            _log.error("sync failed", error=type(error).__name__)
            events.put({"problem": {"status": 500, "detail": "something went wrong"}})
        finally:
            events.put(None)

    worker = threading.Thread(target=work, daemon=True, name="sync")
    worker.start()
    try:
        while (event := events.get()) is not None:
            yield (json.dumps(event) + "\n").encode()
    finally:
        worker.join()
        path.unlink(missing_ok=True)


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
