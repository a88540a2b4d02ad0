"""The blocking index: which involvements each compound keyed key reaches, written and read.

The enquiry and registration hot path: statements built once, lists of numbers as one parameter
(a PostgreSQL array; a JSON array read by SQLite's json_each) rather than an expanded IN list,
whose rendering would cost more than the lookup, and rows as the driver's own tuples. Which of
the rows reached become candidates is decided in `matching.candidates`, not here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from .statements import MAX_KEYS_PER_STATEMENT, together
from .tables import blocking_keys

__all__ = ["SEALED_COLUMNS", "SqlBlockingIndex"]

# Tens of thousands of (key, row) pairs per registration batch: read as the driver's tuples,
# because building SQLAlchemy rows for them costs more than the index lookups themselves. The
# statement reads only the narrow index, so one serves a whole registration batch.
_REACHED = {
    "sqlite": "SELECT key, involvement_id FROM blocking_keys"
    " WHERE key IN (SELECT value FROM json_each(?))",
    "postgresql": "SELECT key, involvement_id FROM blocking_keys WHERE key = ANY(%s::bigint[])",
}
# The same, of other agencies' involvements only: register-time linkage (which scores every
# candidate present, so rows it cannot link need not be read at all) is spared the agency's own
# rows, which a nightly file's probes reach most (namesakes, siblings, its earlier rows).
_REACHED_ELSEWHERE = {
    "sqlite": "SELECT b.key, b.involvement_id FROM blocking_keys b"
    " JOIN involvements i ON i.id = b.involvement_id"
    " WHERE b.key IN (SELECT value FROM json_each(?))"
    " AND i.agency_id != (SELECT id FROM agencies WHERE code = ?)",
    "postgresql": "SELECT b.key, b.involvement_id FROM blocking_keys b"
    " JOIN involvements i ON i.id = b.involvement_id"
    " WHERE b.key = ANY(%s::bigint[])"
    " AND i.agency_id <> (SELECT id FROM agencies WHERE code = %s)",
}
# Involvements reached by any of a set of keys, counted up to a limit (the limit stops the scan).
_COUNT_REACHED = {
    "sqlite": "SELECT count(*) FROM (SELECT DISTINCT involvement_id FROM blocking_keys"
    " WHERE key IN (SELECT value FROM json_each(?)) LIMIT ?)",
    "postgresql": "SELECT count(*) FROM (SELECT DISTINCT involvement_id FROM blocking_keys"
    " WHERE key = ANY(%s::bigint[]) LIMIT %s) AS reached",
}
# How many involvements carry each of a few name tokens (docs/adr/0044): one index range each.
_COUNT_EACH = {
    "sqlite": "SELECT key, count(*) FROM blocking_keys"
    " WHERE key IN (SELECT value FROM json_each(?)) GROUP BY key",
    "postgresql": "SELECT key, count(*) FROM blocking_keys WHERE key = ANY(%s::bigint[])"
    " GROUP BY key",
}
# What scoring needs of each involvement reached: its sealed fields (and what opens them); and,
# in the same round trip, the rest of the row, which the few kept for a signpost need
# (`InvolvementReach.resolve`): a statement more for those cost more than the columns.
SEALED_COLUMNS = (
    "id, public_id, agency_code, sealed, kind, start_date, end_date, shielded, identity_digest,"
    " ages_out, expires_on, created_at, updated_at"
)
_SEALED = {
    "sqlite": "SELECT i.id, i.public_id, a.code, i.sealed, i.kind, i.start_date, i.end_date,"
    " i.shielded, i.identity_digest, i.ages_out, i.expires_on, i.created_at, i.updated_at"
    " FROM involvements i JOIN agencies a ON a.id = i.agency_id"
    " WHERE i.id IN (SELECT value FROM json_each(?)) AND a.code != ?",
    "postgresql": "SELECT i.id, i.public_id, a.code, i.sealed, i.kind, i.start_date, i.end_date,"
    " i.shielded, i.identity_digest, i.ages_out, i.expires_on, i.created_at, i.updated_at"
    " FROM involvements i JOIN agencies a ON a.id = i.agency_id"
    " WHERE i.id = ANY(%s::integer[]) AND a.code <> %s",
}
# SQLite: a batch's keys as one JSON document, [[row id, key, key, ...], ...], spread into
# (key, row id) pairs and sorted by SQLite itself: building, sorting and binding a Python tuple
# per key cost more than the insert (docs/adr/0040). In key order, the random keys reach the
# index's pages in order, each page once per batch, instead of jumping about the tree.
_INSERT_KEYS = (
    "INSERT INTO blocking_keys (key, involvement_id)"
    " SELECT k.value, json_extract(r.value, '$[0]') FROM json_each(?) r, json_each(r.value) k"
    " WHERE k.key > 0 ORDER BY 1, 2"
)
# PostgreSQL: COPY, one stream instead of a round trip per few hundred rows.
_COPY_KEYS = "COPY blocking_keys (key, involvement_id) FROM STDIN"


class SqlBlockingIndex:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._dialect = session.get_bind().dialect.name

    def insert(self, rows: Sequence[tuple[int, Iterable[int]]]) -> None:
        """Each row id with its keys (about twenty per involvement), handed to the driver
        without SQLAlchemy, whose parameters for each pair would cost more than the insert."""
        if self._dialect == "postgresql":
            index = sorted((key, internal) for internal, keys in rows for key in keys)
            if not index:
                return
            cursor = self._session.connection().connection.cursor()
            try:
                with cursor.copy(_COPY_KEYS) as copy:
                    for row in index:
                        copy.write_row(row)
            finally:
                cursor.close()
            return
        document = ",".join(
            f"[{internal},{','.join(map(str, keys))}]" for internal, keys in rows if keys
        )
        if document:
            self._driver_rows(_INSERT_KEYS, f"[{document}]")

    def replace(self, internal: int, keys: Iterable[int]) -> None:
        """The row's keys, after its child's details changed."""
        self._session.execute(
            delete(blocking_keys).where(blocking_keys.c.involvement_id == internal)
        )
        self.insert([(internal, list(keys))])

    def hits(
        self, keys: list[int], *, elsewhere: str | None = None, counted: Iterable[int] = ()
    ) -> tuple[dict[int, list[int]], dict[int, int]]:
        """Probe key → row ids of the involvements it reaches (of every agency; with
        `elsewhere`, of every agency but that one); and `count_each(counted)`, asked in the same
        round trip as the first keys: an enquiry's name counts (docs/adr/0044) cost no wait of
        their own on PostgreSQL."""
        found: dict[int, list[int]] = {}
        statement = (_REACHED if elsewhere is None else _REACHED_ELSEWHERE)[self._dialect]
        more = () if elsewhere is None else (elsewhere,)
        tokens = sorted(set(counted))
        counts: dict[int, int] = {}
        for start in range(0, max(len(keys), 1 if tokens else 0), MAX_KEYS_PER_STATEMENT):
            sent = [(statement, (self._list(keys[start : start + MAX_KEYS_PER_STATEMENT]), *more))]
            if start == 0 and tokens:  # a few index ranges, beside the look-up
                sent.append((_COUNT_EACH[self._dialect], (self._list(tokens),)))
            reached, *counted_rows = together(self._session, sent)
            for key, internal in reached:
                found.setdefault(key, []).append(internal)
            for rows in counted_rows:
                counts.update((int(key), int(count)) for key, count in rows)
        return found, counts

    def sealed_rows(self, ids: list[int], exclude_agency: str) -> Iterator[tuple[Any, ...]]:
        """Each involvement in `ids` not of that agency, as the driver's tuple of
        `SEALED_COLUMNS`: (row id, public id, agency, sealed, then the rest of the row)."""
        for start in range(0, len(ids), MAX_KEYS_PER_STATEMENT):
            chunk = self._list(ids[start : start + MAX_KEYS_PER_STATEMENT])
            yield from self._driver_rows(_SEALED[self._dialect], chunk, exclude_agency)

    def count_reached(self, keys: Iterable[int], *, up_to: int) -> int:
        wanted = sorted(set(keys))
        if not wanted or up_to <= 0:
            return 0
        # Keys are a handful (a name's forms under two or thirty years): one statement.
        ((count,),) = self._driver_rows(_COUNT_REACHED[self._dialect], self._list(wanted), up_to)
        return int(count)

    def count_each(self, keys: Iterable[int]) -> dict[int, int]:
        """Key → how many involvements it is indexed under; keys under none are left out."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = self._driver_rows(_COUNT_EACH[self._dialect], self._list(wanted))
        return {int(key): int(count) for key, count in rows}

    def refresh_statistics(self) -> None:
        # PostgreSQL plans `key = ANY(...)` from its statistics: right after a bulk load they
        # describe an emptier table until autovacuum's analyse comes round, and enquiries made
        # meanwhile may be planned as scans (a tenth of them took 150-270 ms after a 100,000-row
        # load). SQLite's plans come from the indexes alone (no ANALYZE is ever run): nothing to do.
        if self._dialect == "postgresql":
            self._session.execute(text("ANALYZE blocking_keys"))
            self._session.execute(text("ANALYZE involvements"))

    def _list(self, values: list[int]) -> str:
        """Numbers as one parameter: SQLite's JSON array; PostgreSQL's array literal, read by
        the server's `::bigint[]` — psycopg's own list adapter spent more on a few hundred keys
        than the look-up took on the server (0.34 ms of CPU for 500, docs/adr/0043)."""
        if self._dialect == "sqlite":
            return json.dumps(values)
        return "{" + ",".join(map(str, values)) + "}"

    def _driver_rows(self, statement: str, *parameters: object) -> list[tuple[Any, ...]]:
        """One statement on the unit of work's own connection (its transaction), as tuples."""
        cursor = self._session.connection().connection.cursor()
        try:
            cursor.execute(statement, parameters)
            return list(cursor.fetchall())
        finally:
            cursor.close()
