"""The retention policy: when an involvement must be forgotten (docs/adr/0009).

An involvement expires a set number of months after it ends and, in any case, when the child
passes the age limit: 18, or 25 for a care leaver. The end is kept to the month (the first day of
the month after the one it falls in). The age limit is kept to the half-year — the first 1 January
or 1 July after the month of the birthday (ADR 0034) — since the hub stores it in the clear: to
the month it gave away the year and month of birth of nearly every child. Rounding only ever goes
later, so nobody is forgotten before the policy says; the price is at most five months' extra
keeping past the age limit (two and a half on average).
"""

from datetime import date

__all__ = [
    "AGE_LIMIT",
    "CARE_LEAVER_AGE_LIMIT",
    "DEFAULT_RETENTION_MONTHS",
    "PRE_BIRTH_MONTHS",
    "ages_out",
    "expires_on",
    "half_year_after",
    "is_half_year",
    "month_after",
]

AGE_LIMIT = 18
CARE_LEAVER_AGE_LIMIT = 25  # Children (Leaving Care) Act 2000: support to 25
DEFAULT_RETENTION_MONTHS = 12


def month_after(day: date, months: int = 0) -> date:
    """The first day of the month after the one `months` months after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months + 1
    return date(index // 12, index % 12 + 1, 1)


def half_year_after(day: date) -> date:
    """`day` if it is a 1 January or a 1 July, else the first of them after it: where an age
    limit is kept, so that it pins the birth month to one of six, never one."""
    if is_half_year(day):
        return day
    return date(day.year, 7, 1) if day.month < 7 else date(day.year + 1, 1, 1)


def is_half_year(day: date) -> bool:
    """Whether `day` is a value `ages_out` can give (the hub refuses any other, ADR 0034)."""
    return day.day == 1 and day.month in (1, 7)


# Child protection work can start before birth (pre-birth assessment), up to this many months.
PRE_BIRTH_MONTHS = 9


def ages_out(born: date | None, *, care_leaver: bool = False, start: date | None = None) -> date:
    """The first 1 January or 1 July after the month in which the child reaches the age limit.

    Computed by the gateway: the hub never sees `born`, and sees the limit only to the
    half-year. When the date of birth is unknown, the latest it could be: the child was born at
    most PRE_BIRTH_MONTHS after `start`."""
    limit = CARE_LEAVER_AGE_LIMIT if care_leaver else AGE_LIMIT
    if born is None:
        if start is None:
            raise ValueError("ages_out: a date of birth or a start date is needed")
        return half_year_after(month_after(start, limit * 12 + PRE_BIRTH_MONTHS))
    # The birthday's month is all that matters, so a 29 February birthday needs no special case.
    return half_year_after(month_after(date(born.year + limit, born.month, 1)))


def expires_on(
    ages_out_on: date | None, end_date: date | None, retention_months: int
) -> date | None:
    """The first day on which the involvement is no longer kept (None only for rows stored
    before retention existed, while they are active)."""
    limits = [d for d in (ages_out_on, end_date and month_after(end_date, retention_months)) if d]
    return min(limits) if limits else None
