"""In-memory fakes of the service's ports (Cosmic Python's pattern): the repositories keep plain
dicts and lists, and the unit of work copies them on entry and puts them back on `commit`, so a
use case that raises half-way leaves nothing behind, as with a database. Use-case rules are
tested over these in milliseconds (`tests/service/test_use_case_rules.py`); the dual-database
tests stay the integration tests of the real adapters."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Self

from fingerpost.audit import merkle
from fingerpost.audit.events import AuditAction, AuditEvent, Checkpoint, leaf_for
from fingerpost.domain.ids import new_id
from fingerpost.domain.model import Agency, InvolvementKey, InvolvementTerms
from fingerpost.domain.vocabulary import InvolvementStatus
from fingerpost.matching import frequency
from fingerpost.matching.candidates import choose
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

__all__ = ["FakeUnitOfWork", "FakeWorld"]

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class _Row:
    stored: StoredInvolvement
    identity: EncodedIdentity
    row: int


@dataclass
class FakeWorld:
    """Everything the fake database holds: what a committed unit of work leaves behind."""

    agencies: dict[str, Agency] = field(default_factory=dict)
    left: dict[str, datetime] = field(default_factory=dict)
    involvements: dict[str, _Row] = field(default_factory=dict)
    links: set[tuple[str, str]] = field(default_factory=set)
    notifications: list[Notification] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)
    models: list[tuple[str, str]] = field(default_factory=list)
    reviews: dict[str, Review] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    next_row: int = 1
    commits: int = 0

    def actions(self) -> list[str]:
        return [e.action.value for e in self.events]

    def __call__(self) -> FakeUnitOfWork:
        """The unit-of-work factory a `Hub` takes."""
        return FakeUnitOfWork(self)


class _Agencies:
    def __init__(self, w: FakeWorld) -> None:
        self.w = w

    def get(self, code: str) -> Agency | None:
        return self.w.agencies.get(code)

    def upsert(self, agency: Agency) -> bool:
        new = agency.code not in self.w.agencies
        self.w.agencies[agency.code] = agency
        return new

    def all(self) -> list[Agency]:
        return sorted(self.w.agencies.values(), key=lambda a: a.code)

    def decommissioned(self, code: str) -> datetime | None:
        return self.w.left.get(code)

    def mark_decommissioned(self, code: str, at: datetime) -> None:
        self.w.left[code] = at


class _Involvements:
    def __init__(self, w: FakeWorld) -> None:
        self.w = w

    def _rows(self) -> list[_Row]:
        return list(self.w.involvements.values())

    def by_key(self, key: InvolvementKey) -> StoredInvolvement | None:
        return next((r.stored for r in self._rows() if r.stored.key == key), None)

    def by_keys(self, keys: Sequence[InvolvementKey]) -> dict[InvolvementKey, StoredInvolvement]:
        wanted = set(keys)
        return {r.stored.key: r.stored for r in self._rows() if r.stored.key in wanted}

    def get(self, agency: str, involvement_id: str) -> StoredInvolvement | None:
        row = self.w.involvements.get(involvement_id)
        return row.stored if row and row.stored.key.agency == agency else None

    def add(self, item: NewInvolvement) -> StoredInvolvement:
        stored = StoredInvolvement(
            id=new_id(),
            key=item.key,
            terms=item.terms,
            status=InvolvementStatus.ACTIVE,
            shielded=False,
            identity_digest=item.digest,
            created_at=_EPOCH,
            updated_at=_EPOCH,
            ages_out=item.ages_out,
            expires_on=item.expires_on,
        )
        self.w.involvements[stored.id] = _Row(stored, item.identity, self.w.next_row)
        self.w.next_row += 1
        return stored

    def add_many(self, items: Sequence[NewInvolvement]) -> list[StoredInvolvement]:
        return [self.add(item) for item in items]

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
        row = self.w.involvements[involvement_id]
        row.stored = replace(
            row.stored,
            terms=terms,
            identity_digest=digest or row.stored.identity_digest,
            ages_out=ages_out,
            expires_on=expires_on,
        )
        row.identity = identity or row.identity
        return row.stored

    def set_shielded(self, involvement_id: str, shielded: bool) -> None:
        row = self.w.involvements[involvement_id]
        row.stored = replace(row.stored, shielded=shielded)

    def remove(self, involvement_id: str) -> Purged:
        del self.w.involvements[involvement_id]
        links = {pair for pair in self.w.links if involvement_id in pair}
        self.w.links -= links
        notes = [
            n for n in self.w.notifications if involvement_id in {n.involvement_id, n.source_id}
        ]
        self.w.notifications = [n for n in self.w.notifications if n not in notes]
        return Purged(involvements=1, links=len(links), notifications=len(notes))

    def _purge(self, ids: list[str], limit: int) -> Purged:
        total = Purged()
        for involvement_id in ids[:limit]:
            total.add(self.remove(involvement_id))
        return total

    def purge_expired(self, today: date, *, limit: int = 1000) -> Purged:
        due = [
            r.stored.id
            for r in self._rows()
            if r.stored.expires_on is not None and r.stored.expires_on <= today
        ]
        return self._purge(due, limit)

    def purge_agency(self, agency: str, *, limit: int = 1000) -> Purged:
        return self._purge(
            [r.stored.id for r in self._rows() if r.stored.key.agency == agency], limit
        )

    def reseal(self, agency: str, *, after: int = 0, limit: int = 1000) -> tuple[int, int]:
        rows = sorted(
            r.row for r in self._rows() if r.stored.key.agency == agency and r.row > after
        )
        done = rows[:limit]
        return len(done), (done[-1] if done else after)

    def for_agency(
        self, agency: str, *, local_ref: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[StoredInvolvement]:
        found = [
            r.stored
            for r in sorted(self._rows(), key=lambda r: r.row)
            if r.stored.key.agency == agency and local_ref in {None, r.stored.key.local_ref}
        ]
        return found[offset : offset + limit]

    def count(self, agency: str | None = None) -> int:
        return sum(agency in {None, r.stored.key.agency} for r in self._rows())

    def count_after(self, row_id: int) -> tuple[int, int]:
        rows = [r.row for r in self._rows()]
        return max(rows, default=0), sum(row > row_id for row in rows)

    def unreadable(self) -> dict[str, int]:
        return {}

    def count_expiring(self, by: date) -> int:
        return sum(
            r.stored.expires_on is not None and r.stored.expires_on <= by for r in self._rows()
        )

    def candidates(
        self,
        probe_keys: Iterable[int],
        exclude_agency: str,
        *,
        most: int | None = None,
        counted: Iterable[int] = (),
    ) -> list[Reached]:
        del counted  # counted afresh by count_each: nothing to save in memory
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
        """Blocking as the database does it: the rows each key reaches, chosen by the same pure
        rule (`matching.candidates.choose`) from other agencies' involvements."""
        wanted = [frozenset(keys) for keys in probes]
        rows = {r.row: r for r in self._rows()}
        every_key = set().union(*wanted)
        hits: dict[int, list[int]] = {}
        for r in rows.values():
            for key in every_key & r.identity.blocking_keys:
                hits.setdefault(key, []).append(r.row)

        def present(ids: Sequence[int]) -> set[int]:
            return {i for i in ids if rows[i].stored.key.agency != exclude_agency}

        anchored = [frozenset(keys) for keys in anchors]
        kept = choose(wanted, hits, present, at_least=at_least, anchors=anchored, most=most)
        return [
            [
                Reached(r.stored.id, r.identity, self.w.agencies[r.stored.key.agency])
                for r in (rows[i] for i in row_ids)
            ]
            for row_ids in kept
        ]

    def resolve(self, reached: Sequence[Reached]) -> dict[str, Candidate]:
        return {
            r.involvement_id: Candidate(self.w.involvements[r.involvement_id].stored, r.agency)
            for r in reached
            if r.involvement_id in self.w.involvements
        }

    def count_indexed(self, keys: Iterable[int], *, up_to: int) -> int:
        wanted = set(keys)
        return min(up_to, sum(bool(wanted & r.identity.blocking_keys) for r in self._rows()))

    def count_each(self, keys: Iterable[int]) -> dict[int, int]:
        counted = dict.fromkeys(keys, 0)
        for r in self._rows():
            for key in (r.identity.blocking_keys | frequency.tokens(r.identity)) & counted.keys():
                counted[key] += 1
        return {key: n for key, n in counted.items() if n}

    def refresh_statistics(self) -> None:
        """Nothing to plan in memory."""

    def sample(self, size: int) -> list[tuple[str, EncodedIdentity]]:
        return [(r.stored.key.agency, r.identity) for r in self._rows()][:size]


