"""Match models trained on the register; the newest is in use."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .statements import utc_now
from .tables import match_models

__all__ = ["SqlModels"]


class SqlModels:
    def __init__(self, session: Session) -> None:
        self._session = session

    def newest(self) -> str | None:
        query = select(match_models.c.body).order_by(match_models.c.created_at.desc()).limit(1)
        return self._session.scalar(query)

    def add(self, version: str, body: str) -> None:
        self._session.execute(
            insert(match_models).values(version=version, created_at=utc_now(), body=body)
        )
