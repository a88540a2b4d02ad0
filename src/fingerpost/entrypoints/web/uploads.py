"""Register uploads: checked first (a dry run), registered only when the administrator confirms,
each step in a background thread whose progress the page shows.

The file's bytes stay in this process's memory between the check and the confirmation (never
written to the home) and are dropped once registered, or after half an hour; see ADR 0010.
"""

import secrets
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, NotFound
from fingerpost.entrypoints.csvio import CsvFileError, CsvReader
from fingerpost.entrypoints.logs import logger
from fingerpost.entrypoints.registering import RegisterReport, register_rows
from fingerpost.gateway import REGISTER_COLUMNS, REGISTER_REQUIRED, REGISTER_RULES

__all__ = ["Stage", "Upload", "Uploads"]

_log = logger("fingerpost.web")
KEEP_FOR = 1800.0  # seconds an unconfirmed upload is kept


class Stage(StrEnum):
    CHECKING = "checking"
    CHECKED = "checked"  # the preview: waiting for the administrator to confirm
    REGISTERING = "registering"
    DONE = "done"
    FAILED = "failed"  # a file-level problem: nothing was written


@dataclass
class Upload:
    id: str
    owner: str  # the uploader's subject: nobody else sees or confirms it
    agency: str
    filename: str
    data: bytes | None
    lines: int  # rows in the file, about (for the progress bar)
    stage: Stage = Stage.CHECKING
    read: int = 0
    preview: RegisterReport | None = None
    result: RegisterReport | None = None
    problem: str = ""
    created: float = field(default_factory=time.monotonic)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.read / self.lines)) if self.lines else 100


class Uploads:
    def __init__(self, fp: Fingerpost) -> None:
        self._fp = fp
        self._lock = threading.Lock()
        self._uploads: dict[str, Upload] = {}

    def start(self, actor: Actor, filename: str, data: bytes) -> Upload:
        """Check an uploaded register file (nothing is written yet)."""
        if not data.strip():
            raise InvalidValue("file: the selected file is empty")
        name = Path(filename or "register.csv").name
        if not name.lower().endswith(".csv"):
            raise InvalidValue("file: the selected file must be a CSV")
        upload = Upload(
            id=secrets.token_urlsafe(12),
            owner=actor.subject,
            agency=actor.agency,
            filename=name,
            data=data,
            lines=max(1, data.count(b"\n") - 1 + (not data.endswith(b"\n"))),
        )
        with self._lock:
            self._expire()
            # One waiting upload a user (each held in memory, up to 50 MiB): a new one replaces
            # the last, unless that one is already being registered.
            for key, earlier in list(self._uploads.items()):
                same = (earlier.owner, earlier.agency) == (upload.owner, upload.agency)
                if same and earlier.stage is not Stage.REGISTERING:
                    del self._uploads[key]
            self._uploads[upload.id] = upload
        self._run(upload, actor, dry_run=True)
        return upload

    def confirm(self, actor: Actor, upload_id: str) -> Upload:
        """Register a checked upload's valid rows."""
        upload = self.get(actor, upload_id)
        with self._lock:
            if upload.stage is not Stage.CHECKED:
                raise InvalidValue("upload: this file is not waiting to be confirmed")
            upload.stage, upload.read = Stage.REGISTERING, 0
        self._run(upload, actor, dry_run=False)
        return upload

    def get(self, actor: Actor, upload_id: str) -> Upload:
        with self._lock:
            upload = self._uploads.get(upload_id)
        if upload is None or upload.owner != actor.subject or upload.agency != actor.agency:
            raise NotFound(
                "no such upload: it may have expired (after 30 minutes) or been replaced by"
                " a later one"
            )
        return upload

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, u in self._uploads.items() if now - u.created > KEEP_FOR]:
            del self._uploads[key]

    def _run(self, upload: Upload, actor: Actor, *, dry_run: bool) -> None:
        threading.Thread(
            target=self._work, args=(upload, actor, dry_run), daemon=True, name="upload"
        ).start()

    def _work(self, upload: Upload, actor: Actor, dry_run: bool) -> None:
        def progress(read: int) -> None:
            upload.read = read

        reader = CsvReader(
            Path(upload.filename),
            known=REGISTER_COLUMNS,
            required=REGISTER_REQUIRED,
            rules=REGISTER_RULES,
            data=upload.data,
        )
        try:
            with reader.open() as rows:
                # One process: forking encoders from a threaded server is not safe.
                report = register_rows(
                    self._fp, actor, rows, dry_run=dry_run, workers=1, progress=progress
                )
        except CsvFileError as error:
            upload.problem, upload.stage, upload.data = str(error), Stage.FAILED, None
            return
        except Exception as error:  # noqa: BLE001 - reported on the page; the server goes on
            _log.error("upload failed", error=type(error).__name__)
            upload.problem = "something went wrong; it has been logged. Nothing more was written."
            upload.stage, upload.data = Stage.FAILED, None
            return
        upload.read = report.tally.read
        if dry_run:
            upload.preview, upload.stage = report, Stage.CHECKED
            if not report.tally.valid:
                upload.data = None  # nothing to register
        else:
            upload.result, upload.stage, upload.data = report, Stage.DONE, None
