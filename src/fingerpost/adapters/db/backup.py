"""Backups: a consistent, encrypted, logical copy of the database — the same for both engines.

The copy is read inside one read-only snapshot (SQLite: a deferred read transaction in WAL mode,
which never blocks writers; PostgreSQL: REPEATABLE READ), written as compressed JSON lines and
encrypted in 1 MiB segments with AES-256-GCM under the home's backup key. Each segment's
associated data carries its position and whether it is the last, so a reordered, truncated or
altered file fails to open. Keys are never in a backup: agencies' rows stay sealed with their
data keys, which is what lets a destroyed key reach every old backup (docs/adr/0009). The
header names what a restore needs beside the file — the service's public signing key and the
linkage secret's fingerprint (keyed, never the secret) — so that a restore can check the home
holds them before it changes anything (`restore`, docs/adr/0027).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    delete,
    func,
    insert,
    select,
)

from fingerpost.adapters.db.tables import metadata

__all__ = ["BackupError", "Loaded", "Summary", "load", "read", "replace", "write"]

_MAGIC = b"fingerpost backup v1\n"
_SEGMENT = 1 << 20
_LENGTH = struct.Struct(">I")
_FINAL = 1 << 31
_ROWS_PER_LINE = 1000

# Web sign-ins are not kept: restored, a session revoked since the backup would work again. A
# restore (which empties every table) signs everyone out instead.
_NOT_KEPT = frozenset({"web_sessions"})


class BackupError(ValueError):
    """The file is not a backup this installation can open (or it was altered)."""


@dataclass(frozen=True, slots=True)
class Summary:
    created: str
    revision: str
    rows: int
    tables: dict[str, int]
    linkage: str | None = None  # the fingerprint of the secret its encodings were made with


@dataclass(frozen=True, slots=True)
class Loaded:
    """A backup decrypted and checked whole, not yet restored: its header and its tables."""

    header: dict[str, Any]
    bodies: list[dict[str, Any]]  # {"table": name, "rows": [[value, ...], ...]}
    counts: dict[str, int]

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """The table's rows by column name, values as the file holds them (binary as base64)."""
        names = [column.name for column in metadata.tables[table].columns]
        for body in self.bodies:
            if body["table"] == table:
                for row in body["rows"]:
                    yield dict(zip(names, row, strict=True))

    def summary(self) -> Summary:
        header = self.header
        return Summary(
            header["created"],
            header["revision"],
            sum(self.counts.values()),
            self.counts,
            header.get("linkage"),
        )


def _aad(prefix: bytes, index: int, final: bool) -> bytes:
    return _MAGIC + prefix + struct.pack(">Q?", index, final)


class _SealedWriter:
    def __init__(self, handle: IO[bytes], key: bytes) -> None:
        self._handle = handle
        self._aead = AESGCM(key)
        self._prefix = secrets.token_bytes(4)
        self._index = 0
        self._buffer = bytearray()
        handle.write(_MAGIC + self._prefix)

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > _SEGMENT:
            self._emit(bytes(self._buffer[:_SEGMENT]), final=False)
            del self._buffer[:_SEGMENT]

    def close(self) -> None:
        self._emit(bytes(self._buffer), final=True)

    def _emit(self, plain: bytes, *, final: bool) -> None:
        nonce = self._prefix + struct.pack(">Q", self._index)
        sealed = self._aead.encrypt(nonce, plain, _aad(self._prefix, self._index, final))
        self._handle.write(_LENGTH.pack(len(sealed) | (_FINAL if final else 0)) + sealed)
        self._index += 1


def _segments(handle: IO[bytes], key: bytes) -> Iterator[bytes]:
    if handle.read(len(_MAGIC)) != _MAGIC:
        raise BackupError("not a fingerpost backup")
    prefix = handle.read(4)
    aead = AESGCM(key)
    index = 0
    while True:
        head = handle.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            raise BackupError("the backup is cut short")
        (word,) = _LENGTH.unpack(head)
        final, length = bool(word & _FINAL), word & ~_FINAL
        sealed = handle.read(length)
        nonce = prefix + struct.pack(">Q", index)
        try:
            yield aead.decrypt(nonce, sealed, _aad(prefix, index, final))
        except InvalidTag:
            raise BackupError("the backup does not open: another key, or altered") from None
        if final:
            if handle.read(1):
                raise BackupError("the backup has data after its end")
            return
        index += 1


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decoder(column: Any) -> Any:
    kind = column.type
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else _utc(datetime.fromisoformat(v))
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    return lambda v: v


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _revision(connection: Connection) -> str:
    return MigrationContext.configure(connection).get_current_revision() or ""


