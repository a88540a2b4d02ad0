"""What a snapshot sync reads and writes of an agency's involvements (`service/sync.py`).

Everything here works on the clear columns and the keyed `ref_hash`: deciding that a row is
unchanged, or which involvements a snapshot leaves out, never opens a sealed field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from fingerpost.adapters.crypto import Keyring
from fingerpost.adapters.db.tables import agencies, involvements
from fingerpost.service.records import EndingRow, HeldRow

__all__ = ["SqlSnapshots"]

T = TypeVar("T")
# Bound parameters per statement: well under SQLite's and PostgreSQL's limits.
_PER_STATEMENT = 4000

# A snapshot's hot path, one statement per batch of rows: the driver's own tuples (building
# SQLAlchemy rows, and rendering an expanded IN list, cost more than the index lookups), the
# references as one parameter (a JSON array read by SQLite's json_each; a PostgreSQL array).
_HELD = {
    "sqlite": "SELECT id, ref_hash, kind, end_date IS NULL, row_digest FROM involvements"
    " WHERE agency_id = ? AND ref_hash IN (SELECT value FROM json_each(?))",
    "postgresql": "SELECT id, ref_hash, kind, end_date IS NULL, row_digest FROM involvements"
    " WHERE agency_id = %s AND ref_hash = ANY(%s::text[])",
}
_ENDING = select(
    involvements.c.id,
    involvements.c.public_id,
    involvements.c.start_date,
    involvements.c.ages_out,
).where(involvements.c.id.in_(bindparam("ids", expanding=True)), involvements.c.end_date.is_(None))


def _slices(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _PER_STATEMENT):
        yield items[start : start + _PER_STATEMENT]


class SqlSnapshots:
    def __init__(self, session: Session, keyring: Keyring) -> None:
        self._session = session
        self._keyring = keyring
        self._agency_ids: dict[str, int] = {}

    def _agency_id(self, code: str) -> int | None:
        if code not in self._agency_ids:
            found = self._session.scalar(select(agencies.c.id).where(agencies.c.code == code))
            if found is None:
                return None
            self._agency_ids[code] = int(found)
        return self._agency_ids[code]

    def _rows_by_hash(
        self, agency: str, refs: Sequence[str]
    ) -> Iterator[tuple[str, tuple[int, str, str, bool, str | None]]]:
        """(local_ref, (row, ref_hash, kind, open, row digest)) for the agency's rows under
        `refs`."""
        agency_id = self._agency_id(agency)
        if agency_id is None or not refs:
            return
        # Normally one data key; during a rotation, rows may be under either version.
        ref_of = {key.blind(ref): ref for key in self._keyring.live(agency) for ref in set(refs)}
        sqlite = self._session.get_bind().dialect.name == "sqlite"
        statement = _HELD["sqlite" if sqlite else "postgresql"]
        connection = self._session.connection()
        for hashes in _slices(sorted(ref_of)):
            parameter = json.dumps(hashes) if sqlite else list(hashes)
            for row in connection.exec_driver_sql(statement, (agency_id, parameter)):
                yield ref_of[row[1]], (row[0], row[1], row[2], bool(row[3]), row[4])

    def held(
        self, agency: str, keys: Sequence[tuple[str, str]]
    ) -> tuple[list[HeldRow | None], set[str]]:
        found: dict[tuple[str, str], HeldRow] = {
            (ref, kind): HeldRow(row, is_open, digest)
            for ref, (row, _, kind, is_open, digest) in self._rows_by_hash(
                agency, [ref for ref, _ in keys]
            )
        }
        return [found.get(key) for key in keys], {ref for ref, _ in found}

    def with_refs(self, agency: str, refs: Sequence[str]) -> list[int]:
        return sorted({found[0] for _, found in self._rows_by_hash(agency, refs)})

    def open_rows(self, agency: str) -> list[int]:
        agency_id = self._agency_id(agency)
        if agency_id is None:
            return []
        return list(
            self._session.scalars(
                select(involvements.c.id).where(
                    involvements.c.agency_id == agency_id, involvements.c.end_date.is_(None)
                )
            )
        )

    def ending(self, rows: Sequence[int]) -> list[EndingRow]:
        found: list[EndingRow] = []
        for ids in _slices(sorted(rows)):
            found += [
                EndingRow(row.id, row.public_id, row.start_date, row.ages_out)
                for row in self._session.execute(_ENDING, {"ids": list(ids)})
            ]
        return found

    def end(self, ended: Sequence[tuple[int, date, date | None]]) -> None:
        if not ended:
            return
        statement = (
            update(involvements)
            .where(involvements.c.id == bindparam("row"))
            .values(
                end_date=bindparam("end"),
                expires_on=bindparam("expires"),
                row_digest=None,
                updated_at=datetime.now(UTC),
            )
        )
        self._session.connection().execute(
            statement, [{"row": row, "end": end, "expires": expires} for row, end, expires in ended]
        )

    def set_digests(self, digests: Sequence[tuple[str, str]]) -> None:
        if not digests:
            return
        statement = (
            update(involvements)
            .where(involvements.c.public_id == bindparam("public"))
            .values(row_digest=bindparam("digest"))
        )
        self._session.connection().execute(
            statement, [{"public": public_id, "digest": digest} for public_id, digest in digests]
        )
