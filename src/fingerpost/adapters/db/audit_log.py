"""The audit log: an append-only Merkle log with signed checkpoints."""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Column, Table, func, select
from sqlalchemy.orm import Session

from fingerpost.audit.disclosures import disclosed_by
from fingerpost.audit.events import AuditAction, AuditEvent, Checkpoint, DamagedCheckpoint, leaf_for
from fingerpost.audit.merkle import Frontier
from fingerpost.audit.verify import LoggedEvent, verify_log

from .statements import MAX_KEYS_PER_STATEMENT, aware, insert_rows, together, utc_now
from .tables import audit_checkpoints, audit_events, disclosures

__all__ = ["VERIFY_BATCH", "SqlAuditLog"]

# Rows read per statement while verifying.
VERIFY_BATCH = 2000
_APPENDERS = 0x46505354  # the advisory lock every appender takes (PostgreSQL)
_LOCK = "SELECT pg_advisory_xact_lock(%s)"
_HEAD = "SELECT size, frontier FROM audit_checkpoints ORDER BY size DESC LIMIT 1"
# `recent` and `count` for an enquiry's limits, as the driver sends them (PostgreSQL).
_ACTORS_RECENT = (
    "SELECT action, actor, agency, at, purpose, result_count, urgent, detail FROM audit_events"
    " WHERE actor = %s AND at >= %s AND action = %s ORDER BY seq"
)
_AGENCYS_COUNT = "SELECT count(*) FROM audit_events WHERE agency = %s AND at >= %s AND action = %s"
_Row = namedtuple("_Row", "action actor agency at purpose result_count urgent detail")


def _event(row: Any) -> AuditEvent:
    return AuditEvent(
        action=AuditAction(row.action),
        actor=row.actor,
        agency=row.agency,
        at=aware(row.at),
        purpose=row.purpose,
        result_count=row.result_count,
        urgent=bool(row.urgent),
        detail=json.loads(row.detail),
    )


def _checkpoint(row: Any) -> Checkpoint:
    try:
        return Checkpoint.from_parts(row.size, row.root, aware(row.at), row.signature)
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
        """The newest checkpoint's size and frontier. On PostgreSQL, read once this transaction
        holds the appenders' lock (one appender at a time across all hub workers, released at
        commit): both in one round trip, the read on a snapshot taken after the lock."""
        postgresql = self._session.get_bind().dialect.name == "postgresql"
        locked = [(_LOCK, (_APPENDERS,))] if postgresql else []
        row = next(iter(together(self._session, [*locked, (_HEAD, ())])[-1]), None)
        if row is None:
            return 0, Frontier()
        return int(row[0]), Frontier.from_json(json.loads(row[1]))

    def append(self, event: AuditEvent) -> int:
        return self.append_many([event])

    def append_many(self, events: Sequence[AuditEvent]) -> int:
        """Append in order and sign the new tree head; returns the last sequence number. The
        events, what they disclosed and the signed head are sent together (`together`)."""
        seq, frontier = self._head()
        if not events:
            return seq
        rows = []
        disclosed: list[dict[str, Any]] = []
        for event in events:
            seq += 1
            leaf = leaf_for(seq, event)
            frontier.append(leaf)
            disclosed += [{"seq": seq, "involvement_id": i} for i in disclosed_by(event)]
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
        head = Checkpoint(size=seq, root=frontier.root(), at=utc_now())
        checkpoint = {
            "size": head.size,
            "root": head.root.hex(),
            "at": head.at,
            "signature": self._key.sign(head.message()).hex(),
            "frontier": json.dumps(frontier.to_json()),
        }
        written = [(audit_events, rows), (disclosures, disclosed)]
        written.append((audit_checkpoints, [checkpoint]))
        statements = [insert_rows(self._session, table, made) for table, made in written if made]
        together(self._session, statements, many=True)
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

    def window(
        self, action: AuditAction, since: datetime, *, actor: str, agency: str
    ) -> tuple[list[AuditEvent], int]:
        """`recent` for the actor and `count` for the agency: on PostgreSQL both in one round
        trip, with the transaction's BEGIN when they are its first statements."""
        if self._session.get_bind().dialect.name != "postgresql":
            recent = self.recent(action, since, actor=actor)
            return recent, self.count(action, since, agency=agency)
        events, ((made,),) = together(
            self._session,
            [
                (_ACTORS_RECENT, (actor, since, action.value)),
                (_AGENCYS_COUNT, (agency, since, action.value)),
            ],
        )
        return [_event(_Row(*values)) for values in events], int(made)

    def disclosing(self, involvement_ids: Sequence[str]) -> list[tuple[int, AuditEvent]]:
        """Enquiries that disclosed any of these involvements, oldest first (through the
        `disclosures` index, by equality)."""
        ids = sorted(set(involvement_ids))
        found: dict[int, AuditEvent] = {}
        for start in range(0, len(ids), MAX_KEYS_PER_STATEMENT):
            chunk = ids[start : start + MAX_KEYS_PER_STATEMENT]
            query = select(audit_events).where(
                audit_events.c.action == AuditAction.ENQUIRY_MADE.value,
                audit_events.c.seq.in_(
                    select(disclosures.c.seq).where(disclosures.c.involvement_id.in_(chunk))
                ),
            )
            found.update((int(row.seq), _event(row)) for row in self._session.execute(query))
        return sorted(found.items(), key=lambda item: item[0])

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
        """None when the stored log is intact, else the sequence number of the first event that
        is wrong (`audit.verify.verify_log`); rows are read a batch at a time."""
        return verify_log(self._logged(), self._heads, self._key.public_key(), witnesses)

    def _logged(self) -> Iterator[LoggedEvent]:
        for row in self._batches(audit_events, audit_events.c.seq):
            yield LoggedEvent(int(row.seq), _event(row), row.leaf)

    def _heads(self) -> Iterator[Checkpoint]:
        for row in self._batches(audit_checkpoints, audit_checkpoints.c.size):
            yield _checkpoint(row)

    def _batches(self, table: Table, key: Column[int]) -> Iterator[Any]:
        """Every row in `key` order, VERIFY_BATCH at a time (each batch its own statement, after
        the last key read), so that memory stays flat however long the log."""
        after: int | None = None
        while True:
            query = select(table).order_by(key).limit(VERIFY_BATCH)
            if after is not None:
                query = query.where(key > after)
            rows = self._session.execute(query).all()
            yield from rows
            if len(rows) < VERIFY_BATCH:
                return
            after = getattr(rows[-1], key.name)
