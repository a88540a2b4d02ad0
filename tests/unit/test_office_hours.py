"""Office hours, bank holidays and the plain words of a signpost: who to call at 3 a.m., areas by
name and `why` as a practitioner would say it (docs/adr/0020)."""

from datetime import UTC, date, datetime, time

import pytest

from fingerpost.domain.areas import area_name
from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.hours import (
    DEFAULT_OFFICE_HOURS,
    LONDON,
    CurrentContact,
    OfficeHours,
    bank_holiday,
    contact_now,
    long_date,
    said_at,
    spoken_time,
)
from fingerpost.matching.explain import spoken_why
from fingerpost.matching.score import DEFAULT_MODEL
from fingerpost.synth.generator import AREAS


def london(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment given as UK wall-clock time (GMT in winter, BST in summer)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


THURSDAY_3AM = london(2026, 12, 3, 3, 0)
THURSDAY_NOON = london(2026, 12, 3, 12, 0)
SUMMER_BANK_HOLIDAY = london(2024, 8, 26, 11, 0)  # a Monday, in BST
CHRISTMAS = london(2024, 12, 25, 11, 0)


@pytest.mark.parametrize(
    ("text", "canonical", "described"),
    [
        ("", "Mon-Fri 09:00-17:00", "9am to 5pm, Monday to Friday"),
        ("Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00", "9am to 5pm, Monday to Friday"),
        ("mon-sat 8:30-18:00", "Mon-Sat 08:30-18:00", "8:30am to 6pm, Monday to Saturday"),
        ("Fri 12:00-16:30", "Fri 12:00-16:30", "midday to 4:30pm, Friday"),
        ("24/7", "24/7", "24 hours a day, every day"),
    ],
)
def test_office_hours_are_read_kept_and_said(text: str, canonical: str, described: str) -> None:
    hours = OfficeHours.parse(text)
    assert str(hours) == canonical
    assert OfficeHours.parse(str(hours)) == hours
    assert hours.describe() == described


@pytest.mark.parametrize(
    "text", ["weekdays", "Mon-Fri 17:00-09:00", "Fri-Mon 09:00-17:00", "Mon 9-5"]
)
def test_office_hours_that_cannot_be_read_are_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(InvalidValue, match="office_hours: write them like Mon-Fri 09:00-17:00"):
        OfficeHours.parse(text)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (THURSDAY_NOON, True),
        (THURSDAY_3AM, False),
        (london(2026, 12, 3, 17, 0), False),  # closes at 5pm
        (london(2026, 12, 3, 9, 0), True),
        (london(2026, 12, 5, 12, 0), False),  # a Saturday
        (SUMMER_BANK_HOLIDAY, False),
        (CHRISTMAS, False),
    ],
)
def test_the_default_office_is_open_9_to_5_on_weekdays_except_bank_holidays(
    moment: datetime, open_: bool
) -> None:
    assert DEFAULT_OFFICE_HOURS.is_open(moment) is open_


def test_bank_holidays_are_those_of_the_nation_of_the_area() -> None:
    assert bank_holiday(date(2024, 8, 26), "E08000003") == "Summer bank holiday"
    assert bank_holiday(date(2024, 8, 26), "W06000015") == "Summer bank holiday"
    assert bank_holiday(date(2024, 8, 5), "S12000036") is not None  # Scotland's in August
    assert bank_holiday(date(2024, 8, 26), "S12000036") is None
    assert bank_holiday(date(2024, 12, 25)) == "Christmas Day"
    assert bank_holiday(date(2026, 12, 28)) == "Boxing Day (substitute day)"  # GOV.UK's words
    assert bank_holiday(date(2025, 5, 5)) == "Early May bank holiday"


def test_an_always_open_agency_answers_at_3am_and_on_christmas_day() -> None:
    always = OfficeHours.parse("24/7")
    assert always.is_open(THURSDAY_3AM)
    assert always.is_open(CHRISTMAS)
    assert contact_now(always, CHRISTMAS, out_of_hours_phone="999").current is (
        CurrentContact.PRACTITIONER
    )


