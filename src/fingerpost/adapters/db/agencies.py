"""Agencies, each read at most once per unit of work, and across units of work for a few
seconds (`Recent`, docs/adr/0043)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fingerpost.domain.hours import OfficeHours
from fingerpost.domain.model import Agency
from fingerpost.domain.vocabulary import AgencyKind

from .recent import Recent
from .statements import aware, utc_now
from .tables import agencies

__all__ = ["AgencyRecords", "SqlAgencies"]

# code → (agency, decommissioned at, row id), or None for a code with no agency
_Record = tuple[Agency, datetime | None, int] | None
AgencyRecords = Recent[str, _Record]


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
    through dozens of candidates, and a statement costs more than the matching of several.
    With `recent`, what was read lately by any unit of work of this process is used again (each
    agency's record for a few seconds); a unit of work that changes agencies reads its own
    writes, keeps nothing, and has them read again by everyone once it commits (`committed`)."""

    def __init__(self, session: Session, recent: AgencyRecords | None = None) -> None:
        self._session = session
        self._recent = recent
        self._read: dict[str, _Record] = {}
        self._changed: set[str] = set()

    def id_of(self, code: str) -> int | None:
        found = self._one(code)
        return found[2] if found else None

    def load(self, codes: Iterable[str]) -> None:
        """Read, in one statement, the agencies of `codes` this unit of work has not read
        (and, while it has changed none, that no unit of work has read lately)."""
        missing = sorted(set(codes) - self._read.keys())
        recent = self._recent if not self._changed else None
        if recent is not None:
            for code in missing:
                if (kept := recent.get(code)) is not None:
                    self._read[code] = kept[0]
            missing = [code for code in missing if code not in self._read]
        if not missing:
            return
        ticket = recent.ticket() if recent is not None else None
        found = {
            row.code: row
            for row in self._session.execute(select(agencies).where(agencies.c.code.in_(missing)))
        }
        for code in missing:
            row = found.get(code)
            left = aware(row.decommissioned_at) if row and row.decommissioned_at else None
            self._read[code] = (_agency(row), left, row.id) if row else None
            if recent is not None and ticket is not None:
                recent.keep(ticket, code, self._read[code])

    def committed(self) -> None:
        """This unit of work's changes are committed: every unit of work reads them."""
        if self._recent is not None and self._changed:
            self._recent.forget(*self._changed)
        self._changed.clear()

    def _one(self, code: str) -> _Record:
        if code not in self._read:  # asked once per candidate: the common case is a hit
            self.load([code])
        return self._read[code]

    def _change(self, code: str) -> None:
        self._changed.add(code)
        self._read.pop(code, None)

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
        self._change(agency.code)
        new = self.id_of(agency.code) is None
        if new:
            self._session.execute(
                insert(agencies).values(code=agency.code, created_at=utc_now(), **values)
            )
        else:
            self._session.execute(
                update(agencies).where(agencies.c.code == agency.code).values(**values)
            )
        self._read.pop(agency.code, None)  # read again as now written
        return new

    def all(self) -> list[Agency]:
        return [
            _agency(r) for r in self._session.execute(select(agencies).order_by(agencies.c.code))
        ]

    def decommissioned(self, code: str) -> datetime | None:
        found = self._one(code)
        return found[1] if found else None

    def mark_decommissioned(self, code: str, at: datetime) -> None:
        self._change(code)
        self._session.execute(
            update(agencies).where(agencies.c.code == code).values(decommissioned_at=at)
        )
