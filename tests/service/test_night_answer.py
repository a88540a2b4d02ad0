"""Who to call at 3 a.m.: outside an agency's office hours a signpost leads with its
out-of-hours number and keeps the practitioner for when the office opens (docs/adr/0020).
The hub's clock is injected, so the night and the bank holiday are simulated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from conftest import Scenario
from fingerpost.bootstrap import bootstrap
from fingerpost.config import Settings
from fingerpost.domain.hours import LONDON, OfficeHours
from fingerpost.service.records import SignpostView

THREE_AM = datetime(2026, 12, 3, 3, 0, tzinfo=LONDON)  # a Thursday
NOON = datetime(2026, 12, 3, 12, 0, tzinfo=LONDON)
SUMMER_BANK_HOLIDAY = datetime(2024, 8, 26, 11, 0, tzinfo=LONDON)


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def night(settings: Settings, clock: Clock) -> Iterator[Scenario]:
    fp = bootstrap(settings, clock=clock)
    scenario = Scenario(fp)
    scenario.agency(
        "CSC-MAN",
        out_of_hours_phone="0161 234 9999",
        out_of_hours_name="Emergency Duty Team, 24 hours",
    )
    scenario.agency("GMP", kind="police", office_hours=OfficeHours.parse("24/7"))
    scenario.register_one("CSC-MAN", start_date="2024-09-25")
    yield scenario
    fp.close()


def signpost(scenario: Scenario) -> SignpostView:
    (found,) = scenario.enquire("GMP").signposts
    return found


def test_at_3am_the_signpost_leads_with_the_emergency_duty_team(
    night: Scenario, clock: Clock
) -> None:
    clock.now = THREE_AM
    found = signpost(night)
    assert found.current_contact == "out-of-hours"
    assert (found.out_of_hours_name, found.out_of_hours_phone) == (
        "Emergency Duty Team, 24 hours",
        "0161 234 9999",
    )
    assert found.current_contact_reason == (
        "It is outside office hours (9am to 5pm, Monday to Friday): call the out-of-hours"
        " number now, the practitioner from 9am today."
    )
    assert found.practitioner_name == "Priya Shah"  # for the morning, never withheld
    assert found.practitioner_from == datetime(2026, 12, 3, 9, 0, tzinfo=LONDON)


def test_at_noon_the_practitioner_is_the_contact(night: Scenario, clock: Clock) -> None:
    clock.now = NOON
    found = signpost(night)
    assert found.current_contact == "practitioner"
    assert found.current_contact_reason == "Office hours (9am to 5pm, Monday to Friday)."
    assert found.practitioner_from is None


def test_on_the_summer_bank_holiday_the_signpost_says_so(night: Scenario, clock: Clock) -> None:
    clock.now = SUMMER_BANK_HOLIDAY
    found = signpost(night)
    assert found.current_contact == "out-of-hours"
    assert found.current_contact_reason.startswith(
        "It is a bank holiday (Summer bank holiday): call the out-of-hours number now"
    )


def test_the_signpost_names_the_area_and_says_why_in_words(night: Scenario) -> None:
    found = signpost(night)
    assert (found.authority_area, found.authority_area_name) == ("E08000003", "Manchester")
    assert found.why_sentence.startswith("Same ")
    assert found.why_sentence.endswith(".")
    assert found.office_hours == "9am to 5pm, Monday to Friday"