def test_at_3am_the_out_of_hours_line_leads_and_the_practitioner_is_for_the_morning() -> None:
    now = contact_now(DEFAULT_OFFICE_HOURS, THURSDAY_3AM, out_of_hours_phone="0161 234 9999")
    assert now.current is CurrentContact.OUT_OF_HOURS
    assert now.reason == (
        "It is outside office hours (9am to 5pm, Monday to Friday): call the out-of-hours number"
        " now, the practitioner from 9am today."
    )
    assert now.office_opens == london(2026, 12, 3, 9, 0)


def test_on_a_friday_evening_the_practitioner_is_there_on_monday() -> None:
    now = contact_now(
        DEFAULT_OFFICE_HOURS, london(2026, 12, 4, 19, 30), out_of_hours_phone="0161 234 9999"
    )
    assert now.reason.endswith("the practitioner from 9am on Monday 7 December 2026.")


def test_on_christmas_day_the_reason_names_the_bank_holiday_and_the_next_working_day() -> None:
    now = contact_now(DEFAULT_OFFICE_HOURS, CHRISTMAS, out_of_hours_phone="0161 234 9999")
    assert now.current is CurrentContact.OUT_OF_HOURS
    assert now.reason.startswith("It is a bank holiday (Christmas Day): call the out-of-hours")
    assert now.reason.endswith("from 9am on Friday 27 December 2024.")  # after Boxing Day


def test_without_an_out_of_hours_number_the_practitioner_stays_the_contact_and_it_says_so() -> None:
    now = contact_now(DEFAULT_OFFICE_HOURS, SUMMER_BANK_HOLIDAY, out_of_hours_phone="")
    assert now.current is CurrentContact.PRACTITIONER
    assert now.reason == (
        "It is a bank holiday (Summer bank holiday) and the agency has given no"
        " out-of-hours number: try the practitioner from 9am tomorrow."
    )


def test_in_office_hours_the_practitioner_is_the_contact() -> None:
    now = contact_now(DEFAULT_OFFICE_HOURS, THURSDAY_NOON, out_of_hours_phone="0161 234 9999")
    assert (now.current, now.reason) == (
        CurrentContact.PRACTITIONER,
        "Office hours (9am to 5pm, Monday to Friday).",
    )


@pytest.mark.parametrize(
    ("moment", "said"),
    [(time(9), "9am"), (time(17, 30), "5:30pm"), (time(12), "midday"), (time(0), "midnight")],
)
def test_times_are_said_the_gov_uk_way(moment: time, said: str) -> None:
    assert spoken_time(moment) == said


def test_dates_are_said_in_words_without_a_leading_zero() -> None:
    assert long_date(date(2024, 9, 5)) == "5 September 2024"


def test_a_moment_is_said_in_uk_time() -> None:
    assert said_at(london(2024, 8, 26, 3, 5)) == "3:05am on 26 August 2024"  # BST
    assert said_at(THURSDAY_3AM) == "3am on 3 December 2026"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("E08000003", "Manchester"),
        ("E08000035", "Leeds"),
        ("e06000023", "City of Bristol"),  # "Bristol, City of" as ONS sorts it
        ("W06000015", "Cardiff"),
        ("E07000999", "E07000999"),  # not in the lookup: the code, never a guess
        ("", ""),
    ],
)
def test_areas_are_named_from_the_shipped_ons_lookup(code: str, name: str) -> None:
    assert area_name(code) == name


def test_every_area_the_generator_uses_has_its_name() -> None:
    for _, place, code in AREAS:
        assert place in area_name(code)  # Bristol is the ONS's "City of Bristol"


@pytest.mark.parametrize(
    ("why", "said"),
    [
        (
            "date of birth; given name a known variant; family name",
            "Same date of birth; given name is a known short form or spelling; same family name.",
        ),
        ("NHS number; different postcode-ish", "Same NHS number; different postcode-ish."),
        ("", ""),
    ],
)
def test_why_is_said_as_a_sentence(why: str, said: str) -> None:
    assert spoken_why(why) == said


def test_every_part_of_why_the_model_can_say_has_words_of_its_own() -> None:
    parts = {
        level.says
        for comparison in DEFAULT_MODEL.comparisons
        for level in comparison.levels
        if level.says
    }
    assert parts
    for part in parts:
        assert spoken_why(part).rstrip(".").lower() != part.lower(), part
