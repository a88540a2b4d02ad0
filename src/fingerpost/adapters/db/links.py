"""Links between two agencies' involvements of one child."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .involvements import SqlInvolvements
from .statements import MAX_KEYS_PER_STATEMENT, insert_many, utc_now
from .tables import links

__all__ = ["SqlLinks"]


class SqlLinks:
    def __init__(self, session: Session, involvements_repo: SqlInvolvements) -> None:
        self._session = session
        self._involvements = involvements_repo

    def add(self, a: str, b: str, confidence: str) -> bool:
        return self.add_many([(a, b, confidence)])[0]

    def add_many(self, pairs: Sequence[tuple[str, str, str]]) -> list[bool]:
        internal = self._involvements.internal_id
        # Stored once per pair, in a canonical order.
        ordered: list[tuple[int, int, str]] = []
        for a, b, confidence in pairs:
            first, second = sorted((internal(a), internal(b)))
            ordered.append((first, second, confidence))
        firsts = sorted({first for first, _, _ in ordered})
        known: set[tuple[int, int]] = set()
        for start in range(0, len(firsts), MAX_KEYS_PER_STATEMENT):
            chunk = firsts[start : start + MAX_KEYS_PER_STATEMENT]
            known.update(
                (row.involvement_a, row.involvement_b)
                for row in self._session.execute(
                    select(links.c.involvement_a, links.c.involvement_b).where(
                        links.c.involvement_a.in_(chunk)
                    )
                )
            )
        added: list[bool] = []
        rows: list[dict[str, Any]] = []
        now = utc_now()
        for first, second, confidence in ordered:
            new = (first, second) not in known
            added.append(new)
            if new:
                known.add((first, second))
                rows.append(
                    {
                        "involvement_a": first,
                        "involvement_b": second,
                        "confidence": confidence,
                        "created_at": now,
                    }
                )
        if rows:
            insert_many(self._session, links, rows)
        return added
