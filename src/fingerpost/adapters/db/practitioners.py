"""Users recorded on first sight."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fingerpost.service.records import User

from .statements import aware, rowcount
from .tables import practitioners

__all__ = ["SqlPractitioners"]


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
        return rowcount(self._session.execute(query))

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
                first_seen=aware(row.first_seen),
                last_seen=aware(row.last_seen),
            )
            for row in self._session.execute(query)
        ]