class _Links:
    def __init__(self, w: FakeWorld) -> None:
        self.w = w

    def add(self, a: str, b: str, confidence: str) -> bool:
        del confidence  # one confidence is ever recorded: strong
        pair = (min(a, b), max(a, b))
        new = pair not in self.w.links
        self.w.links.add(pair)
        return new

    def add_many(self, pairs: Sequence[tuple[str, str, str]]) -> list[bool]:
        return [self.add(a, b, c) for a, b, c in pairs]


class _Notifications:
    def __init__(self, w: FakeWorld) -> None:
        self.w = w

    def add(self, notification: Notification) -> None:
        self.w.notifications.append(notification)

    def add_many(self, notifications: Sequence[Notification]) -> None:
        self.w.notifications.extend(notifications)

    def for_recipient(
        self, agency: str, email: str | None, *, limit: int = 100
    ) -> list[Notification]:
        mine = [
            n
            for n in reversed(self.w.notifications)
            if n.agency == agency
            and (email is None or n.recipient_email.casefold() == email.casefold())
        ]
        return mine[:limit]

    def claim(self, now: datetime, until: datetime, *, limit: int = 100) -> list[Outgoing]:
        del now, until  # the fake delivers nothing: no test here sends mail
        return []

    def outbox_counts(self) -> dict[str, int]:
        return {"pending": len(self.w.notifications), "failed": 0, "delivered": 0}

    def involving(self, involvement_ids: Sequence[str]) -> list[Notification]:
        return [n for n in self.w.notifications if n.involvement_id in involvement_ids]

    def remove_for_agency(self, agency: str | None) -> int:
        gone = [n for n in self.w.notifications if agency in {None, n.agency}]
        self.w.notifications = [n for n in self.w.notifications if n not in gone]
        return len(gone)

    def reseal(self, agency: str) -> int:
        return sum(n.agency == agency for n in self.w.notifications)


