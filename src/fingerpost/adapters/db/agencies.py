"""Agencies, each read at most once per unit of work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fingerpost.domain.hours import OfficeHours
from fingerpost.domain.model import Agency
from fingerpost.domain.vocabulary import AgencyKind

from .statements import aware, utc_now
from .tables import agencies

__all__ = ["SqlAgencies"]


_AGENCY_FIELDS = (
    "code",
    "name",
    "authority_area",
    "kind",
    "duty_phone",
    "duty_email",
    "out_of_hours_phone",
    "out_of_hours_name",
)


def _agency(row: Any) -> Agency:
    values = row._mapping
    fields = {name: values[name] for name in _AGENCY_FIELDS}
    return Agency(
        **{**fields, "kind": AgencyKind(fields["kind"])},
        office_hours=OfficeHours.parse(values["office_hours"]),
    )


class SqlAgencies:
    """Agencies, each read at most once per unit of work: an enquiry meets a handful of them
    through dozens of candidates, and a statement costs more than the matching of several."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._ids: dict[str, int] = {}
        # code → (agency, decommissioned at), or None for a code with no agency
        self._read: dict[str, tuple[Agency, datetime | None] | None] = {}

    def id_of(self, code: str) -> int | None:
        if code not in self._ids:
            found = self._session.scalar(select(agencies.c.id).where(agencies.c.code == code))
            if found is None:
                return None
            self._ids[code] = found
        return self._ids[code]

    def load(self, codes: Iterable[str]) -> None:
        """Read, in one statement, the agencies of `codes` this unit of work has not read."""
        missing = sorted(set(codes) - self._read.keys())
        if not missing:
            return
        found = {
            row.code: row
            for row in self._session.execute(select(agencies).where(agencies.c.code.in_(missing)))
        }
        for code in missing:
            row = found.get(code)
            left = aware(row.decommissioned_at) if row and row.decommissioned_at else None
            self._read[code] = (_agency(row), left) if row else None
            if row:
                self._ids[code] = row.id

    def _one(self, code: str) -> tuple[Agency, datetime | None] | None:
        if code not in self._read:  # asked once per candidate: the common case is a hit
            self.load([code])
        return self._read[code]

    def get(self, code: str) -> Agency | None:
        found = self._one(code)
        return found[0] if found else None

    def upsert(self, agency: Agency) -> bool:
        values = {
            "name": agency.name,
            "authority_area": agency.authority_area,
            "kind": agency.kind.value,
            "duty_phone": agency.duty_phone,
            "duty_email": agency.duty_email,
            "out_of_hours_phone": agency.out_of_hours_phone,
            "out_of_hours_name": agency.out_of_hours_name,
            "office_hours": str(agency.office_hours),
            "updated_at": utc_now(),
        }
        self._read.pop(agency.code, None)
        if self.id_of(agency.code) is None:
            self._session.execute(
                insert(agencies).values(code=agency.code, created_at=utc_now(), **values)
            )
            return True
        self._session.execute(
            update(agencies).where(agencies.c.code == agency.code).values(**values)
        )
        return False

    def all(self) -> list[Agency]:
        return [
            _agency(r) for r in self._session.execute(select(agencies).order_by(agencies.c.code))
        ]

    def decommissioned(self, code: str) -> datetime | None:
        found = self._one(code)
        return found[1] if found else None

    def mark_decommissioned(self, code: str, at: datetime) -> None:
        self._read.pop(code, None)
        self._session.execute(
            update(agencies).where(agencies.c.code == code).values(decommissioned_at=at)
        )
