"""SQL implementations of the service ports. They run statements; the unit of work commits."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    CursorResult,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from fingerpost.adapters.crypto import DataKey, Keyring, KeyShredded, sealed_version
from fingerpost.adapters.db.sealed import Opened, open_about, open_sealed, seal, seal_about
from fingerpost.audit.events import (
    AuditAction,
    AuditEvent,
    Checkpoint,
    DamagedCheckpoint,
    leaf_for,
)
from fingerpost.audit.merkle import Frontier
from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.hours import OfficeHours
from fingerpost.domain.ids import new_id
from fingerpost.domain.model import Agency, InvolvementKey, InvolvementTerms, Practitioner
from fingerpost.domain.vocabulary import AgencyKind, InvolvementKind
from fingerpost.matching.encode import EncodedIdentity
from fingerpost.service.records import (
    Candidate,
    NewInvolvement,
    Notification,
    Outgoing,
    Purged,
    Reached,
    Review,
    StoredInvolvement,
    User,
)

from .tables import (
    agencies,
    audit_checkpoints,
    audit_events,
    blocking_keys,
    involvements,
    links,
    match_models,
    notifications,
    practitioners,
    reviews,
)

__all__ = [
    "SqlAgencies",
    "SqlAuditLog",
    "SqlInvolvements",
    "SqlLinks",
    "SqlModels",
    "SqlNotifications",
    "SqlPractitioners",
    "SqlReviews",
]


def _insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """An INSERT of many rows (each with the same keys) as the driver's own executemany, with
    each column's bind processing and scalar default: SQLAlchemy's building of parameters row by
    row costs more than SQLite's insert itself, and registration inserts several rows per row."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    given = list(rows[0])
    defaults = {
        column.name: column.default.arg
        for column in table.columns
        if column.name not in rows[0] and isinstance(column.default, ScalarElementColumnDefault)
    }
    names = [*given, *defaults]
    process = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    # Names from the schema, never from input; every value is bound.
    columns, marks = ", ".join(map(quote, names)), ", ".join([mark] * len(names))
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
    fill = tuple(defaults.values())
    params = [tuple(row[name] for name in given) + fill for row in rows]
    if any(process):
        params = [
            tuple(value if p is None else p(value) for p, value in zip(process, row, strict=True))
            for row in params
        ]
    connection.exec_driver_sql(sql, params)


def _now() -> datetime:
    return datetime.now(UTC)


