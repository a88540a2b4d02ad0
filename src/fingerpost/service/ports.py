"""Interfaces the hub needs from storage. Adapters implement them; tests may use fakes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from fingerpost.audit.events import AuditAction, AuditEvent, Checkpoint
from fingerpost.domain.model import Agency, InvolvementKey, InvolvementTerms
from fingerpost.matching.encode import EncodedIdentity
from fingerpost.service.records import (
    Candidate,
    EndingRow,
    HeldRow,
    NewInvolvement,
    Notification,
    Outgoing,
    Purged,
    Reached,
    Review,
    StoredInvolvement,
    User,
)

__all__ = [
    "AgencyRepository",
    "AuditLog",
    "InvolvementRepository",
    "KeyVault",
    "LinkRepository",
    "MailError",
    "Mailer",
    "ModelRepository",
    "NotificationRepository",
    "PractitionerRepository",
    "ReviewRepository",
    "SnapshotRepository",
    "UnitOfWork",
    "WebSessionRepository",
    "WitnessStore",
]


class AgencyRepository(Protocol):
    def get(self, code: str) -> Agency | None: ...
    def upsert(self, agency: Agency) -> bool:
        """Insert or update; True when the agency is new."""
        ...

    def all(self) -> list[Agency]: ...
    def decommissioned(self, code: str) -> datetime | None:
        """When the agency left (its data destroyed), or None."""
        ...

    def mark_decommissioned(self, code: str, at: datetime) -> None: ...


class InvolvementRepository(Protocol):
    def by_key(self, key: InvolvementKey) -> StoredInvolvement | None: ...
    def by_keys(self, keys: Sequence[InvolvementKey]) -> dict[InvolvementKey, StoredInvolvement]:
        """Those of `keys` already registered."""
        ...

    def get(self, agency: str, involvement_id: str) -> StoredInvolvement | None:
        """Only the agency's own involvements are ever found."""
        ...

    def add(self, item: NewInvolvement) -> StoredInvolvement: ...
    def add_many(self, items: Sequence[NewInvolvement]) -> list[StoredInvolvement]: ...
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
    ) -> StoredInvolvement: ...
    def set_shielded(self, involvement_id: str, shielded: bool) -> None: ...
    def remove(self, involvement_id: str) -> Purged:
        """Delete the involvement with its blocking keys, links and notifications."""
        ...

    def purge_expired(self, today: date, *, limit: int = ...) -> Purged:
        """`remove` up to `limit` involvements whose expiry month has begun by `today`."""
        ...

    def purge_agency(self, agency: str, *, limit: int = ...) -> Purged:
        """`remove` up to `limit` of the agency's involvements."""
        ...

    def reseal(self, agency: str, *, after: int = 0, limit: int = ...) -> tuple[int, int]:
        """Seal the agency's rows after row `after` again with its newest key, up to `limit`:
        (rows resealed, last row id seen)."""
        ...

    def for_agency(
        self, agency: str, *, local_ref: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[StoredInvolvement]: ...
    def count(self, agency: str | None = None) -> int: ...
    def count_after(self, row_id: int) -> tuple[int, int]:
        """(the highest involvement row id, how many involvements have a row id above `row_id`):
        with 0, the whole register; with the last highest id, what was added since."""
        ...

    def unreadable(self) -> dict[str, int]:
        """Involvements by agency that can no longer be opened: their data key is destroyed."""
        ...

    def count_expiring(self, by: date) -> int:
        """Involvements whose expiry has come by `by` (what a purge on that day removes)."""
        ...

    def candidates(
        self,
        probe_keys: Iterable[int],
        exclude_agency: str,
        *,
        most: int | None = None,
        counted: Iterable[int] = (),
    ) -> list[Reached]:
        """Involvements of other agencies sharing at least one blocking key; with `most`, only
        that many: those sharing the most keys. `counted`: tokens whose `count_each` the same
        unit of work will ask next, which a database may read with the look-up."""
        ...

    def candidates_many(
        self,
        probes: Sequence[Iterable[int]],
        exclude_agency: str,
        *,
        at_least: int = 1,
        anchors: Sequence[Iterable[int]] = (),
        most: int | None = None,
    ) -> list[list[Reached]]:
        """`candidates` for each of several probes at once (a registration batch). With
        `at_least` > 1, only involvements sharing that many keys with a probe, or one of its
        `anchors` (one set per probe), are returned: the others are never opened."""
        ...

    def resolve(self, reached: Sequence[Reached]) -> dict[str, Candidate]:
        """The whole involvements of `reached`, by involvement id, read in one statement."""
        ...

    def count_indexed(self, keys: Iterable[int], *, up_to: int) -> int:
        """How many involvements (of every agency) at least one of `keys` reaches, counted no
        further than `up_to`."""
        ...

    def count_each(self, keys: Iterable[int]) -> dict[int, int]:
        """How many involvements (of every agency) each of `keys` is indexed under, the name
        tokens of `matching.frequency` among them; a key under none is left out."""
        ...

    def refresh_statistics(self) -> None:
        """After a large load: the query planner's statistics of the register brought up to
        date, so that enquiries made next are planned for the register as it now is."""
        ...

    def sample(self, size: int) -> list[tuple[str, EncodedIdentity]]:
        """Up to `size` stored identities chosen at random, with their agency codes."""
        ...


class SnapshotRepository(Protocol):
    """What a snapshot sync needs of an agency's involvements (`service/sync.py`): found by
    contract key without opening anything sealed, and ended or marked in bulk."""

    def held(
        self, agency: str, keys: Sequence[tuple[str, str]]
    ) -> tuple[list[HeldRow | None], set[str]]:
        """For each (local_ref, involvement kind): the row held under that key, or None; and
        the references among `keys` under which the agency holds any involvement at all."""
        ...

    def with_refs(self, agency: str, refs: Sequence[str]) -> list[int]:
        """The agency's involvements, of any kind, under these local references."""
        ...

    def open_rows(self, agency: str) -> list[int]:
        """The agency's involvements with no end date."""
        ...

    def ending(self, rows: Sequence[int]) -> list[EndingRow]:
        """Those of `rows` still open, with what their new expiry is worked out from."""
        ...

    def end(self, ended: Sequence[tuple[int, date, date | None]]) -> None:
        """(row, end date, expires on): ended, and their row digests cleared."""
        ...

    def set_digests(self, digests: Sequence[tuple[str, str]]) -> None:
        """(involvement id, row digest): the row as the agency just sent it."""
        ...


class ModelRepository(Protocol):
    def newest(self) -> str | None:
        """The newest stored match model (JSON), if any."""
        ...

    def add(self, version: str, body: str) -> None: ...


class LinkRepository(Protocol):
    def add(self, a: str, b: str, confidence: str) -> bool:
        """Record that two involvements are the same child; False if already known."""
        ...

    def add_many(self, pairs: Sequence[tuple[str, str, str]]) -> list[bool]:
        """`add` for each (a, b, confidence), in order; a pair repeated counts once."""
        ...


class NotificationRepository(Protocol):
    def add(self, notification: Notification) -> None: ...
    def add_many(self, notifications: Sequence[Notification]) -> None: ...
    def for_recipient(
        self, agency: str, email: str | None, *, limit: int = 100
    ) -> list[Notification]: ...
    def claim(self, now: datetime, until: datetime, *, limit: int = 100) -> list[Outgoing]:
        """Undelivered notifications due for an attempt, oldest first, each held back from
        other workers until `until` (a worker that dies mid-send leaves them due again then).
        Two workers never claim the same notification."""
        ...

    def delivered(self, notification_id: str, at: datetime, reference: str = "") -> None:
        """Sent; `reference` is the message's (a digest's notifications share one)."""
        ...

    def delivery_status(self, reference: str, status: str) -> list[tuple[str, str]]:
        """Record what the channel said of a message: (id, agency) of each notification in it."""
        ...

    def failed(self, notification_id: str, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt; `retry_at` None gives up (it stays in the inbox)."""
        ...

    def outbox_counts(self) -> dict[str, int]:
        """How many notifications are pending, failed for good and delivered."""
        ...

    def involving(self, involvement_ids: Sequence[str]) -> list[Notification]:
        """Notifications about these involvements, oldest first."""
        ...

    def remove_for_agency(self, agency: str | None) -> int:
        """Delete an agency's remaining notifications (None: everyone's)."""
        ...

    def reseal(self, agency: str) -> int:
        """Seal what notifications say about the agency again with its newest key."""
        ...


class ReviewRepository(Protocol):
    def add(self, review: Review) -> None: ...
    def get(self, review_id: str) -> Review | None: ...
    def search(self, *, open_only: bool = True, limit: int = 100) -> list[Review]: ...
    def close(
        self, review_id: str, *, outcome: str, note: str, by: str, at: datetime
    ) -> Review: ...


class PractitionerRepository(Protocol):
    def seen(self, user: User, at: datetime) -> bool:
        """Record that the user signed in (details as their token gives them now); True the
        first time the user is seen."""
        ...

    def for_agency(self, agency: str | None, *, limit: int = 1000) -> list[User]:
        """Users of one agency (None: every agency), most recently seen first."""
        ...

    def remove_for_agency(self, agency: str | None) -> int:
        """Forget an agency's users (None: everyone's)."""
        ...


class WebSessionRepository(Protocol):
    """Web sign-ins, known by the hash of their id (never the id itself)."""

    def add(self, id_hash: str, subject: str, created: datetime, expires: datetime) -> None: ...
    def is_live(self, id_hash: str, now: datetime) -> bool: ...
    def remove(self, id_hash: str) -> None: ...
    def remove_expired(self, now: datetime) -> int: ...


class AuditLog(Protocol):
    def append(self, event: AuditEvent) -> int: ...
    def append_many(self, events: Sequence[AuditEvent]) -> int: ...
    def read(
        self,
        *,
        agency: str | None = None,
        limit: int = 100,
        action: str | None = None,
        actor: str | None = None,
    ) -> list[AuditEvent]:
        """The newest events first, optionally only one agency's, one action's or one actor's."""
        ...

    def verify(self, witnesses: Sequence[Checkpoint] = ()) -> int | None:
        """None when the log is intact (and still holds every witness as a prefix), else the
        sequence number of the first bad event."""
        ...

    def disclosing(self, involvement_ids: Sequence[str]) -> list[tuple[int, AuditEvent]]:
        """Enquiries (`enquiry:made`) that disclosed any of these involvements, oldest first."""
        ...

    def leaves(self) -> list[bytes]:
        """Stored Merkle leaf hashes, in order (position i holds event i + 1)."""
        ...

    def events(self, *, after: int = 0, limit: int = 10_000) -> list[tuple[int, AuditEvent]]:
        """Events with their sequence numbers, oldest first."""
        ...

    def checkpoints(self) -> list[Checkpoint]: ...
    def newest(self) -> Checkpoint | None:
        """The newest signed checkpoint (None for an empty log)."""
        ...

    def count(
        self,
        action: AuditAction,
        since: datetime,
        *,
        actor: str | None = None,
        agency: str | None = None,
    ) -> int:
        """Events of one kind since a moment, by one actor or agency (enquiry limits)."""
        ...

    def window(
        self, action: AuditAction, since: datetime, *, actor: str, agency: str
    ) -> tuple[list[AuditEvent], int]:
        """One actor's events of one kind since a moment, and how many of them the agency
        made, read together (an enquiry's limits and anomaly rules ask both before anything
        else)."""
        ...


