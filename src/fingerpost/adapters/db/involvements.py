"""Involvements: read by key, added, updated (docs/adr/0009 for what is sealed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update

from fingerpost.adapters.crypto import DataKey
from fingerpost.adapters.db.sealed import seal
from fingerpost.domain.ids import new_id
from fingerpost.domain.model import InvolvementKey, InvolvementTerms
from fingerpost.matching import frequency
from fingerpost.matching.encode import EncodedIdentity
from fingerpost.service.records import NewInvolvement, StoredInvolvement

from .involvement_rows import PURGE_BATCH, SELECT_INVOLVEMENT, contact_of, terms_values
from .reach import InvolvementReach
from .retention import InvolvementRetention
from .statements import MAX_KEYS_PER_STATEMENT, insert_many, utc_now
from .tables import agencies, involvements

__all__ = ["PURGE_BATCH", "SqlInvolvements"]

_BY_KEYS = SELECT_INVOLVEMENT.where(
    agencies.c.code == bindparam("agency"),
    involvements.c.ref_hash.in_(bindparam("hashes", expanding=True)),
)


def _indexed(identity: EncodedIdentity) -> frozenset[int]:
    """An involvement's blocking keys and its name tokens, which the index counts and no probe
    asks for (docs/adr/0044)."""
    return identity.blocking_keys | frequency.tokens(identity)


class SqlInvolvements(InvolvementRetention, InvolvementReach):
    """Involvements, their private fields sealed with the owning agency's data key. A row whose
    agency's key was destroyed (crypto-shredded) cannot be opened and is never returned."""

    def by_key(self, key: InvolvementKey) -> StoredInvolvement | None:
        return self.by_keys([key]).get(key)

    def by_keys(self, keys: Sequence[InvolvementKey]) -> dict[InvolvementKey, StoredInvolvement]:
        found: dict[InvolvementKey, StoredInvolvement] = {}
        for agency in {key.agency for key in keys}:
            hashes = self._hashes(agency, {key.local_ref for key in keys if key.agency == agency})
            for start in range(0, len(hashes), MAX_KEYS_PER_STATEMENT):
                params = {
                    "agency": agency,
                    "hashes": hashes[start : start + MAX_KEYS_PER_STATEMENT],
                }
                for stored in self._stored_rows(self._session.execute(_BY_KEYS, params)):
                    found[stored.key] = stored
        wanted = set(keys)
        return {key: stored for key, stored in found.items() if key in wanted}

    def get(self, agency: str, involvement_id: str) -> StoredInvolvement | None:
        row = self._session.execute(
            SELECT_INVOLVEMENT.where(
                involvements.c.public_id == involvement_id, agencies.c.code == agency
            )
        ).first()
        found = self._open(row) if row else None
        return found[0] if found else None

    def add(self, item: NewInvolvement) -> StoredInvolvement:
        return self.add_many([item])[0]

    def add_many(self, items: Sequence[NewInvolvement]) -> list[StoredInvolvement]:
        """Insert many involvements and their blocking keys in two statements."""
        if not items:
            return []
        now = utc_now()
        data_keys: dict[str, DataKey] = {}
        values = [self._row_values(item, now, data_keys) for item in items]
        # One executemany, then the row ids in one read: RETURNING with the rows' order kept
        # makes SQLAlchemy insert SQLite rows one statement at a time.
        insert_many(self._session, involvements, values)
        internals = self._ids_of([row["public_id"] for row in values])
        index: list[tuple[int, frozenset[int]]] = []
        stored = []
        for item, row, internal in zip(items, values, internals, strict=True):
            self._internal[row["public_id"]] = internal
            index.append((internal, _indexed(item.identity)))
            stored.append(
                StoredInvolvement(
                    id=row["public_id"],
                    key=item.key,
                    terms=item.terms,
                    status=item.terms.status,
                    shielded=False,
                    identity_digest=item.digest,
                    created_at=now,
                    updated_at=now,
                    ages_out=item.ages_out,
                    expires_on=item.expires_on,
                )
            )
        self._index.insert(index)
        return stored

    def _row_values(
        self, item: NewInvolvement, now: datetime, data_keys: dict[str, DataKey]
    ) -> dict[str, Any]:
        """One new involvement's columns, sealed under its agency's current data key (read once
        a batch, into `data_keys`)."""
        agency = item.key.agency
        agency_id = self._agencies.id_of(agency)
        if agency_id is None:
            raise LookupError(agency)
        if agency not in data_keys:
            data_keys[agency] = self._keyring.current(agency)
        public_id = new_id()
        ref_hash, sealed = seal(
            data_keys[agency],
            public_id,
            item.key.local_ref,
            contact_of(item.terms),
            item.identity.to_stored(),
        )
        return {
            "public_id": public_id,
            "agency_id": agency_id,
            "ref_hash": ref_hash,
            "sealed": sealed,
            "shielded": False,
            "identity_digest": item.digest,
            "row_digest": item.row_digest,
            "ages_out": item.ages_out,
            "expires_on": item.expires_on,
            "created_at": now,
            "updated_at": now,
            **terms_values(item.terms),
        }

    def _ids_of(self, public_ids: list[str]) -> list[int]:
        found: dict[str, int] = {}
        for start in range(0, len(public_ids), MAX_KEYS_PER_STATEMENT):
            chunk = public_ids[start : start + MAX_KEYS_PER_STATEMENT]
            query = select(involvements.c.public_id, involvements.c.id).where(
                involvements.c.public_id.in_(chunk)
            )
            found.update(
                (public_id, internal) for public_id, internal in self._session.execute(query)
            )
        return [found[public_id] for public_id in public_ids]

    def update(
        self,
        involvement_id: str,
        terms: InvolvementTerms,
        identity: EncodedIdentity | None = None,
        digest: str | None = None,
        *,
        ages_out: date | None,
        expires_on: date | None,
        row_digest: str | None = None,
    ) -> StoredInvolvement:
        internal = self.internal_id(involvement_id)
        self._read_rows.pop(involvement_id, None)  # no longer as read
        row = self._session.execute(SELECT_INVOLVEMENT.where(involvements.c.id == internal)).one()
        found = self._open(row)
        if found is None:
            raise LookupError(involvement_id)
        current, opened = found
        values: dict[str, Any] = {
            **terms_values(terms),
            "ages_out": ages_out,
            "expires_on": expires_on,
            "updated_at": utc_now(),
            # A snapshot's digest of the row as now sent; none: the old one no longer describes it
            "row_digest": row_digest,
        }
        stored_identity = opened.identity
        if identity is not None and digest is not None:
            stored_identity = identity.to_stored()
            values["identity_digest"] = digest
            self._index.replace(internal, _indexed(identity))
        values["ref_hash"], values["sealed"] = seal(
            self._keyring.current(current.key.agency),
            involvement_id,
            current.key.local_ref,
            contact_of(terms),
            stored_identity,
        )
        self._session.execute(
            update(involvements).where(involvements.c.id == internal).values(values)
        )
        return self._one(involvement_id)

    def set_shielded(self, involvement_id: str, shielded: bool) -> None:
        self._read_rows.pop(involvement_id, None)  # no longer as read
        self._session.execute(
            update(involvements)
            .where(involvements.c.public_id == involvement_id)
            .values(shielded=shielded, updated_at=utc_now())
        )

    def for_agency(
        self, agency: str, *, local_ref: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[StoredInvolvement]:
        query = SELECT_INVOLVEMENT.where(agencies.c.code == agency)
        if local_ref is not None:
            query = query.where(involvements.c.ref_hash.in_(self._hashes(agency, [local_ref])))
        query = query.order_by(involvements.c.id).limit(limit).offset(offset)
        return self._stored_rows(self._session.execute(query))

    def count(self, agency: str | None = None) -> int:
        query = select(func.count()).select_from(involvements)
        if agency is not None:
            query = query.join(agencies).where(agencies.c.code == agency)
        return self._session.scalar(query) or 0

    def count_after(self, row_id: int) -> tuple[int, int]:
        query = select(func.max(involvements.c.id), func.count()).where(involvements.c.id > row_id)
        newest, count = self._session.execute(query).one()
        return (int(newest) if newest is not None else row_id), int(count)

    def sample(self, size: int) -> list[tuple[str, EncodedIdentity]]:
        query = (
            select(agencies.c.code, involvements.c.public_id, involvements.c.sealed)
            .join_from(involvements, agencies)
            .order_by(func.random())
            .limit(size)
        )
        found = []
        for row in self._session.execute(query):
            opened = self.opened(row.code, row.public_id, row.sealed)
            if opened is not None:
                found.append((row.code, EncodedIdentity.from_stored(opened.identity)))
        return found