def _rowcount(result: Any) -> int:
    """Rows a DELETE touched (a CursorResult's count; Session.execute types it as Result)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _aware(moment: datetime) -> datetime:
    # Everything is stored in UTC: SQLite hands back naive datetimes, PostgreSQL converts to the
    # session's time zone. Hashes and signatures depend on one canonical form.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


_AGENCY_FIELDS = (
    "code",
    "name",
    "authority_area",
    "kind",
    "duty_phone",
    "duty_email",
    "out_of_hours_phone",
    "out_of_hours_name",
)


def _agency(row: Any) -> Agency:
    values = row._mapping
    fields = {name: values[name] for name in _AGENCY_FIELDS}
    return Agency(
        **{**fields, "kind": AgencyKind(fields["kind"])},
        office_hours=OfficeHours.parse(values["office_hours"]),
    )


def _shared_keys(
    keys: frozenset[int], anchor: frozenset[int], hits: dict[int, list[int]], at_least: int
) -> Counter[int]:
    """Row id → how many of `keys` reach it; with `at_least` > 1, only the rows reached that
    often or through an `anchor` key."""
    shared = Counter(i for key in keys for i in hits.get(key, ()))
    if at_least <= 1:
        return shared
    anchored = {i for key in anchor for i in hits.get(key, ())}
    return Counter({i: n for i, n in shared.items() if n >= at_least or i in anchored})


class _SealedReader:
    """The sealed fields of involvements reached, read once each by `rows_of` (which leaves out
    the enquirer's own agency)."""

    def __init__(self, rows_of: Callable[[list[int]], Iterable[tuple[Any, ...]]]) -> None:
        self._rows_of = rows_of
        self._tried: set[int] = set()
        self.sealed: dict[int, tuple[str, str, bytes]] = {}  # row id → (public id, agency, sealed)

    def read(self, ids: Iterable[int]) -> None:
        todo = sorted(set(ids) - self._tried)
        self._tried.update(todo)
        for internal, public_id, code, fields in self._rows_of(todo):
            self.sealed[internal] = (public_id, code, bytes(fields))

    def best(self, shared: Counter[int], most: int) -> list[int]:
        """The `most` rows sharing the most keys (a true match shares many), read a slice at a
        time in that order: the excluded agency's rows rank high too, and the rest of a large
        register need never be read at all."""
        ranked = sorted(shared, key=lambda i: (-shared[i], i))
        present: list[int] = []
        start = 0
        while len(present) < most and start < len(ranked):
            take = ranked[start : start + most - len(present) + _MARGIN]
            start += len(take)
            self.read(take)
            present += [i for i in take if i in self.sealed]
        return present[:most]


class SqlAgencies:
    """Agencies, each read at most once per unit of work: an enquiry meets a handful of them
    through dozens of candidates, and a statement costs more than the matching of several."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._ids: dict[str, int] = {}
        # code → (agency, decommissioned at), or None for a code with no agency
        self._read: dict[str, tuple[Agency, datetime | None] | None] = {}

    def id_of(self, code: str) -> int | None:
        if code not in self._ids:
            found = self._session.scalar(select(agencies.c.id).where(agencies.c.code == code))
            if found is None:
                return None
            self._ids[code] = found
        return self._ids[code]

    def load(self, codes: Iterable[str]) -> None:
        """Read, in one statement, the agencies of `codes` this unit of work has not read."""
        missing = sorted(set(codes) - self._read.keys())
        if not missing:
            return
        found = {
            row.code: row
            for row in self._session.execute(select(agencies).where(agencies.c.code.in_(missing)))
        }
        for code in missing:
            row = found.get(code)
            left = _aware(row.decommissioned_at) if row and row.decommissioned_at else None
            self._read[code] = (_agency(row), left) if row else None
            if row:
                self._ids[code] = row.id

    def _one(self, code: str) -> tuple[Agency, datetime | None] | None:
        if code not in self._read:  # asked once per candidate: the common case is a hit
            self.load([code])
        return self._read[code]

    def get(self, code: str) -> Agency | None:
        found = self._one(code)
        return found[0] if found else None

    def upsert(self, agency: Agency) -> bool:
        values = {
            "name": agency.name,
            "authority_area": agency.authority_area,
            "kind": agency.kind.value,
            "duty_phone": agency.duty_phone,
            "duty_email": agency.duty_email,
            "out_of_hours_phone": agency.out_of_hours_phone,
            "out_of_hours_name": agency.out_of_hours_name,
            "office_hours": str(agency.office_hours),
            "updated_at": _now(),
        }
        self._read.pop(agency.code, None)
        if self.id_of(agency.code) is None:
            self._session.execute(
                insert(agencies).values(code=agency.code, created_at=_now(), **values)
            )
            return True
        self._session.execute(
            update(agencies).where(agencies.c.code == agency.code).values(**values)
        )
        return False

    def all(self) -> list[Agency]:
        return [
            _agency(r) for r in self._session.execute(select(agencies).order_by(agencies.c.code))
        ]

    def decommissioned(self, code: str) -> datetime | None:
        found = self._one(code)
        return found[1] if found else None

    def mark_decommissioned(self, code: str, at: datetime) -> None:
        self._read.pop(code, None)
        self._session.execute(
            update(agencies).where(agencies.c.code == code).values(decommissioned_at=at)
        )


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
_SELECT_INVOLVEMENT = select(*_INVOLVEMENT_COLUMNS).join_from(involvements, agencies)

# The enquiry and registration hot path: two statements, built once. Lists of numbers travel
# as one parameter (a PostgreSQL array; a JSON array read by SQLite's json_each) rather than an
# expanded IN list, whose rendering would cost more than the lookup. The first statement reads
# only the narrow index (which probe key reached which involvement), so one pair serves a whole
# registration batch; the second reads each involvement reached once.


# Tens of thousands of (key, row) pairs per registration batch: read as the driver's tuples,
# because building SQLAlchemy rows for them costs more than the index lookups themselves.
_REACHED = {
    "sqlite": "SELECT key, involvement_id FROM blocking_keys"
    " WHERE key IN (SELECT value FROM json_each(?))",
    "postgresql": "SELECT key, involvement_id FROM blocking_keys WHERE key = ANY(%s::bigint[])",
}
# Involvements reached by any of a set of keys, counted up to a limit (the limit stops the scan).
_COUNT_REACHED = {
    "sqlite": "SELECT count(*) FROM (SELECT DISTINCT involvement_id FROM blocking_keys"
    " WHERE key IN (SELECT value FROM json_each(?)) LIMIT ?)",
    "postgresql": "SELECT count(*) FROM (SELECT DISTINCT involvement_id FROM blocking_keys"
    " WHERE key = ANY(%s::bigint[]) LIMIT %s) AS reached",
}
# What scoring needs of each involvement reached: its sealed fields (and what opens them).
_SEALED = {
    "sqlite": "SELECT i.id, i.public_id, a.code, i.sealed FROM involvements i"
    " JOIN agencies a ON a.id = i.agency_id"
    " WHERE i.id IN (SELECT value FROM json_each(?)) AND a.code != ?",
    "postgresql": "SELECT i.id, i.public_id, a.code, i.sealed FROM involvements i"
    " JOIN agencies a ON a.id = i.agency_id WHERE i.id = ANY(%s::integer[]) AND a.code <> %s",
}
# The rows go to the driver untouched: SQLite's executemany, PostgreSQL's COPY.
_INSERT_KEYS = "INSERT INTO blocking_keys (key, involvement_id) VALUES (?, ?)"
_COPY_KEYS = "COPY blocking_keys (key, involvement_id) FROM STDIN"
# Extra candidates read with each slice of a capped lookup, for those the read leaves out.
_MARGIN = 16
# Bound parameters per candidate statement: well under SQLite's and PostgreSQL's limits.
_MAX_KEYS_PER_STATEMENT = 4000
_BY_KEYS = _SELECT_INVOLVEMENT.where(
    agencies.c.code == bindparam("agency"),
    involvements.c.ref_hash.in_(bindparam("hashes", expanding=True)),
)
# Rows a purge deletes per statement and per transaction.
PURGE_BATCH = 5000


def _terms_values(terms: InvolvementTerms) -> dict[str, Any]:
    return {
        "kind": terms.kind.value,
        "start_date": terms.start_date,
        "end_date": terms.end_date,
    }


def _contact(terms: InvolvementTerms) -> tuple[str, str, str, str]:
    person = terms.practitioner
    return (person.name, person.role, person.phone, person.email)


class SqlInvolvements:
    """Involvements, their private fields sealed with the owning agency's data key. A row whose
    agency's key was destroyed (crypto-shredded) cannot be opened and is never returned."""

    def __init__(self, session: Session, agencies_repo: SqlAgencies, keyring: Keyring) -> None:
        self._session = session
        self._agencies = agencies_repo
        self._keyring = keyring
        # public id → row id, for this unit of work: links and notifications refer to rows.
        self._internal: dict[str, int] = {}
        self._dialect = session.get_bind().dialect.name

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

    def _open(self, row: Any) -> tuple[StoredInvolvement, Opened] | None:
        opened = self.opened(row.agency_code, row.public_id, row.sealed)
        if opened is None:
            return None
        name, role, phone, email = opened.contact
        terms = InvolvementTerms(
            kind=InvolvementKind(row.kind),
            practitioner=Practitioner(name=name, role=role, phone=phone, email=email),
            start_date=row.start_date,
            end_date=row.end_date,
        )
        self._internal[row.public_id] = row.id
        stored = StoredInvolvement(
            id=row.public_id,
            key=InvolvementKey(row.agency_code, opened.local_ref, terms.kind),
            terms=terms,
            status=terms.status,
            shielded=bool(row.shielded),
            identity_digest=row.identity_digest,
            created_at=_aware(row.created_at),
            updated_at=_aware(row.updated_at),
            ages_out=row.ages_out,
            expires_on=row.expires_on,
        )
        return stored, opened

    def _stored_rows(self, rows: Iterable[Any]) -> list[StoredInvolvement]:
        return [found[0] for found in map(self._open, rows) if found is not None]

    def _one(self, public_id: str) -> StoredInvolvement:
        row = self._session.execute(
            _SELECT_INVOLVEMENT.where(involvements.c.public_id == public_id)
        ).one()
        found = self._open(row)
        if found is None:
            raise LookupError(public_id)
        return found[0]

    def _hashes(self, agency: str, refs: Iterable[str]) -> list[str]:
        # Normally one key; during a rotation, rows may be under either version.
        keys = self._keyring.live(agency)
        return sorted({key.blind(ref) for key in keys for ref in refs})

    def by_key(self, key: InvolvementKey) -> StoredInvolvement | None:
        return self.by_keys([key]).get(key)

    def by_keys(self, keys: Sequence[InvolvementKey]) -> dict[InvolvementKey, StoredInvolvement]:
        found: dict[InvolvementKey, StoredInvolvement] = {}
        for agency in {key.agency for key in keys}:
            hashes = self._hashes(agency, {key.local_ref for key in keys if key.agency == agency})
            for start in range(0, len(hashes), _MAX_KEYS_PER_STATEMENT):
                params = {
                    "agency": agency,
                    "hashes": hashes[start : start + _MAX_KEYS_PER_STATEMENT],
                }
                for stored in self._stored_rows(self._session.execute(_BY_KEYS, params)):
                    found[stored.key] = stored
        wanted = set(keys)
        return {key: stored for key, stored in found.items() if key in wanted}

    def get(self, agency: str, involvement_id: str) -> StoredInvolvement | None:
        row = self._session.execute(
            _SELECT_INVOLVEMENT.where(
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
        now = _now()
        values = []
        data_keys: dict[str, DataKey] = {}
        for item in items:
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
                _contact(item.terms),
                item.identity.to_stored(),
            )
            values.append(
                {
                    "public_id": public_id,
                    "agency_id": agency_id,
                    "ref_hash": ref_hash,
                    "sealed": sealed,
                    "shielded": False,
                    "identity_digest": item.digest,
                    "ages_out": item.ages_out,
                    "expires_on": item.expires_on,
                    "created_at": now,
                    "updated_at": now,
                    **_terms_values(item.terms),
                }
            )
        # One executemany, then the row ids in one read: RETURNING with the rows' order kept
        # makes SQLAlchemy insert SQLite rows one statement at a time.
        _insert_many(self._session, involvements, values)
        internals = self._ids_of([row["public_id"] for row in values])
        index: list[tuple[int, int]] = []
        stored = []
        for item, row, internal in zip(items, values, internals, strict=True):
            self._internal[row["public_id"]] = internal
            index += [(k, internal) for k in item.identity.blocking_keys]
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
        self._insert_keys(index)
        return stored

    def _ids_of(self, public_ids: list[str]) -> list[int]:
        found: dict[str, int] = {}
        for start in range(0, len(public_ids), _MAX_KEYS_PER_STATEMENT):
            chunk = public_ids[start : start + _MAX_KEYS_PER_STATEMENT]
            query = select(involvements.c.public_id, involvements.c.id).where(
                involvements.c.public_id.in_(chunk)
            )
            found.update(
                (public_id, internal) for public_id, internal in self._session.execute(query)
            )
        return [found[public_id] for public_id in public_ids]

    def _insert_keys(self, index: list[tuple[int, int]]) -> None:
        """About twenty rows per involvement: handed to the driver as they are, because building
        SQLAlchemy parameters for each would cost more than the insert itself."""
        if not index:
            return
        if self._dialect == "postgresql":
            # COPY: one stream instead of a round trip per few hundred rows.
            cursor = self._session.connection().connection.cursor()
            try:
                with cursor.copy(_COPY_KEYS) as copy:
                    for row in index:
                        copy.write_row(row)
            finally:
                cursor.close()
            return
        self._session.connection().exec_driver_sql(_INSERT_KEYS, index)

    def _index(self, internal: int, identity: EncodedIdentity) -> None:
        self._insert_keys([(k, internal) for k in identity.blocking_keys])

    def update(
        self,
        involvement_id: str,
        terms: InvolvementTerms,
        identity: EncodedIdentity | None = None,
        digest: str | None = None,
        *,
        ages_out: date | None,
        expires_on: date | None,
    ) -> StoredInvolvement:
        internal = self.internal_id(involvement_id)
        row = self._session.execute(_SELECT_INVOLVEMENT.where(involvements.c.id == internal)).one()
        found = self._open(row)
        if found is None:
            raise LookupError(involvement_id)
        current, opened = found
        values: dict[str, Any] = {
            **_terms_values(terms),
            "ages_out": ages_out,
            "expires_on": expires_on,
            "updated_at": _now(),
            "row_digest": None,  # a snapshot's digest no longer describes the row
        }
        stored_identity = opened.identity
        if identity is not None and digest is not None:
            stored_identity = identity.to_stored()
            values["identity_digest"] = digest
            self._session.execute(
                delete(blocking_keys).where(blocking_keys.c.involvement_id == internal)
            )
            self._index(internal, identity)
        values["ref_hash"], values["sealed"] = seal(
            self._keyring.current(current.key.agency),
            involvement_id,
            current.key.local_ref,
            _contact(terms),
            stored_identity,
        )
        self._session.execute(
            update(involvements).where(involvements.c.id == internal).values(values)
        )
        return self._one(involvement_id)

    def set_shielded(self, involvement_id: str, shielded: bool) -> None:
        self._session.execute(
            update(involvements)
            .where(involvements.c.public_id == involvement_id)
            .values(shielded=shielded, updated_at=_now())
        )

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
            for start in range(0, len(internals), _MAX_KEYS_PER_STATEMENT):
                chunk = internals[start : start + _MAX_KEYS_PER_STATEMENT]
                result = self._session.execute(delete(table).where(column.in_(chunk)))
                setattr(purged, counter, getattr(purged, counter) + _rowcount(result))
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
            _SELECT_INVOLVEMENT.where(agencies.c.code == agency, involvements.c.id > after)
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

    def for_agency(
        self, agency: str, *, local_ref: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[StoredInvolvement]:
        query = _SELECT_INVOLVEMENT.where(agencies.c.code == agency)
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

    def count_expiring(self, by: date) -> int:
        query = select(func.count()).select_from(involvements)
        return self._session.scalar(query.where(involvements.c.expires_on <= by)) or 0

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

    def _list_parameter(self, values: list[int]) -> str | list[int]:
        return json.dumps(values) if self._dialect == "sqlite" else values

    def candidates(
        self, probe_keys: Iterable[int], exclude_agency: str, *, most: int | None = None
    ) -> list[Reached]:
        return self.candidates_many([probe_keys], exclude_agency, most=most)[0]

    def candidates_many(
        self,
        probes: Sequence[Iterable[int]],
        exclude_agency: str,
        *,
        at_least: int = 1,
        anchors: Sequence[Iterable[int]] = (),
        most: int | None = None,
    ) -> list[list[Reached]]:
        """`candidates` for each probe, with as few statements as the parameter limit allows.
        Only the involvements kept are opened, and only their sealed fields."""
        wanted = [frozenset(keys) for keys in probes]
        anchored = [frozenset(keys) for keys in anchors] or [frozenset()] * len(wanted)
        hits = self._index_hits(sorted(set().union(*wanted)) if wanted else [])
        shared_of = [
            _shared_keys(keys, anchor, hits, at_least)
            for keys, anchor in zip(wanted, anchored, strict=True)
        ]
        reader = _SealedReader(partial(self._sealed_rows, exclude_agency=exclude_agency))
        if most is None:
            reader.read(i for shared in shared_of for i in shared)
            kept = [[i for i in shared if i in reader.sealed] for shared in shared_of]
        else:
            kept = [reader.best(shared, most) for shared in shared_of]
        self._agencies.load(reader.sealed[i][1] for present in kept for i in present)
        opened: dict[int, Reached | None] = {}
        results = []
        for present in kept:
            row = []
            for i in sorted(present):
                if i not in opened:
                    opened[i] = self._reached(i, *reader.sealed[i])
                if (one := opened[i]) is not None:
                    row.append(one)
            results.append(row)
        return results

    def _sealed_rows(self, ids: list[int], *, exclude_agency: str) -> Iterator[tuple[Any, ...]]:
        """(row id, public id, agency, sealed) of each involvement in `ids` not of that agency."""
        for start in range(0, len(ids), _MAX_KEYS_PER_STATEMENT):
            chunk = self._list_parameter(ids[start : start + _MAX_KEYS_PER_STATEMENT])
            yield from self._driver_rows(_SEALED[self._dialect], chunk, exclude_agency)

    def _index_hits(self, keys: list[int]) -> dict[int, list[int]]:
        """Probe key → row ids of the involvements it reaches (of every agency)."""
        hits: dict[int, list[int]] = {}
        for start in range(0, len(keys), _MAX_KEYS_PER_STATEMENT):
            chunk = self._list_parameter(keys[start : start + _MAX_KEYS_PER_STATEMENT])
            for key, internal in self._driver_rows(_REACHED[self._dialect], chunk):
                hits.setdefault(key, []).append(internal)
        return hits

    def count_indexed(self, keys: Iterable[int], *, up_to: int) -> int:
        wanted = sorted(set(keys))
        if not wanted or up_to <= 0:
            return 0
        # Keys are a handful (a name's forms under two or thirty years): one statement.
        ((count,),) = self._driver_rows(
            _COUNT_REACHED[self._dialect], self._list_parameter(wanted), up_to
        )
        return int(count)

    def refresh_statistics(self) -> None:
        # PostgreSQL plans `key = ANY(...)` from its statistics: right after a bulk load they
        # describe an emptier table until autovacuum's analyse comes round, and enquiries made
        # meanwhile may be planned as scans (a tenth of them took 150-270 ms after a 100,000-row
        # load). SQLite's plans come from the indexes alone (no ANALYZE is ever run): nothing to do.
        if self._dialect == "postgresql":
            self._session.execute(text("ANALYZE blocking_keys"))
            self._session.execute(text("ANALYZE involvements"))

    def _reached(self, internal: int, public_id: str, code: str, fields: bytes) -> Reached | None:
        opened = self.opened(code, public_id, fields)
        if opened is None:
            return None
        self._internal[public_id] = internal
        return Reached(
            involvement_id=public_id,
            identity=EncodedIdentity.from_stored(opened.identity),
            agency=self._agency_of(code),
        )

    def resolve(self, reached: Sequence[Reached]) -> dict[str, Candidate]:
        of = {r.involvement_id: r for r in reached}
        ids = sorted(of)
        found: dict[str, Candidate] = {}
        for start in range(0, len(ids), _MAX_KEYS_PER_STATEMENT):
            chunk = ids[start : start + _MAX_KEYS_PER_STATEMENT]
            query = _SELECT_INVOLVEMENT.where(involvements.c.public_id.in_(chunk))
            for row in self._session.execute(query):
                opened = self._open(row)
                if opened is not None:
                    one = of[row.public_id]
                    found[row.public_id] = Candidate(opened[0], one.agency)
        return found

    def _driver_rows(self, statement: str, *parameters: object) -> list[tuple[Any, ...]]:
        """One statement on the unit of work's own connection (its transaction), as tuples."""
        cursor = self._session.connection().connection.cursor()
        try:
            cursor.execute(statement, parameters)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _agency_of(self, code: str) -> Agency:
        agency = self._agencies.get(code)
        if agency is None:  # the involvement's own agency: read in the same transaction
            raise LookupError(code)
        return agency


class SqlModels:
    def __init__(self, session: Session) -> None:
        self._session = session

    def newest(self) -> str | None:
        query = select(match_models.c.body).order_by(match_models.c.created_at.desc()).limit(1)
        return self._session.scalar(query)

    def add(self, version: str, body: str) -> None:
        self._session.execute(
            insert(match_models).values(version=version, created_at=_now(), body=body)
        )


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
        for start in range(0, len(firsts), _MAX_KEYS_PER_STATEMENT):
            chunk = firsts[start : start + _MAX_KEYS_PER_STATEMENT]
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
        now = _now()
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
            _insert_many(self._session, links, rows)
        return added


_ABOUT_AGENCY = agencies.alias("about_agency")


class SqlNotifications:
    """Notifications; what each says about someone is sealed with the key of the agency it
    describes, and reads as empty once that agency's keys are destroyed."""

    def __init__(
        self,
        session: Session,
        agencies_repo: SqlAgencies,
        involvements_repo: SqlInvolvements,
        keyring: Keyring,
    ) -> None:
        self._session = session
        self._agencies = agencies_repo
        self._involvements = involvements_repo
        self._keyring = keyring

    def add(self, notification: Notification) -> None:
        self.add_many([notification])

    def add_many(self, notifications_: Sequence[Notification]) -> None:
        internal = self._involvements.internal_id
        now = _now()
        rows = []
        keys: dict[str, DataKey] = {}
        for n in notifications_:
            described = n.about_agency or n.agency
            if described not in keys:
                keys[described] = self._keyring.current(described)
            rows.append(
                {
                    "public_id": n.id,
                    "agency_id": self._agencies.id_of(n.agency),
                    "recipient_email": n.recipient_email,
                    "involvement_id": internal(n.involvement_id) if n.involvement_id else None,
                    "source_involvement_id": internal(n.source_id) if n.source_id else None,
                    "kind": n.kind,
                    "about_agency_id": self._agencies.id_of(described),
                    "sealed_about": seal_about(keys[described], n.id, n.about),
                    "created_at": n.created_at or now,
                    "next_attempt_at": n.created_at or now,  # due for e-mail at once
                }
            )
        if rows:
            _insert_many(self._session, notifications, rows)

    def _select(self) -> Any:
        return (
            select(
                notifications,
                involvements.c.public_id.label("involvement_public_id"),
                involvements.c.sealed,
                agencies.c.code.label("agency_code"),
                agencies.c.name.label("agency_name"),
                agencies.c.duty_email,
                _ABOUT_AGENCY.c.code.label("about_agency_code"),
            )
            .join_from(
                notifications,
                involvements,
                notifications.c.involvement_id == involvements.c.id,
                isouter=True,  # alerts concern no involvement
            )
            .join(agencies, agencies.c.id == notifications.c.agency_id)
            .join(_ABOUT_AGENCY, _ABOUT_AGENCY.c.id == notifications.c.about_agency_id)
        )

    def _notification(self, row: Any) -> Notification:
        local_ref = ""
        if row.sealed is not None:  # notifications go to the involvement's own agency
            opened = self._involvements.opened(
                row.agency_code, row.involvement_public_id, row.sealed
            )
            local_ref = opened.local_ref if opened else ""
        return Notification(
            id=row.public_id,
            agency=row.agency_code,
            recipient_email=row.recipient_email,
            involvement_id=row.involvement_public_id,
            local_ref=local_ref,
            kind=row.kind,
            about=self._about(row.about_agency_code, row.public_id, row.sealed_about),
            about_agency=row.about_agency_code,
            created_at=_aware(row.created_at),
        )

    def for_recipient(
        self, agency: str, email: str | None, *, limit: int = 100
    ) -> list[Notification]:
        query = self._select().where(agencies.c.code == agency)
        if email is not None:
            query = query.where(func.lower(notifications.c.recipient_email) == email.lower())
        query = query.order_by(notifications.c.id.desc()).limit(limit)
        return [self._notification(row) for row in self._session.execute(query)]

    def claim(self, now: datetime, until: datetime, *, limit: int = 100) -> list[Outgoing]:
        due = (
            select(notifications.c.id)
            .where(
                notifications.c.delivered_at.is_(None),
                notifications.c.next_attempt_at.is_not(None),
                notifications.c.next_attempt_at <= now,
            )
            .order_by(notifications.c.id)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            # Another worker's claim in progress is skipped, not waited for.
            due = due.with_for_update(skip_locked=True)
        ids = list(self._session.scalars(due))
        if not ids:
            return []
        # Claimed only if still due: of two workers that read the same rows, one wins each.
        claimed = set(
            self._session.scalars(
                update(notifications)
                .where(
                    notifications.c.id.in_(ids),
                    notifications.c.delivered_at.is_(None),
                    notifications.c.next_attempt_at <= now,
                )
                .values(next_attempt_at=until)
                .returning(notifications.c.id)
            )
        )
        query = self._select().where(notifications.c.id.in_(claimed)).order_by(notifications.c.id)
        return [
            Outgoing(
                notification=self._notification(row),
                attempts=row.attempts,
                agency_name=row.agency_name,
                duty_email=row.duty_email,
            )
            for row in self._session.execute(query)
        ]

    def delivered(self, notification_id: str, at: datetime, reference: str = "") -> None:
        self._session.execute(
            update(notifications)
            .where(notifications.c.public_id == notification_id)
            .values(
                delivered_at=at,
                next_attempt_at=None,
                attempts=notifications.c.attempts + 1,
                last_error=None,
                message_ref=reference or None,
            )
        )

    def delivery_status(self, reference: str, status: str) -> list[tuple[str, str]]:
        found = self._session.execute(
            select(notifications.c.public_id, agencies.c.code)
            .join_from(notifications, agencies, notifications.c.agency_id == agencies.c.id)
            .where(notifications.c.message_ref == reference)
        ).all()
        if found:
            self._session.execute(
                update(notifications)
                .where(notifications.c.message_ref == reference)
                .values(delivery_status=status[:40])
            )
        return [(row[0], row[1]) for row in found]

    def failed(self, notification_id: str, error: str, retry_at: datetime | None) -> None:
        self._session.execute(
            update(notifications)
            .where(notifications.c.public_id == notification_id)
            .values(
                attempts=notifications.c.attempts + 1,
                next_attempt_at=retry_at,
                last_error=error[:200],
            )
        )

    def _about(self, agency: str, notification_id: str, sealed: bytes) -> dict[str, str]:
        try:
            return open_about(self._keyring, agency, notification_id, sealed)
        except KeyShredded:
            return {}  # destroyed with the agency's keys

    def reseal(self, agency: str) -> int:
        """Seal what notifications say about the agency again with its newest key."""
        key = self._keyring.current(agency)
        agency_id = self._agencies.id_of(agency)
        rows = self._session.execute(
            select(
                notifications.c.id, notifications.c.public_id, notifications.c.sealed_about
            ).where(notifications.c.about_agency_id == agency_id)
        ).all()
        done = 0
        for row in rows:
            if sealed_version(row.sealed_about) == key.version:
                continue
            about = self._about(agency, row.public_id, row.sealed_about)
            self._session.execute(
                update(notifications)
                .where(notifications.c.id == row.id)
                .values(sealed_about=seal_about(key, row.public_id, about))
            )
            done += 1
        return done

    def involving(self, involvement_ids: Sequence[str]) -> list[Notification]:
        """Notifications about these involvements (their practitioners were told), oldest first."""
        internals = []
        for public_id in involvement_ids:
            try:
                internals.append(self._involvements.internal_id(public_id))
            except LookupError:
                continue
        query = (
            self._select()
            .where(notifications.c.involvement_id.in_(internals))
            .order_by(notifications.c.id)
        )
        return [self._notification(row) for row in self._session.execute(query)]

    def remove_for_agency(self, agency: str | None) -> int:
        """Delete what is left of an agency's inbox (alerts; None: every agency's)."""
        query = delete(notifications)
        agency_id = None if agency is None else self._agencies.id_of(agency)
        if agency is not None:
            query = query.where(notifications.c.agency_id == agency_id)
        return _rowcount(self._session.execute(query))

    def outbox_counts(self) -> dict[str, int]:
        state = case(
            (notifications.c.delivered_at.is_not(None), "delivered"),
            (notifications.c.next_attempt_at.is_not(None), "pending"),
            else_="failed",
        )
        rows = self._session.execute(select(state, func.count()).group_by(state))
        return {"pending": 0, "failed": 0, "delivered": 0} | {s: int(n) for s, n in rows}


class SqlPractitioners:
    """Users on first sight; details refreshed (at most hourly) as their tokens change."""

    _REFRESH = timedelta(hours=1)

    def __init__(self, session: Session) -> None:
        self._session = session
        self._dialect = session.get_bind().dialect.name

    def seen(self, user: User, at: datetime) -> bool:
        values = {
            "subject": user.subject,
            "agency": user.agency,
            "role": user.role,
            "name": user.name[:200],
            "email": user.email[:254],
            "phone": user.phone[:40],
            "last_seen": at,
        }
        dialect_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        # Two first requests at once must not fail on the unique subject: the second is a no-op.
        added = self._session.execute(
            dialect_insert(practitioners)
            .values(**values, first_seen=at)
            .on_conflict_do_nothing(index_elements=["subject"])
            .returning(practitioners.c.id)
        ).first()
        if added is not None:
            return True
        self._session.execute(
            update(practitioners)
            .where(
                practitioners.c.subject == user.subject,
                practitioners.c.last_seen < at - self._REFRESH,
            )
            .values(values)
        )
        return False

    def remove_for_agency(self, agency: str | None) -> int:
        """Forget an agency's users (None: every agency's), when it leaves."""
        query = delete(practitioners)
        if agency is not None:
            query = query.where(practitioners.c.agency == agency)
        return _rowcount(self._session.execute(query))

    def for_agency(self, agency: str | None, *, limit: int = 1000) -> list[User]:
        query = select(practitioners).order_by(practitioners.c.last_seen.desc()).limit(limit)
        if agency is not None:
            query = query.where(practitioners.c.agency == agency)
        return [
            User(
                subject=row.subject,
                agency=row.agency,
                role=row.role,
                name=row.name,
                email=row.email,
                phone=row.phone,
                first_seen=_aware(row.first_seen),
                last_seen=_aware(row.last_seen),
            )
            for row in self._session.execute(query)
        ]


class SqlReviews:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, review: Review) -> None:
        self._session.execute(
            insert(reviews),
            {
                "public_id": review.id,
                "enquiry_id": review.enquiry_id,
                "actor": review.actor,
                "actor_name": review.actor_name,
                "actor_role": review.actor_role,
                "agency": review.agency,
                "purpose": review.purpose,
                "result_count": review.result_count,
                "opened_at": review.opened_at,
            },
        )

    @staticmethod
    def _review(row: Any) -> Review:
        return Review(
            id=row.public_id,
            enquiry_id=row.enquiry_id,
            actor=row.actor,
            actor_name=row.actor_name,
            actor_role=row.actor_role,
            agency=row.agency,
            purpose=row.purpose,
            result_count=row.result_count,
            opened_at=_aware(row.opened_at),
            closed_at=_aware(row.closed_at) if row.closed_at else None,
            closed_by=row.closed_by,
            outcome=row.outcome,
            note=row.note,
        )

    def get(self, review_id: str) -> Review | None:
        row = self._session.execute(select(reviews).where(reviews.c.public_id == review_id)).first()
        return self._review(row) if row else None

    def search(self, *, open_only: bool = True, limit: int = 100) -> list[Review]:
        query = select(reviews).order_by(reviews.c.opened_at, reviews.c.id).limit(limit)
        if open_only:
            query = query.where(reviews.c.closed_at.is_(None))
        return [self._review(row) for row in self._session.execute(query)]

    def close(self, review_id: str, *, outcome: str, note: str, by: str, at: datetime) -> Review:
        self._session.execute(
            update(reviews)
            .where(reviews.c.public_id == review_id)
            .values(closed_at=at, closed_by=by, outcome=outcome, note=note)
        )
        closed = self.get(review_id)
        if closed is None:
            raise LookupError(review_id)
        return closed


def _event(row: Any) -> AuditEvent:
    return AuditEvent(
        action=AuditAction(row.action),
        actor=row.actor,
        agency=row.agency,
        at=_aware(row.at),
        purpose=row.purpose,
        result_count=row.result_count,
        urgent=bool(row.urgent),
        detail=json.loads(row.detail),
    )


def _checkpoint(row: Any) -> Checkpoint:
    try:
        return Checkpoint.from_parts(row.size, row.root, _aware(row.at), row.signature)
    except ValueError as error:
        raise DamagedCheckpoint(
            f"the signed checkpoint of size {row.size} in the database is damaged: {error}"
        ) from None


class SqlAuditLog:
    """An append-only Merkle log: each appending transaction adds its events as leaves and one
    checkpoint (size, root) signed with the service's Ed25519 key."""

    def __init__(self, session: Session, signing_key: Ed25519PrivateKey) -> None:
        self._session = session
        self._key = signing_key

    def _head(self) -> tuple[int, Frontier]:
        bind = self._session.get_bind()
        if bind.dialect.name == "postgresql":
            # One appender at a time across all API workers; released at commit.
            self._session.execute(select(func.pg_advisory_xact_lock(0x46505354)))
        row = self._session.execute(
            select(audit_checkpoints.c.size, audit_checkpoints.c.frontier)
            .order_by(audit_checkpoints.c.size.desc())
            .limit(1)
        ).first()
        if row is None:
            return 0, Frontier()
        return int(row.size), Frontier.from_json(json.loads(row.frontier))

    def append(self, event: AuditEvent) -> int:
        return self.append_many([event])

    def append_many(self, events: Sequence[AuditEvent]) -> int:
        """Append in order and sign the new tree head; returns the last sequence number."""
        seq, frontier = self._head()
        if not events:
            return seq
        rows = []
        for event in events:
            seq += 1
            leaf = leaf_for(seq, event)
            frontier.append(leaf)
            rows.append(
                {
                    "seq": seq,
                    "at": event.at,
                    "action": event.action.value,
                    "actor": event.actor,
                    "agency": event.agency,
                    "purpose": event.purpose,
                    "result_count": event.result_count,
                    "urgent": event.urgent,
                    "detail": json.dumps(event.detail, sort_keys=True),
                    "leaf": leaf.hex(),
                }
            )
        _insert_many(self._session, audit_events, rows)
        head = Checkpoint(size=seq, root=frontier.root(), at=_now())
        self._session.execute(
            insert(audit_checkpoints).values(
                size=head.size,
                root=head.root.hex(),
                at=head.at,
                signature=self._key.sign(head.message()).hex(),
                frontier=json.dumps(frontier.to_json()),
            )
        )
        return seq

    def read(
        self,
        *,
        agency: str | None = None,
        limit: int = 100,
        action: str | None = None,
        actor: str | None = None,
    ) -> list[AuditEvent]:
        query = select(audit_events).order_by(audit_events.c.seq.desc()).limit(limit)
        if agency is not None:
            query = query.where(audit_events.c.agency == agency)
        if action is not None:
            query = query.where(audit_events.c.action == action)
        if actor is not None:
            query = query.where(audit_events.c.actor == actor)
        return [_event(row) for row in self._session.execute(query)]

    def count(
        self,
        action: AuditAction,
        since: datetime,
        *,
        actor: str | None = None,
        agency: str | None = None,
    ) -> int:
        query = select(func.count()).where(
            audit_events.c.action == action.value, audit_events.c.at >= since
        )
        if actor is not None:
            query = query.where(audit_events.c.actor == actor)
        if agency is not None:
            query = query.where(audit_events.c.agency == agency)
        return int(self._session.scalar(query) or 0)

    def recent(self, action: AuditAction, since: datetime, *, actor: str) -> list[AuditEvent]:
        query = (
            select(audit_events)
            .where(
                audit_events.c.actor == actor,
                audit_events.c.at >= since,
                audit_events.c.action == action.value,
            )
            .order_by(audit_events.c.seq)
        )
        return [_event(row) for row in self._session.execute(query)]

    def disclosing(self, involvement_ids: Sequence[str]) -> list[tuple[int, AuditEvent]]:
        """Enquiries that disclosed any of these involvements, oldest first."""
        if not involvement_ids:
            return []
        escaped = [
            i.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for i in involvement_ids
        ]
        query = (
            select(audit_events)
            .where(
                audit_events.c.action == AuditAction.ENQUIRY_MADE.value,
                or_(*(audit_events.c.detail.like(f"%{e}%", escape="\\") for e in escaped)),
            )
            .order_by(audit_events.c.seq)
        )
        wanted = set(involvement_ids)
        found = []
        for row in self._session.execute(query):
            event = _event(row)
            if wanted & set(event.detail.get("disclosed", "").split(",")):
                found.append((int(row.seq), event))
        return found

    def leaves(self) -> list[bytes]:
        query = select(audit_events.c.leaf).order_by(audit_events.c.seq)
        return [bytes.fromhex(leaf) for leaf in self._session.scalars(query)]

    def events(self, *, after: int = 0, limit: int = 10_000) -> list[tuple[int, AuditEvent]]:
        query = (
            select(audit_events)
            .where(audit_events.c.seq > after)
            .order_by(audit_events.c.seq)
            .limit(limit)
        )
        return [(int(row.seq), _event(row)) for row in self._session.execute(query)]

    def checkpoints(self) -> list[Checkpoint]:
        query = select(audit_checkpoints).order_by(audit_checkpoints.c.size)
        return [_checkpoint(row) for row in self._session.execute(query)]

    def newest(self) -> Checkpoint | None:
        query = select(audit_checkpoints).order_by(audit_checkpoints.c.size.desc()).limit(1)
        row = self._session.execute(query).first()
        return _checkpoint(row) if row else None

    def verify(self, witnesses: Sequence[Checkpoint] = ()) -> int | None:
        """Recompute the tree from the stored events and check every signed checkpoint against
        it. Returns None when intact, else the sequence number of the first event that is wrong
        (edited, missing, out of order, or missing from the end).

        `witnesses` are tree heads seen earlier and kept outside the database (the home's
        witness file, an auditor's export): the log must still hold them as a prefix, which
        catches a truncation that took its checkpoints with it. A witness not signed by this
        service is refused (InvalidValue)."""
        public = self._key.public_key()
        for witness in witnesses:
            try:
                public.verify(witness.signature, witness.message())
            except InvalidSignature:
                raise InvalidValue(
                    f"the audit witness of size {witness.size} is not signed by this service"
                ) from None
        checkpoints = self.checkpoints()
        for checkpoint in checkpoints:
            try:
                public.verify(checkpoint.signature, checkpoint.message())
            except InvalidSignature:
                return checkpoint.size  # a forged or altered tree head
        by_size: dict[int, list[Checkpoint]] = {}
        for head in (*checkpoints, *witnesses):
            by_size.setdefault(head.size, []).append(head)
        frontier = Frontier()
        last_good = 0
        rows = self._session.execute(select(audit_events).order_by(audit_events.c.seq))
        for expected_seq, row in enumerate(rows, start=1):
            if row.seq != expected_seq:
                return expected_seq
            leaf = leaf_for(expected_seq, _event(row))
            if row.leaf != leaf.hex():
                return expected_seq
            frontier.append(leaf)
            signed = by_size.get(expected_seq)
            if signed is not None:
                root = frontier.root()
                if any(head.root != root for head in signed):
                    return last_good + 1
                last_good = expected_seq
        size = frontier.size
        newest = max(by_size, default=0)
        if newest != size:
            # Events deleted from the end (newest > size) or appended without a signature.
            return min(newest, size) + 1
        return None
