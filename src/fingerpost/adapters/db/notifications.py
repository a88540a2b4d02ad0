"""Notifications and the e-mail outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from fingerpost.adapters.crypto import DataKey, Keyring, KeyShredded, sealed_version
from fingerpost.adapters.db.sealed import open_about, seal_about
from fingerpost.service.records import Notification, Outgoing

from .agencies import SqlAgencies
from .involvements import SqlInvolvements
from .statements import aware, insert_many, rowcount, utc_now
from .tables import agencies, involvements, notifications

__all__ = ["SqlNotifications"]


_ABOUT_AGENCY = agencies.alias("about_agency")


class SqlNotifications:
    """Notifications; what each says about someone is sealed with the key of the agency it
    describes, and reads as empty once that agency's keys are destroyed."""

    def __init__(
        self,
        session: Session,
        agencies_repo: SqlAgencies,
        involvements_repo: SqlInvolvements,
        keyring: Keyring,
    ) -> None:
        self._session = session
        self._agencies = agencies_repo
        self._involvements = involvements_repo
        self._keyring = keyring

    def add(self, notification: Notification) -> None:
        self.add_many([notification])

    def add_many(self, notifications_: Sequence[Notification]) -> None:
        internal = self._involvements.internal_id
        now = utc_now()
        rows = []
        keys: dict[str, DataKey] = {}
        for n in notifications_:
            described = n.about_agency or n.agency
            if described not in keys:
                keys[described] = self._keyring.current(described)
            rows.append(
                {
                    "public_id": n.id,
                    "agency_id": self._agencies.id_of(n.agency),
                    "recipient_email": n.recipient_email,
                    "involvement_id": internal(n.involvement_id) if n.involvement_id else None,
                    "source_involvement_id": internal(n.source_id) if n.source_id else None,
                    "kind": n.kind,
                    "about_agency_id": self._agencies.id_of(described),
                    "sealed_about": seal_about(keys[described], n.id, n.about),
                    "created_at": n.created_at or now,
                    "next_attempt_at": n.created_at or now,  # due for e-mail at once
                }
            )
        if rows:
            insert_many(self._session, notifications, rows)

    def _select(self) -> Any:
        return (
            select(
                notifications,
                involvements.c.public_id.label("involvement_public_id"),
                involvements.c.sealed,
                agencies.c.code.label("agency_code"),
                agencies.c.name.label("agency_name"),
                agencies.c.duty_email,
                _ABOUT_AGENCY.c.code.label("about_agency_code"),
            )
            .join_from(
                notifications,
                involvements,
                notifications.c.involvement_id == involvements.c.id,
                isouter=True,  # alerts concern no involvement
            )
            .join(agencies, agencies.c.id == notifications.c.agency_id)
            .join(_ABOUT_AGENCY, _ABOUT_AGENCY.c.id == notifications.c.about_agency_id)
        )

    def _notification(self, row: Any) -> Notification:
        local_ref = ""
        if row.sealed is not None:  # notifications go to the involvement's own agency
            opened = self._involvements.opened(
                row.agency_code, row.involvement_public_id, row.sealed
            )
            local_ref = opened.local_ref if opened else ""
        return Notification(
            id=row.public_id,
            agency=row.agency_code,
            recipient_email=row.recipient_email,
            involvement_id=row.involvement_public_id,
            local_ref=local_ref,
            kind=row.kind,
            about=self._about(row.about_agency_code, row.public_id, row.sealed_about),
            about_agency=row.about_agency_code,
            created_at=aware(row.created_at),
        )

    def for_recipient(
        self, agency: str, email: str | None, *, limit: int = 100
    ) -> list[Notification]:
        query = self._select().where(agencies.c.code == agency)
        if email is not None:
            query = query.where(func.lower(notifications.c.recipient_email) == email.lower())
        query = query.order_by(notifications.c.id.desc()).limit(limit)
        return [self._notification(row) for row in self._session.execute(query)]

    def claim(self, now: datetime, until: datetime, *, limit: int = 100) -> list[Outgoing]:
        due = (
            select(notifications.c.id)
            .where(
                notifications.c.delivered_at.is_(None),
                notifications.c.next_attempt_at.is_not(None),
                notifications.c.next_attempt_at <= now,
            )
            .order_by(notifications.c.id)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            # Another worker's claim in progress is skipped, not waited for.
            due = due.with_for_update(skip_locked=True)
        ids = list(self._session.scalars(due))
        if not ids:
            return []
        # Claimed only if still due: of two workers that read the same rows, one wins each.
        claimed = set(
            self._session.scalars(
                update(notifications)
                .where(
                    notifications.c.id.in_(ids),
                    notifications.c.delivered_at.is_(None),
                    notifications.c.next_attempt_at <= now,
                )
                .values(next_attempt_at=until)
                .returning(notifications.c.id)
            )
        )
        query = self._select().where(notifications.c.id.in_(claimed)).order_by(notifications.c.id)
        return [
            Outgoing(
                notification=self._notification(row),
                attempts=row.attempts,
                agency_name=row.agency_name,
                duty_email=row.duty_email,
            )
            for row in self._session.execute(query)
        ]

    def delivered(self, notification_id: str, at: datetime, reference: str = "") -> None:
        self._session.execute(
            update(notifications)
            .where(notifications.c.public_id == notification_id)
            .values(
                delivered_at=at,
                next_attempt_at=None,
                attempts=notifications.c.attempts + 1,
                last_error=None,
                message_ref=reference or None,
            )
        )

    def delivery_status(self, reference: str, status: str) -> list[tuple[str, str]]:
        found = self._session.execute(
            select(notifications.c.public_id, agencies.c.code)
            .join_from(notifications, agencies, notifications.c.agency_id == agencies.c.id)
            .where(notifications.c.message_ref == reference)
        ).all()
        if found:
            self._session.execute(
                update(notifications)
                .where(notifications.c.message_ref == reference)
                .values(delivery_status=status[:40])
            )
        return [(row[0], row[1]) for row in found]

    def failed(self, notification_id: str, error: str, retry_at: datetime | None) -> None:
        self._session.execute(
            update(notifications)
            .where(notifications.c.public_id == notification_id)
            .values(
                attempts=notifications.c.attempts + 1,
                next_attempt_at=retry_at,
                last_error=error[:200],
            )
        )

    def _about(self, agency: str, notification_id: str, sealed: bytes) -> dict[str, str]:
        try:
            return open_about(self._keyring, agency, notification_id, sealed)
        except KeyShredded:
            return {}  # destroyed with the agency's keys

    def reseal(self, agency: str) -> int:
        """Seal what notifications say about the agency again with its newest key."""
        key = self._keyring.current(agency)
        agency_id = self._agencies.id_of(agency)
        rows = self._session.execute(
            select(
                notifications.c.id, notifications.c.public_id, notifications.c.sealed_about
            ).where(notifications.c.about_agency_id == agency_id)
        ).all()
        done = 0
        for row in rows:
            if sealed_version(row.sealed_about) == key.version:
                continue
            about = self._about(agency, row.public_id, row.sealed_about)
            self._session.execute(
                update(notifications)
                .where(notifications.c.id == row.id)
                .values(sealed_about=seal_about(key, row.public_id, about))
            )
            done += 1
        return done

    def involving(self, involvement_ids: Sequence[str]) -> list[Notification]:
        """Notifications about these involvements (their practitioners were told), oldest first."""
        internals = []
        for public_id in involvement_ids:
            try:
                internals.append(self._involvements.internal_id(public_id))
            except LookupError:
                continue
        query = (
            self._select()
            .where(notifications.c.involvement_id.in_(internals))
            .order_by(notifications.c.id)
        )
        return [self._notification(row) for row in self._session.execute(query)]

    def remove_for_agency(self, agency: str | None) -> int:
        """Delete what is left of an agency's inbox (alerts; None: every agency's)."""
        query = delete(notifications)
        agency_id = None if agency is None else self._agencies.id_of(agency)
        if agency is not None:
            query = query.where(notifications.c.agency_id == agency_id)
        return rowcount(self._session.execute(query))

    def outbox_counts(self) -> dict[str, int]:
        state = case(
            (notifications.c.delivered_at.is_not(None), "delivered"),
            (notifications.c.next_attempt_at.is_not(None), "pending"),
            else_="failed",
        )
        rows = self._session.execute(select(state, func.count()).group_by(state))
        return {"pending": 0, "failed": 0, "delivered": 0} | {s: int(n) for s, n in rows}