def write(
    engine: Engine, target: Path, key: bytes, *, about: dict[str, str | None] | None = None
) -> Summary:
    """Write the backup to `target` (atomically: a failed backup leaves no file). `about` goes
    into the header: the keys a restore will need, named without being given away."""
    partial = target.with_name(target.name + ".partial")
    counts: dict[str, int] = {}
    created = datetime.now(UTC).isoformat()
    options: dict[str, Any] = {"fingerpost_snapshot": True}
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle, engine.connect().execution_options(**options) as db:
            sealed = _SealedWriter(handle, key)
            squeeze = zlib.compressobj(6)

            def line(value: object) -> None:
                sealed.write(squeeze.compress(json.dumps(value).encode() + b"\n"))

            with db.begin():
                revision = _revision(db)
                line(
                    {"created": created, "revision": revision, "engine": engine.dialect.name}
                    | (about or {})
                )
                for table in metadata.sorted_tables:
                    if table.name in _NOT_KEPT:
                        continue
                    counts[table.name] = 0
                    rows = db.execute(select(table)).yield_per(_ROWS_PER_LINE)
                    for part in rows.partitions():
                        batch = [[_encode(v) for v in row] for row in part]
                        counts[table.name] += len(batch)
                        line({"table": table.name, "rows": batch})
            line({"end": counts})
            sealed.write(squeeze.flush())
            sealed.close()
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    linkage = (about or {}).get("linkage")
    return Summary(created, revision, sum(counts.values()), counts, linkage)


def _lines(source: Path, key: bytes) -> Iterator[dict[str, Any]]:
    unsqueeze = zlib.decompressobj()
    pending = b""
    with source.open("rb") as handle:
        for segment in _segments(handle, key):
            pending += unsqueeze.decompress(segment)
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                yield json.loads(raw)
    pending += unsqueeze.flush()
    if pending.strip():
        yield json.loads(pending)


def load(source: Path, key: bytes) -> Loaded:
    """Decrypt and check the whole file (BackupError when it does not open or is cut short)."""
    try:
        lines = list(_lines(source, key))
    except (zlib.error, json.JSONDecodeError):
        raise BackupError("the backup's contents are damaged") from None
    if not lines or "revision" not in lines[0] or "end" not in lines[-1]:
        raise BackupError("the backup is incomplete")
    return Loaded(lines[0], lines[1:-1], lines[-1]["end"])


def read(engine: Engine, source: Path, key: bytes) -> Summary:
    """Replace every row of the database with the backup's (see `load` and `replace`)."""
    return replace(engine, load(source, key))


def replace(engine: Engine, loaded: Loaded) -> Summary:
    """Replace every row of the database with the backup's, in one transaction: the file was
    decrypted and checked in full first, so a bad file changes nothing."""
    header = loaded.header
    tables = {table.name: table for table in metadata.sorted_tables}
    with engine.begin() as db:
        if header["revision"] != _revision(db):
            raise BackupError(
                f"the backup's schema ({header['revision']}) is not this version's"
                f" ({_revision(db)}): restore it with the release that made it"
            )
        for table in reversed(metadata.sorted_tables):
            db.execute(delete(table))
        for body in loaded.bodies:
            table = tables[body["table"]]
            decoders = [(c.name, _decoder(c)) for c in table.columns]
            db.execute(
                insert(table),
                [
                    {name: decode(v) for (name, decode), v in zip(decoders, row, strict=True)}
                    for row in body["rows"]
                ],
            )
        if engine.dialect.name == "postgresql":
            # Rows came with their ids: move each id sequence past them.
            for table in metadata.sorted_tables:
                keys = list(table.primary_key.columns)
                if (
                    len(keys) == 1
                    and isinstance(keys[0].type, Integer)
                    and keys[0].autoincrement in ("auto", True)
                ):
                    column = keys[0]
                    sequence = func.pg_get_serial_sequence(table.name, column.name)
                    top = func.max(column)
                    db.execute(
                        select(func.setval(sequence, func.coalesce(top, 1), top.is_not(None)))
                    )
    return loaded.summary()