class KeyVault(Protocol):
    """The agencies' data keys (held outside the database, see docs/adr/0009)."""

    def rotate(self, agency: str) -> int:
        """Make a new data key version; returns it."""
        ...

    def retire(self, agency: str, *, keep: int) -> int:
        """Destroy the agency's key versions older than `keep`; returns how many."""
        ...

    def shred(self, agency: str) -> int:
        """Destroy every key of the agency, for good; returns how many."""
        ...

    def agencies(self) -> list[str]:
        """Agencies that have (or had) data keys."""
        ...


class MailError(Exception):
    """A message could not be handed to the mail server (it will be retried)."""


class Mailer(Protocol):
    """Sends one plain-text message by e-mail (SMTP or GOV.UK Notify). Raises MailError when the
    channel cannot take it. `reference` is the message's own (Notify reports on it); `kind` is
    `enquiry`, `link`, `alert` or `digest` (Notify picks its template by it)."""

    def send(
        self, to: str, subject: str, body: str, *, reference: str = "", kind: str = ""
    ) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Nothing is written unless `commit` is called; repositories never commit."""

    # Read-only members, so an implementation may hold more specific repository types.
    @property
    def agencies(self) -> AgencyRepository: ...
    @property
    def involvements(self) -> InvolvementRepository: ...
    @property
    def links(self) -> LinkRepository: ...
    @property
    def notifications(self) -> NotificationRepository: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def models(self) -> ModelRepository: ...
    @property
    def snapshots(self) -> SnapshotRepository: ...
    @property
    def reviews(self) -> ReviewRepository: ...
    @property
    def practitioners(self) -> PractitionerRepository: ...
    @property
    def web_sessions(self) -> WebSessionRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class WitnessStore(Protocol):
    """Where the newest verified tree head is kept outside the database, so that a truncated
    log (events and their checkpoints removed together) is still found."""

    def load(self) -> Checkpoint | None: ...
    def save(self, head: Checkpoint) -> None: ...
