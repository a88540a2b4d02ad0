"""The answer at 3 a.m., in a real browser: outside office hours a signpost leads with the
agency's out-of-hours number and keeps the practitioner for the morning; on a bank holiday it
says which one; areas by name, `why` in words, dates as "since …", a "copy for your notes" text
without the child's details, and a print stylesheet — each page checked by axe-core. The
installation's clock is simulated (docs/adr/0020)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from web.conftest import Site
from web.support import CHILD, SHIELDED
from web.test_journeys import accessible, enquire, sign_in, snap

JO = "jo.patel@police.example.org"
THREE_AM = datetime.fromisoformat("2026-12-03T03:00:00+00:00")  # a Thursday, GMT
SUMMER_BANK_HOLIDAY = datetime.fromisoformat("2024-08-26T11:00:00+01:00")  # a Monday, BST
CHRISTMAS_DAY = datetime.fromisoformat("2024-12-25T20:00:00+00:00")


@pytest.fixture
def at(site: Site) -> Iterator[Site]:
    yield site
    site.clock.at = None


def test_at_3am_the_answer_leads_with_the_out_of_hours_number(page: Page, at: Site) -> None:
    at.clock.at = THREE_AM
    sign_in(page, JO)
    enquire(page, CHILD)
    card = page.locator(".govuk-summary-card")
    call_now = card.locator(".app-call-now")
    expect(call_now).to_contain_text("Call now: Emergency Duty Team, 24 hours")
    expect(call_now.get_by_role("link", name="0161 234 9999")).to_have_attribute(
        "href", "tel:01612349999"
    )
    expect(call_now).to_contain_text(
        "It is outside office hours (9am to 5pm, Monday to Friday): call the out-of-hours"
        " number now, the practitioner from 9am today."
    )
    expect(card.get_by_role("heading", name="For the morning")).to_be_visible()
    expect(card).to_contain_text("Priya Shah")
    # The out-of-hours number comes before the practitioner's in the page.
    text = card.inner_text()
    assert text.index("0161 234 9999") < text.index("Priya Shah")
    expect(card).to_contain_text("Leeds")  # the area by name, not E08000035
    expect(card).not_to_contain_text("E08000035")
    expect(card).to_contain_text("Child in need since 1 February 2024")
    expect(card).to_contain_text("Same given name; same family name; same date of birth")
    accessible(page)
    snap(page, "results-night")


def test_on_the_summer_bank_holiday_the_answer_says_so(page: Page, at: Site) -> None:
    at.clock.at = SUMMER_BANK_HOLIDAY
    sign_in(page, JO)
    enquire(page, CHILD)
    call_now = page.locator(".app-call-now")
    expect(call_now).to_contain_text("It is a bank holiday (Summer bank holiday)")
    expect(call_now).to_contain_text("the practitioner from 9am tomorrow")
    accessible(page)


def test_on_christmas_day_a_shielded_involvement_still_shows_only_the_agency(
    page: Page, at: Site
) -> None:
    at.clock.at = CHRISTMAS_DAY
    sign_in(page, JO)
    enquire(page, SHIELDED)
    card = page.locator(".govuk-summary-card")
    expect(card.locator(".app-call-now")).to_contain_text("It is a bank holiday (Christmas Day)")
    expect(card).to_contain_text("Leeds community health duty desk")
    expect(card).not_to_contain_text("Hana Visitor")
    notes = page.get_by_label("The enquiry reference", exact=False).input_value()
    assert "Hana Visitor" not in notes
    assert "Told of this enquiry: the practitioner, shielded (Leeds community health)" in notes
    accessible(page)


def test_the_notes_text_has_the_answer_and_not_the_childs_details(page: Page, at: Site) -> None:
    at.clock.at = THREE_AM
    sign_in(page, JO)
    enquire(page, CHILD)
    notes = page.get_by_label("The enquiry reference", exact=False)
    text = notes.input_value()
    assert "Reference: " in text
    assert "Purpose: Child protection enquiry" in text
    assert "Asked: 3am on 3 December 2026 by DC Jo Patel (POL-WY)" in text
    assert "Leeds children's services, Leeds: strong (act on it)" in text
    assert "Now: Emergency Duty Team, 24 hours, 0161 234 9999" in text
    assert "For the morning: Priya Shah" in text
    assert "Told of this enquiry: Priya Shah (Leeds children's services)" in text
    for detail in ("Olivia", "Harrison", "2015", "07/06", "7 June"):
        assert detail not in text
    expect(page.get_by_role("button", name="Copy to clipboard")).to_be_visible()
    accessible(page)


def test_printed_the_page_is_the_answer_alone(page: Page, at: Site) -> None:
    at.clock.at = THREE_AM
    sign_in(page, JO)
    enquire(page, CHILD)
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator(".govuk-footer")).to_be_hidden()
    expect(page.get_by_role("button", name="Copy to clipboard")).to_be_hidden()
    expect(page.locator(".app-call-now")).to_be_visible()
    expect(page.get_by_text("Olivia Harrison")).to_be_hidden()  # the child's details stay off
    expect(page.get_by_label("The enquiry reference", exact=False)).to_be_visible()
