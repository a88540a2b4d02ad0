"""Web sign-ins held server-side (issue 18): the browser's signed cookie carries a random session
id, the database its SHA-256 and expiry. Signing out deletes the row, so a copy of the cookie
taken before then signs nobody in; rows past their expiry go whenever someone signs in."""

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fingerpost.service.ports import UnitOfWork

__all__ = ["WebSessions"]

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class WebSessions:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        *,
        lifetime: timedelta,
        clock: Clock = _utcnow,
    ) -> None:
        self._uow = unit_of_work
        self._lifetime = lifetime
        self._clock = clock

    def open(self, subject: str) -> str:
        """A new session for the user; returns its id (for the cookie only)."""
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        with self._uow() as uow:
            uow.web_sessions.remove_expired(now)
            uow.web_sessions.add(_hashed(session_id), subject, now, now + self._lifetime)
            uow.commit()
        return session_id

    def is_open(self, session_id: str) -> bool:
        with self._uow() as uow:
            return uow.web_sessions.is_live(_hashed(session_id), self._clock())

    def close(self, session_id: str) -> None:
        with self._uow() as uow:
            uow.web_sessions.remove(_hashed(session_id))
            uow.commit()
