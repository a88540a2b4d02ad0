"""The hub's register of gateways (docs/adr/0026) on SQLAlchemy: one short transaction per call,
outside the unit of work, because a service token is checked before any use case begins.

Every request to the hub names its gateway: a registration read is used again for
`fresh_for` seconds (docs/adr/0043). A change made here (add, revoke, batches) is seen at once by
this process; one made by another (`fingerpost hub gateways revoke` at the command line, another
hub worker) within `fresh_for` seconds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from time import monotonic
from typing import Any

from sqlalchemy import Engine, and_, case, insert, or_, select, update

from fingerpost.service.gateways import RegisteredGateway

from .recent import Recent
from .tables import gateways

__all__ = ["SqlGatewayDirectory"]

_READ = {"fingerpost_snapshot": True}


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes: they were written in UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _gateway(row: Any) -> RegisteredGateway:
    added = _aware(row.added_at)
    assert added is not None
    return RegisteredGateway(
        name=row.name,
        public_key=row.public_key,
        agencies=frozenset(filter(None, row.agencies.split(","))),
        added_at=added,
        revoked_at=_aware(row.revoked_at),
        may_batch=bool(row.may_batch),
    )


class SqlGatewayDirectory:
    def __init__(
        self, engine: Engine, *, fresh_for: float = 0.0, clock: Callable[[], float] = monotonic
    ) -> None:
        self._engine = engine
        self._recent: Recent[str, RegisteredGateway | None] = Recent(fresh_for, clock=clock)

    def get(self, name: str) -> RegisteredGateway | None:
        kept = self._recent.get(name)
        if kept is not None:
            return kept[0]
        ticket = self._recent.ticket()
        # A plain read, not the write lock SQLite's use cases take up front
        # (`engine._sqlite_begin_immediate`).
        with self._engine.connect().execution_options(**_READ) as connection:
            row = connection.execute(select(gateways).where(gateways.c.name == name)).first()
        found = _gateway(row) if row is not None else None
        self._recent.keep(ticket, name, found)
        return found

    def all(self) -> list[RegisteredGateway]:
        with self._engine.connect().execution_options(**_READ) as connection:
            rows = connection.execute(select(gateways).order_by(gateways.c.name)).all()
        return [_gateway(row) for row in rows]

    def add(self, gateway: RegisteredGateway) -> bool:
        values = {
            "public_key": gateway.public_key,
            "agencies": ",".join(sorted(gateway.agencies)),
            "added_at": gateway.added_at,
            "revoked_at": None,
            "may_batch": gateway.may_batch,
            "batch_day": None,
            "batch_rows": 0,
        }
        try:
            with self._engine.begin() as connection:
                held = connection.execute(
                    select(gateways.c.revoked_at).where(gateways.c.name == gateway.name)
                ).first()
                if held is None:
                    connection.execute(insert(gateways).values(name=gateway.name, **values))
                    return True
                if held.revoked_at is None:
                    return False
                connection.execute(
                    update(gateways).where(gateways.c.name == gateway.name).values(**values)
                )
                return True
        finally:
            self._recent.forget(gateway.name)  # once committed (or not): read it again

    def revoke(self, name: str, at: datetime) -> bool:
        return self._change(name, revoked_at=at)

    def allow_batches(self, name: str, allowed: bool) -> bool:
        return self._change(name, may_batch=allowed)

    def _change(self, name: str, **values: object) -> bool:
        """Change a live gateway's registration; False when none has that name."""
        try:
            with self._engine.begin() as connection:
                changed = connection.execute(
                    update(gateways)
                    .where(gateways.c.name == name, gateways.c.revoked_at.is_(None))
                    .values(**values)
                )
                return bool(changed.rowcount)
        finally:
            self._recent.forget(name)  # once committed (or not): read it again

    def take_batch(self, name: str, rows: int, day: date, quota: int) -> bool:
        # One conditional UPDATE: two workers taking batches at once cannot both squeeze in.
        if rows > quota:
            return False
        today = gateways.c.batch_day == day
        with self._engine.begin() as connection:
            changed = connection.execute(
                update(gateways)
                .where(
                    gateways.c.name == name,
                    or_(
                        and_(today, gateways.c.batch_rows + rows <= quota),
                        gateways.c.batch_day.is_(None),
                        gateways.c.batch_day != day,
                    ),
                )
                .values(
                    batch_rows=case((today, gateways.c.batch_rows + rows), else_=rows),
                    batch_day=day,
                )
            )
            return bool(changed.rowcount)
