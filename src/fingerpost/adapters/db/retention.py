"""Involvements deleted (expiry, decommissioning, withdrawal) and sealed again (key rotation)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select, update

from fingerpost.adapters.crypto import sealed_version
from fingerpost.adapters.db.sealed import seal
from fingerpost.service.records import Purged

from .involvement_rows import PURGE_BATCH, SELECT_INVOLVEMENT, InvolvementRows
from .statements import MAX_KEYS_PER_STATEMENT, rowcount
from .tables import agencies, blocking_keys, involvements, links, notifications

__all__ = ["InvolvementRetention"]


class InvolvementRetention(InvolvementRows):
    def unreadable(self) -> dict[str, int]:
        """Involvements, by agency, sealed with a data key that no longer exists (rotated away
        or shredded since, e.g. rows brought back by restoring an older backup)."""
        live: dict[str, set[int]] = {}
        counts: dict[str, int] = {}
        query = select(agencies.c.code, involvements.c.sealed).join_from(involvements, agencies)
        for code, sealed in self._session.execute(query):
            if code not in live:
                live[code] = set(self._keyring.versions(code))
            if sealed_version(sealed) not in live[code]:
                counts[code] = counts.get(code, 0) + 1
        return counts

    def remove(self, involvement_id: str) -> Purged:
        purged = self._delete([self.internal_id(involvement_id)])
        self._internal.pop(involvement_id, None)
        return purged

    def _delete(self, internals: list[int]) -> Purged:
        """Delete involvements with everything that refers to them, counting what went.
        Explicit child deletes keep this correct even where foreign keys are not enforced."""
        purged = Purged()
        if not internals:
            return purged
        for table, column, counter in (
            (blocking_keys, blocking_keys.c.involvement_id, "blocking_keys"),
            (notifications, notifications.c.involvement_id, "notifications"),
            (notifications, notifications.c.source_involvement_id, "notifications"),
            (links, links.c.involvement_a, "links"),
            (links, links.c.involvement_b, "links"),
            (involvements, involvements.c.id, "involvements"),
        ):
            for start in range(0, len(internals), MAX_KEYS_PER_STATEMENT):
                chunk = internals[start : start + MAX_KEYS_PER_STATEMENT]
                result = self._session.execute(delete(table).where(column.in_(chunk)))
                setattr(purged, counter, getattr(purged, counter) + rowcount(result))
        return purged

    def purge_expired(self, today: date, *, limit: int = PURGE_BATCH) -> Purged:
        """Delete up to `limit` involvements whose expiry month has begun by `today`."""
        internals = self._session.scalars(
            select(involvements.c.id)
            .where(involvements.c.expires_on <= today)
            .order_by(involvements.c.id)
            .limit(limit)
        ).all()
        return self._delete(list(internals))

    def purge_agency(self, agency: str, *, limit: int = PURGE_BATCH) -> Purged:
        """Delete up to `limit` of the agency's involvements (decommissioning)."""
        internals = self._session.scalars(
            select(involvements.c.id)
            .join_from(involvements, agencies)
            .where(agencies.c.code == agency)
            .order_by(involvements.c.id)
            .limit(limit)
        ).all()
        return self._delete(list(internals))

    def reseal(self, agency: str, *, after: int = 0, limit: int = PURGE_BATCH) -> tuple[int, int]:
        """Seal up to `limit` of the agency's rows (from row id `after`) again with its newest
        data key. Returns (rows resealed, last row id)."""
        key = self._keyring.current(agency)
        rows = self._session.execute(
            SELECT_INVOLVEMENT.where(agencies.c.code == agency, involvements.c.id > after)
            .order_by(involvements.c.id)
            .limit(limit)
        ).all()
        last = after
        done = 0
        for row in rows:
            last = row.id
            opened = self.opened(agency, row.public_id, row.sealed)
            if opened is None or sealed_version(row.sealed) == key.version:
                continue
            ref_hash, sealed = seal(
                key, row.public_id, opened.local_ref, opened.contact, opened.identity
            )
            self._session.execute(
                update(involvements)
                .where(involvements.c.id == row.id)
                .values(ref_hash=ref_hash, sealed=sealed)
            )
            done += 1
        return done, last

    def count_expiring(self, by: date) -> int:
        query = select(func.count()).select_from(involvements)
        return self._session.scalar(query.where(involvements.c.expires_on <= by)) or 0
