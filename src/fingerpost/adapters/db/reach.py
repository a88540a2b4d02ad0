"""Involvements reached through the blocking index, opened for scoring (docs/adr/0013)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Dialect

from fingerpost.domain.model import Agency
from fingerpost.matching.candidates import choose
from fingerpost.matching.encode import EncodedIdentity
from fingerpost.service.records import Candidate, Reached

from .blocking import SEALED_COLUMNS
from .involvement_rows import SELECT_INVOLVEMENT, InvolvementRows
from .statements import MAX_KEYS_PER_STATEMENT
from .tables import involvements

__all__ = ["InvolvementReach"]

# An involvement as the blocking index's read hands it over (the driver's own values), named as
# SELECT_INVOLVEMENT's rows are.
SealedRow = namedtuple("SealedRow", SEALED_COLUMNS)  # type: ignore[misc]
_FIELDS: tuple[str, ...] = tuple(SEALED_COLUMNS.replace(" ", "").split(","))


def _typed(dialect: Dialect) -> Callable[[tuple[Any, ...]], Any]:
    """The driver's values of a `SealedRow` as SQLAlchemy's column types read them (SQLite
    hands dates and flags back as text and numbers)."""
    processors = []
    for index, name in enumerate(_FIELDS):
        if name in involvements.c:
            kind = involvements.c[name].type.dialect_impl(dialect)
            if (process := kind.result_processor(dialect, None)) is not None:
                processors.append((index, process))

    def typed(values: tuple[Any, ...]) -> Any:
        row = list(values)
        for index, process in processors:
            row[index] = process(row[index])
        return SealedRow(*row)

    return typed


class InvolvementReach(InvolvementRows):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Name tokens counted beside a look-up (`counted`), for `count_each` in the same unit
        # of work: the tokens asked, and the counts of those any involvement carries.
        self._asked: set[int] = set()
        self._counts: dict[int, int] = {}

    def candidates(
        self,
        probe_keys: Iterable[int],
        exclude_agency: str,
        *,
        most: int | None = None,
        counted: Iterable[int] = (),
    ) -> list[Reached]:
        return self.candidates_many([probe_keys], exclude_agency, most=most, counted=counted)[0]

    def candidates_many(
        self,
        probes: Sequence[Iterable[int]],
        exclude_agency: str,
        *,
        at_least: int = 1,
        anchors: Sequence[Iterable[int]] = (),
        most: int | None = None,
        counted: Iterable[int] = (),
    ) -> list[list[Reached]]:
        """`candidates` for each probe, with as few statements as the parameter limit allows.
        Only the involvements kept are opened, and only their sealed fields. The `counted`
        tokens are counted in the look-up's round trip, for `count_each` to answer."""
        wanted = [frozenset(keys) for keys in probes]
        # Every present row sharing enough keys is kept (no `most`): rows of the excluded agency
        # can never be, so the index is not asked for them. With `most`, every row reached
        # counts in the ranking (how rare a key is), so all are read.
        elsewhere = exclude_agency if most is None else None
        keys = sorted(set().union(*wanted)) if wanted else []
        tokens = set(counted)
        hits, counts = self._index.hits(keys, elsewhere=elsewhere, counted=tokens)
        self._asked |= tokens
        self._counts.update(counts)
        sealed: dict[int, tuple[str, str, bytes]] = {}  # row id → (public id, agency, sealed)
        tried: set[int] = set()
        # An enquiry's few rows (`most`) are kept whole for `resolve`; a registration batch's
        # thousands are not held twice.
        keep = most is not None

        def present(ids: Sequence[int]) -> set[int]:
            todo = sorted(set(ids) - tried)
            tried.update(todo)
            for row in self._index.sealed_rows(todo, exclude_agency):
                internal, public_id, code, fields = row[:4]
                sealed[internal] = (public_id, code, bytes(fields))
                if keep:
                    self._read_rows[public_id] = row
            return {i for i in ids if i in sealed}

        anchored = [frozenset(keys) for keys in anchors]
        kept = choose(
            wanted,
            hits,
            present,
            at_least=at_least,
            anchors=anchored,
            most=most,
            ranking=self._ranking,
        )
        self._agencies.load(sealed[i][1] for row_ids in kept for i in row_ids)
        opened: dict[int, Reached | None] = {}
        results = []
        for row_ids in kept:  # in row-id order
            for i in row_ids:
                if i not in opened:
                    opened[i] = self._reached(i, *sealed[i])
            results.append([one for i in row_ids if (one := opened[i]) is not None])
        return results

    def count_indexed(self, keys: Iterable[int], *, up_to: int) -> int:
        return self._index.count_reached(keys, up_to=up_to)

    def count_each(self, keys: Iterable[int]) -> dict[int, int]:
        wanted = set(keys)
        if wanted <= self._asked:  # counted with the look-up, in this transaction
            return {key: self._counts[key] for key in wanted if key in self._counts}
        return self._index.count_each(wanted)

    def refresh_statistics(self) -> None:
        self._index.refresh_statistics()

    def _reached(self, internal: int, public_id: str, code: str, fields: bytes) -> Reached | None:
        opened = self.opened(code, public_id, fields)
        if opened is None:
            return None
        self._internal[public_id] = internal
        if public_id in self._read_rows:
            self._opened_rows[public_id] = opened
        return Reached(
            involvement_id=public_id,
            identity=EncodedIdentity.from_stored(opened.identity),
            agency=self._agency_of(code),
        )

    def resolve(self, reached: Sequence[Reached]) -> dict[str, Candidate]:
        of = {r.involvement_id: r for r in reached}
        found: dict[str, Candidate] = {}
        typed = None
        for public_id, one in of.items():  # read with their sealed fields: no statement
            if public_id in self._read_rows and public_id in self._opened_rows:
                typed = typed or _typed(self._session.get_bind().dialect)
                row = typed(self._read_rows[public_id])
                stored = self._stored(row, self._opened_rows[public_id])
                found[public_id] = Candidate(stored, one.agency)
        ids = sorted(set(of) - found.keys())
        for start in range(0, len(ids), MAX_KEYS_PER_STATEMENT):
            chunk = ids[start : start + MAX_KEYS_PER_STATEMENT]
            query = SELECT_INVOLVEMENT.where(involvements.c.public_id.in_(chunk))
            for row in self._session.execute(query):
                opened = self._open(row)
                if opened is not None:
                    one = of[row.public_id]
                    found[row.public_id] = Candidate(opened[0], one.agency)
        return found

    def _agency_of(self, code: str) -> Agency:
        agency = self._agencies.get(code)
        if agency is None:  # the involvement's own agency: read in the same transaction
            raise LookupError(code)
        return agency
