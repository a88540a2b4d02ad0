"""The unit of work: one session, one transaction; commit only when the use case says so."""

from collections.abc import Callable
from time import monotonic
from types import TracebackType
from typing import Self

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fingerpost.adapters.crypto import Keyring
from fingerpost.matching.candidates import Ranking

from .agencies import AgencyRecords, SqlAgencies
from .audit_log import SqlAuditLog
from .involvements import SqlInvolvements
from .links import SqlLinks
from .models import SqlModels
from .notifications import SqlNotifications
from .practitioners import SqlPractitioners
from .recent import Recent
from .reviews import SqlReviews
from .snapshots import SqlSnapshots
from .web_sessions import SqlWebSessions

__all__ = ["SqlUnitOfWork", "SqlUnitOfWorkFactory"]


class SqlUnitOfWork:
    """One transaction over every repository; the audit log signs with the service's key."""

    agencies: SqlAgencies
    involvements: SqlInvolvements
    links: SqlLinks
    notifications: SqlNotifications
    audit: SqlAuditLog
    models: SqlModels
    reviews: SqlReviews
    practitioners: SqlPractitioners
    web_sessions: SqlWebSessions
    snapshots: SqlSnapshots

    def __init__(
        self,
        sessions: sessionmaker[Session],
        signing_key: Ed25519PrivateKey,
        keyring: Keyring,
        *,
        ranking: Ranking = "shared",
        agency_records: AgencyRecords | None = None,
    ) -> None:
        self._sessions = sessions
        self._key = signing_key
        self._keyring = keyring
        self._ranking: Ranking = ranking
        self._agency_records = agency_records

    def __enter__(self) -> Self:
        self._session = self._sessions()
        self.agencies = SqlAgencies(self._session, self._agency_records)
        self.involvements = SqlInvolvements(
            self._session, self.agencies, self._keyring, ranking=self._ranking
        )
        self.links = SqlLinks(self._session, self.involvements)
        self.notifications = SqlNotifications(
            self._session, self.agencies, self.involvements, self._keyring
        )
        self.audit = SqlAuditLog(self._session, self._key)
        self.models = SqlModels(self._session)
        self.reviews = SqlReviews(self._session)
        self.practitioners = SqlPractitioners(self._session)
        self.web_sessions = SqlWebSessions(self._session)
        self.snapshots = SqlSnapshots(self._session, self._keyring)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()  # a no-op after commit; undoes everything otherwise
        self._session.close()

    def commit(self) -> None:
        self._session.commit()
        self.agencies.committed()

    def rollback(self) -> None:
        self._session.rollback()


class SqlUnitOfWorkFactory:
    def __init__(
        self,
        engine: Engine,
        signing_key: Ed25519PrivateKey,
        keyring: Keyring,
        *,
        ranking: Ranking = "shared",
        agencies_fresh_for: float = 0.0,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._key = signing_key
        self._keyring = keyring
        self._ranking: Ranking = ranking  # how an enquiry's capped candidates are chosen
        # Agencies read by any unit of work, used by the next for a few seconds (ADR 0043)
        self._agency_records: AgencyRecords = Recent(agencies_fresh_for, clock=clock)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self._sessions,
            self._key,
            self._keyring,
            ranking=self._ranking,
            agency_records=self._agency_records,
        )
