"""The agencies' directory as the gateway last read it from the hub, kept in the gateway's home.

When the hub cannot be reached a practitioner still needs somebody to call: the enquiry page
then shows the agencies' duty and out-of-hours numbers from this copy (no child's details, only
what `fingerpost agencies import` published). It is refreshed whenever the hub answers."""

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from fingerpost.domain.hours import OfficeHours
from fingerpost.domain.model import Agency
from fingerpost.domain.vocabulary import AgencyKind

__all__ = ["DIRECTORY_FILE", "Directory"]

DIRECTORY_FILE = "agencies.json"


def _as_json(agency: Agency) -> dict[str, str]:
    fields = asdict(agency)
    fields["kind"] = agency.kind.value
    fields["office_hours"] = str(agency.office_hours)
    return {key: str(value) for key, value in fields.items()}


def _from_json(fields: dict[str, str]) -> Agency:
    return Agency(
        code=fields["code"],
        name=fields["name"],
        authority_area=fields["authority_area"],
        kind=AgencyKind(fields["kind"]),
        duty_phone=fields.get("duty_phone", ""),
        duty_email=fields.get("duty_email", ""),
        out_of_hours_phone=fields.get("out_of_hours_phone", ""),
        out_of_hours_name=fields.get("out_of_hours_name", ""),
        office_hours=OfficeHours.parse(fields.get("office_hours", "")),
    )


class Directory:
    def __init__(self, home: Path, fetch: Callable[[], Sequence[Agency]]) -> None:
        self._path = home / DIRECTORY_FILE
        self._fetch = fetch

    def refresh(self) -> list[Agency]:
        """Read the hub's directory and keep a copy; raises whatever the hub's client raises."""
        agencies = list(self._fetch())
        staged = self._path.with_name(f".{DIRECTORY_FILE}.tmp")
        staged.write_text(json.dumps([_as_json(a) for a in agencies], indent=1), encoding="utf-8")
        os.replace(staged, self._path)  # readers see the old copy or the new, never half
        return agencies

    def cached(self) -> list[Agency]:
        """The last copy read from the hub ([] before the first)."""
        try:
            rows = json.loads(self._path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return []
        return [_from_json(row) for row in rows]
