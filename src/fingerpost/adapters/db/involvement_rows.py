"""What every part of the involvements repository shares: the row, opened (docs/adr/0009)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fingerpost.adapters.crypto import Keyring, KeyShredded
from fingerpost.adapters.db.sealed import Opened, open_sealed
from fingerpost.domain.model import InvolvementKey, InvolvementTerms, Practitioner
from fingerpost.domain.vocabulary import InvolvementKind
from fingerpost.matching.candidates import Ranking
from fingerpost.service.records import StoredInvolvement

from .agencies import SqlAgencies
from .blocking import SqlBlockingIndex
from .statements import aware
from .tables import agencies, involvements

__all__ = ["PURGE_BATCH", "SELECT_INVOLVEMENT", "InvolvementRows", "contact_of", "terms_values"]


_INVOLVEMENT_COLUMNS = (
    involvements.c.id,
    involvements.c.public_id,
    agencies.c.code.label("agency_code"),
    involvements.c.kind,
    involvements.c.start_date,
    involvements.c.end_date,
    involvements.c.shielded,
    involvements.c.sealed,
    involvements.c.identity_digest,
    involvements.c.ages_out,
    involvements.c.expires_on,
    involvements.c.created_at,
    involvements.c.updated_at,
)
SELECT_INVOLVEMENT = select(*_INVOLVEMENT_COLUMNS).join_from(involvements, agencies)

# Rows a purge deletes per statement and per transaction.
PURGE_BATCH = 5000


def terms_values(terms: InvolvementTerms) -> dict[str, Any]:
    return {
        "kind": terms.kind.value,
        "start_date": terms.start_date,
        "end_date": terms.end_date,
    }


def contact_of(terms: InvolvementTerms) -> tuple[str, str, str, str]:
    person = terms.practitioner
    return (person.name, person.role, person.phone, person.email)


class InvolvementRows:
    """Involvements, their private fields sealed with the owning agency's data key. A row whose
    agency's key was destroyed (crypto-shredded) cannot be opened and is never returned."""

    def __init__(
        self,
        session: Session,
        agencies_repo: SqlAgencies,
        keyring: Keyring,
        *,
        ranking: Ranking = "shared",
    ) -> None:
        self._session = session
        self._ranking: Ranking = ranking
        self._agencies = agencies_repo
        self._keyring = keyring
        # public id → row id, for this unit of work: links and notifications refer to rows.
        self._internal: dict[str, int] = {}
        # Involvements reached for an enquiry, by public id: the driver's row and its sealed
        # fields opened, so that those kept are resolved without reading or opening them again.
        self._read_rows: dict[str, tuple[Any, ...]] = {}
        self._opened_rows: dict[str, Opened] = {}
        self._index = SqlBlockingIndex(session)

    def internal_id(self, public_id: str) -> int:
        if public_id not in self._internal:
            found = self._session.scalar(
                select(involvements.c.id).where(involvements.c.public_id == public_id)
            )
            if found is None:
                raise LookupError(public_id)
            self._internal[public_id] = int(found)
        return self._internal[public_id]

    def opened(self, agency: str, public_id: str, sealed: bytes) -> Opened | None:
        """The sealed fields, or None when the agency's key is destroyed."""
        try:
            return open_sealed(self._keyring, agency, public_id, sealed)
        except KeyShredded:
            return None

    def _open(self, row: Any) -> tuple[StoredInvolvement, Opened] | None:
        opened = self.opened(row.agency_code, row.public_id, row.sealed)
        if opened is None:
            return None
        return self._stored(row, opened), opened

    def _stored(self, row: Any, opened: Opened) -> StoredInvolvement:
        """The involvement of a row (SELECT_INVOLVEMENT's columns) with its sealed fields."""
        name, role, phone, email = opened.contact
        terms = InvolvementTerms(
            kind=InvolvementKind(row.kind),
            practitioner=Practitioner(name=name, role=role, phone=phone, email=email),
            start_date=row.start_date,
            end_date=row.end_date,
        )
        self._internal[row.public_id] = row.id
        return StoredInvolvement(
            id=row.public_id,
            key=InvolvementKey(row.agency_code, opened.local_ref, terms.kind),
            terms=terms,
            status=terms.status,
            shielded=bool(row.shielded),
            identity_digest=row.identity_digest,
            created_at=aware(row.created_at),
            updated_at=aware(row.updated_at),
            ages_out=row.ages_out,
            expires_on=row.expires_on,
        )

    def _stored_rows(self, rows: Iterable[Any]) -> list[StoredInvolvement]:
        return [found[0] for found in map(self._open, rows) if found is not None]

    def _one(self, public_id: str) -> StoredInvolvement:
        row = self._session.execute(
            SELECT_INVOLVEMENT.where(involvements.c.public_id == public_id)
        ).one()
        found = self._open(row)
        if found is None:
            raise LookupError(public_id)
        return found[0]

    def _hashes(self, agency: str, refs: Iterable[str]) -> list[str]:
        # Normally one key; during a rotation, rows may be under either version.
        keys = self._keyring.live(agency)
        return sorted({key.blind(ref) for key in keys for ref in refs})
