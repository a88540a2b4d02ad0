"""Office hours, and which contact a signpost leads with at a given moment.

A named practitioner works office hours; at 3 a.m. or on Christmas Day the number that answers is
the agency's out-of-hours (emergency duty) line. Office hours are local time in England and Wales
and bank holidays come from the `holidays` package: a computation with no network, refreshed by
upgrading the package when a new bank holiday is announced (docs/adr/0020).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from fingerpost.domain.errors import InvalidValue

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "LONDON",
    "CurrentContact",
    "Now",
    "OfficeHours",
    "bank_holiday",
    "contact_now",
    "long_date",
    "said_at",
    "spoken_time",
]

LONDON = ZoneInfo("Europe/London")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SPAN = re.compile(
    r"(?P<first>[A-Za-z]{3})(?:\s*-\s*(?P<last>[A-Za-z]{3}))?\s+"
    r"(?P<opens>\d{1,2}:\d{2})\s*-\s*(?P<closes>\d{1,2}:\d{2})"
)
ALWAYS = "24/7"


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """When an agency's practitioners answer: one opening and closing time on some weekdays, or
    always (a police control room, an A&E). Closed on bank holidays unless always open."""

    days: frozenset[int]  # 0 = Monday
    opens: time
    closes: time
    always: bool = False

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """`Mon-Fri 09:00-17:00`, `Mon-Sat 08:30-18:00`, `24/7`; empty is the default."""
        text = text.strip()
        if not text:
            return DEFAULT_OFFICE_HOURS
        if text.lower() in {ALWAYS, "24 hours"}:
            return cls(frozenset(range(7)), time(0), time(0), always=True)
        found = _SPAN.fullmatch(text)
        problem = "office_hours: write them like Mon-Fri 09:00-17:00 (or 24/7)"
        if found is None:
            raise InvalidValue(problem)
        try:
            first = _DAYS.index(found["first"].title())
            last = _DAYS.index((found["last"] or found["first"]).title())
            opens = time.fromisoformat(found["opens"].zfill(5))
            closes = time.fromisoformat(found["closes"].zfill(5))
        except ValueError:
            raise InvalidValue(problem) from None
        if last < first or closes <= opens:
            raise InvalidValue(problem + ": the days and times must run forwards")
        return cls(frozenset(range(first, last + 1)), opens, closes)

    def __str__(self) -> str:
        """The canonical form `parse` reads back (what the database keeps)."""
        if self.always:
            return ALWAYS
        first, last = min(self.days), max(self.days)
        span = _DAYS[first] if first == last else f"{_DAYS[first]}-{_DAYS[last]}"
        return f"{span} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def describe(self) -> str:
        """In GOV.UK style: `9am to 5pm, Monday to Friday`."""
        if self.always:
            return "24 hours a day, every day"
        first, last = min(self.days), max(self.days)
        days = _DAY_NAMES[first] if first == last else f"{_DAY_NAMES[first]} to {_DAY_NAMES[last]}"
        return f"{spoken_time(self.opens)} to {spoken_time(self.closes)}, {days}"

    def is_open(self, moment: datetime, area: str = "") -> bool:
        if self.always:
            return True
        local = moment.astimezone(LONDON)
        return (
            local.weekday() in self.days
            and self.opens <= local.time() < self.closes
            and bank_holiday(local.date(), area) is None
        )

    def next_opening(self, moment: datetime, area: str = "") -> datetime | None:
        """When the office next opens after `moment` (local time); None when always open."""
        if self.always:
            return None
        local = moment.astimezone(LONDON)
        for ahead in range(15):  # a fortnight covers Christmas and New Year on a short week
            day = local.date() + timedelta(days=ahead)
            opening = datetime.combine(day, self.opens, LONDON)
            if day.weekday() in self.days and bank_holiday(day, area) is None and opening > local:
                return opening
        return None


DEFAULT_OFFICE_HOURS = OfficeHours(frozenset(range(5)), time(9), time(17))


def spoken_time(moment: time) -> str:
    """`9am`, `5:30pm`, `midday` (the GOV.UK style guide's times)."""
    if moment == time(12):
        return "midday"
    if moment == time(0):
        return "midnight"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def said_at(moment: datetime) -> str:
    """`3:05am on 3 December 2026`, in UK time (to the minute)."""
    local = moment.astimezone(LONDON)
    minute = local.time().replace(second=0, microsecond=0)
    return f"{spoken_time(minute)} on {long_date(local.date())}"


def long_date(day: date) -> str:
    """`25 September 2024` (no leading zero, the month in words)."""
    return f"{day.day} {day:%B %Y}"


@cache
def _calendar(subdivision: str) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=subdivision)


# Scotland and Northern Ireland keep other bank holidays; England and Wales share theirs.
_NATIONS = {"E": "ENG", "W": "WLS", "S": "SCT", "N": "NIR"}


# The names GOV.UK gives them (gov.uk/bank-holidays), where the package's differ.
_GOV_UK_NAMES = {
    "May Day": "Early May bank holiday",
    "Spring Bank Holiday": "Spring bank holiday",
    "Late Summer Bank Holiday": "Summer bank holiday",
    "Summer Bank Holiday": "Summer bank holiday",
    "New Year Holiday": "2nd January",
}


def bank_holiday(day: date, area: str = "") -> str | None:
    """The bank holiday's name on `day` in the nation of the ONS area code, else None."""
    found = _calendar(_NATIONS.get(area[:1].upper(), "ENG")).get(day)
    if not found:
        return None
    # The package may give two names for one day ("a; b"): the first is enough to say.
    name = str(found).split(";")[0].strip()
    name, observed, _ = name.partition(" (observed)")
    return _GOV_UK_NAMES.get(name, name) + (" (substitute day)" if observed else "")


class CurrentContact(StrEnum):
    PRACTITIONER = "practitioner"  # office hours: the named practitioner answers
    OUT_OF_HOURS = "out-of-hours"  # the agency's out-of-hours or emergency duty line


@dataclass(frozen=True, slots=True)
class Now:
    """Which contact to call now, and a sentence saying why."""

    current: CurrentContact
    reason: str
    office_opens: datetime | None  # when the practitioner is next in (local time)


def _when(opening: datetime, moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    at = spoken_time(opening.time())
    if opening.date() == local.date():
        return f"from {at} today"
    if opening.date() == local.date() + timedelta(days=1):
        return f"from {at} tomorrow"
    return f"from {at} on {_DAY_NAMES[opening.weekday()]} {long_date(opening.date())}"


def contact_now(
    hours: OfficeHours, moment: datetime, *, area: str = "", out_of_hours_phone: str = ""
) -> Now:
    """Office hours: the practitioner. Outside them: the out-of-hours line if the agency has one,
    with the practitioner for when the office opens."""
    if hours.is_open(moment, area):
        return Now(CurrentContact.PRACTITIONER, f"Office hours ({hours.describe()}).", None)
    local = moment.astimezone(LONDON)
    holiday = None if hours.always else bank_holiday(local.date(), area)
    closed = (
        f"It is a bank holiday ({holiday})"
        if holiday
        else f"It is outside office hours ({hours.describe()})"
    )
    opening = hours.next_opening(moment, area)
    later = f"the practitioner {_when(opening, moment)}" if opening else "the practitioner later"
    if not out_of_hours_phone:
        return Now(
            CurrentContact.PRACTITIONER,
            f"{closed} and the agency has given no out-of-hours number: try {later}.",
            opening,
        )
    return Now(
        CurrentContact.OUT_OF_HOURS,
        f"{closed}: call the out-of-hours number now, {later}.",
        opening,
    )