class _Audit:
    def __init__(self, w: FakeWorld) -> None:
        self.w = w

    def append(self, event: AuditEvent) -> int:
        self.w.events.append(event)
        return len(self.w.events)

    def append_many(self, events: Sequence[AuditEvent]) -> int:
        self.w.events.extend(events)
        return len(self.w.events)

    def read(
        self,
        *,
        agency: str | None = None,
        limit: int = 100,
        action: str | None = None,
        actor: str | None = None,
    ) -> list[AuditEvent]:
        found = [
            e
            for e in reversed(self.w.events)
            if agency in {None, e.agency}
            and action in {None, e.action}
            and actor in {None, e.actor}
        ]
        return found[:limit]

    def leaves(self) -> list[bytes]:
        return [leaf_for(seq, e) for seq, e in enumerate(self.w.events, start=1)]

    def checkpoints(self) -> list[Checkpoint]:
        leaves = self.leaves()
        return [
            Checkpoint(size, merkle.root(leaves[:size]), self.w.events[size - 1].at)
            for size in range(1, len(leaves) + 1)
        ]

    def newest(self) -> Checkpoint | None:
        heads = self.checkpoints()
        return heads[-1] if heads else None

    def verify(self, witnesses: Sequence[Checkpoint] = ()) -> int | None:
        leaves = self.leaves()
        for head in witnesses:
            if head.size > len(leaves) or merkle.root(leaves[: head.size]) != head.root:
                return min(head.size, len(leaves) + 1)
        return None

    def disclosing(self, involvement_ids: Sequence[str]) -> list[tuple[int, AuditEvent]]:
        return [
            (seq, e)
            for seq, e in enumerate(self.w.events, start=1)
            if e.action is AuditAction.ENQUIRY_MADE
            and set(e.detail.get("disclosed", "").split(",")) & set(involvement_ids)
        ]

    def events(self, *, after: int = 0, limit: int = 10_000) -> list[tuple[int, AuditEvent]]:
        return list(enumerate(self.w.events, start=1))[after : after + limit]

    def count(
        self,
        action: AuditAction,
        since: datetime,
        *,
        actor: str | None = None,
        agency: str | None = None,
    ) -> int:
        return sum(
            e.action is action
            and e.at >= since
            and actor in {None, e.actor}
            and agency in {None, e.agency}
            for e in self.w.events
        )

    def recent(self, action: AuditAction, since: datetime, *, actor: str) -> list[AuditEvent]:
        return [
            e for e in self.w.events if e.action is action and e.at >= since and e.actor == actor
        ]

    def window(
        self, action: AuditAction, since: datetime, *, actor: str, agency: str
    ) -> tuple[list[AuditEvent], int]:
        return self.recent(action, since, actor=actor), self.count(action, since, agency=agency)


