"""The gateway's own small database: what the agency's side must remember between restarts
that is not the hub's business. Today that is the web sign-ins (server-side sessions, so that
signing out ends a copied cookie too). Users and their notifications are the hub's (it names the
person in its audit), bearer tokens are stateless (signed with the gateway's key), and no child's
details are ever kept: they are encoded on the way through and forgotten."""

from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fingerpost.adapters.db import engine as db
from fingerpost.adapters.db.tables import web_sessions
from fingerpost.adapters.db.web_sessions import SqlWebSessions

__all__ = ["STORE_FILE", "GatewayStore", "SessionsOnly"]

STORE_FILE = "gateway.db"


class SessionsOnly:
    """A unit of work over the gateway's store: only `web_sessions`, committed when told."""

    web_sessions: SqlWebSessions

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __enter__(self) -> Self:
        self._session = self._sessions()
        self.web_sessions = SqlWebSessions(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._session.close()

    def commit(self) -> None:
        self._session.commit()

    def rollback(self) -> None:
        self._session.rollback()


class GatewayStore:
    """The SQLite file in the gateway's home, created on first use (tables only if missing)."""

    def __init__(self, home: Path) -> None:
        self.engine: Engine = db.create(f"sqlite:///{home / STORE_FILE}")
        web_sessions.create(self.engine, checkfirst=True)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def __call__(self) -> SessionsOnly:
        return SessionsOnly(self._sessions)
