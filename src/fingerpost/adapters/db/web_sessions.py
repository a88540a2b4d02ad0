"""Web sign-ins kept server-side (by the hash of their id), so that one can be revoked."""

from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, delete, insert, select
from sqlalchemy.orm import Session

from .tables import web_sessions

__all__ = ["SqlWebSessions"]


class SqlWebSessions:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, id_hash: str, subject: str, created: datetime, expires: datetime) -> None:
        self._session.execute(
            insert(web_sessions).values(
                id_hash=id_hash, subject=subject, created_at=created, expires_at=expires
            )
        )

    def is_live(self, id_hash: str, now: datetime) -> bool:
        found = self._session.execute(
            select(web_sessions.c.id_hash).where(
                web_sessions.c.id_hash == id_hash, web_sessions.c.expires_at > now
            )
        ).first()
        return found is not None

    def remove(self, id_hash: str) -> None:
        self._session.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash))

    def remove_expired(self, now: datetime) -> int:
        removed = self._session.execute(
            delete(web_sessions).where(web_sessions.c.expires_at <= now)
        )
        return int(cast("CursorResult[tuple[()]]", removed).rowcount)
