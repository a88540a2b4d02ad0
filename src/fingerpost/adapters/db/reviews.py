"""Reviews of urgent (break-glass) enquiries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fingerpost.service.records import Review

from .statements import aware
from .tables import reviews

__all__ = ["SqlReviews"]


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
            opened_at=aware(row.opened_at),
            closed_at=aware(row.closed_at) if row.closed_at else None,
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