class _Models:
    def __init__(self, w: FakeWorld) -> None:
        self.w = w

    def newest(self) -> str | None:
        return self.w.models[-1][1] if self.w.models else None

    def add(self, version: str, body: str) -> None:
        self.w.models.append((version, body))


class _Reviews:
    def __init__(self, w: FakeWorld) -> None:
        self.w = w

    def add(self, review: Review) -> None:
        self.w.reviews[review.id] = review

    def get(self, review_id: str) -> Review | None:
        return self.w.reviews.get(review_id)

    def search(self, *, open_only: bool = True, limit: int = 100) -> list[Review]:
        found = [r for r in self.w.reviews.values() if not open_only or r.closed_at is None]
        return found[:limit]

    def close(self, review_id: str, *, outcome: str, note: str, by: str, at: datetime) -> Review:
        del note  # kept by the real repository; no rule here reads it back
        closed = replace(self.w.reviews[review_id], closed_at=at, closed_by=by, outcome=outcome)
        self.w.reviews[review_id] = closed
        return closed


class _Practitioners:
    def __init__(self, w: FakeWorld) -> None:
        self.w = w

    def seen(self, user: User, at: datetime) -> bool:
        first = user.subject not in self.w.users
        self.w.users[user.subject] = replace(user, last_seen=at)
        return first

    def for_agency(self, agency: str | None, *, limit: int = 1000) -> list[User]:
        return [u for u in self.w.users.values() if agency in {None, u.agency}][:limit]

    def remove_for_agency(self, agency: str | None) -> int:
        gone = [s for s, u in self.w.users.items() if agency in {None, u.agency}]
        for subject in gone:
            del self.w.users[subject]
        return len(gone)


class FakeUnitOfWork:
    """One transaction over a `FakeWorld`: changes go to a copy, kept only on `commit`."""

    def __init__(self, world: FakeWorld) -> None:
        self._world = world
        self._work = world
        self._bind(world)

    def _bind(self, w: FakeWorld) -> None:
        self.agencies = _Agencies(w)
        self.involvements = _Involvements(w)
        self.links = _Links(w)
        self.notifications = _Notifications(w)
        self.audit = _Audit(w)
        self.models = _Models(w)
        self.reviews = _Reviews(w)
        self.practitioners = _Practitioners(w)

    def __enter__(self) -> Self:
        self._work = copy.deepcopy(self._world)
        self._bind(self._work)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bind(self._world)  # anything not committed is dropped with the copy

    def commit(self) -> None:
        for name in self._world.__dataclass_fields__:
            setattr(self._world, name, getattr(self._work, name))
        self._world.commits += 1
        self._work = copy.deepcopy(self._world)
        self._bind(self._work)

    def rollback(self) -> None:
        self._work = copy.deepcopy(self._world)
        self._bind(self._work)
