"""The journeys in a real browser (Debian's Chromium): sign in, enquire, see the signposts, the
other practitioner told, a register uploaded with errors, a break-glass enquiry reviewed — each
page checked by axe-core for serious or critical accessibility failures, and the enquiry made
with the keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from web.conftest import SCREENSHOTS, Site
from web.support import CHILD, COUNCIL, PRIYA, SHIELDED

JO = "jo.patel@police.example.org"  # the police's practitioner, as its register names them
COUNCIL_ADMIN = f"admin.{COUNCIL.lower()}@demo.invalid"
AUDITOR = "ali.reed@demo.invalid"
OPERATOR = "morgan.lee@demo.invalid"
OFFICE_HOURS = datetime.fromisoformat("2026-12-03T11:00:00+00:00")  # a Thursday morning


def accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    found: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in found["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert bad == [], f"{page.url}: {bad}"


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def sign_in(page: Page, subject: str) -> None:
    page.goto("/sign-in")
    page.locator(f'form:has(input[value="{subject}"]) button').click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def fill_child(page: Page, child: dict[str, str]) -> None:
    year, month, day = child["date_of_birth"].split("-")
    page.get_by_label("Given names").fill(child["given_names"])
    page.get_by_label("Family name").fill(child["family_name"])
    page.get_by_label("Day").fill(day.lstrip("0"))
    page.get_by_label("Month").fill(month.lstrip("0"))
    page.get_by_label("Year").fill(year)


def enquire(page: Page, child: dict[str, str], *, urgent: bool = False) -> None:
    page.goto("/enquiry")
    fill_child(page, child)
    page.get_by_label("Child protection enquiry").check()
    if urgent:
        page.get_by_label(re.compile("This is urgent")).check()
    page.get_by_role("button", name="Find practitioners").click()


@pytest.fixture
def in_office_hours(site: Site) -> Iterator[None]:
    """The day answer, whenever the tests run (tests/web/test_night.py has the night's)."""
    site.clock.at = OFFICE_HOURS
    yield
    site.clock.at = None


@pytest.mark.usefixtures("in_office_hours")
def test_a_practitioner_signs_in_enquires_and_sees_who_to_call(page: Page) -> None:
    page.goto("/")
    accessible(page)
    snap(page, "start")
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Demo only")).to_be_visible()
    accessible(page)
    snap(page, "sign-in")
    sign_in(page, JO)
    expect(page).to_have_url(re.compile("/enquiry$"))
    accessible(page)
    snap(page, "enquiry")
    enquire(page, CHILD)

    expect(page.get_by_role("heading", name="1 practitioner found")).to_be_visible()
    card = page.locator(".govuk-summary-card")
    expect(card).to_contain_text("Leeds children's services")
    expect(card).to_contain_text("Strong")
    expect(card).to_contain_text("Priya Shah")
    expect(card).to_contain_text("Child in need")
    expect(card).to_contain_text("Same given name")
    expect(card.get_by_role("link", name="0113 496 0000")).to_have_attribute(
        "href", "tel:01134960000"
    )
    expect(card.get_by_role("link", name=PRIYA)).to_have_attribute("href", f"mailto:{PRIYA}")
    expect(card).to_contain_text("Emergency Duty Team, 24 hours: 0161 234 9999")  # for later
    expect(card.locator(".app-call-now")).to_have_count(0)
    accessible(page)
    snap(page, "results")


def test_the_other_practitioner_sees_the_enquiry_in_their_notifications(
    page: Page, browser: Any
) -> None:
    sign_in(page, JO)
    enquire(page, CHILD)
    expect(page.get_by_role("heading", name="1 practitioner found")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, PRIYA)
    page.get_by_role("link", name="Notifications").click()
    notice = page.locator(".govuk-summary-card", has_text="enquired about LDS-0001").first
    expect(notice).to_contain_text("DC Jo Patel (West Yorkshire Police)")
    expect(notice).to_contain_text("Child protection enquiry")
    expect(notice.get_by_role("link", name=JO)).to_be_visible()
    accessible(page)
    snap(page, "notifications")


def test_mistakes_are_summarised_at_the_top_and_each_links_to_its_field(page: Page) -> None:
    sign_in(page, JO)
    page.goto("/enquiry")
    page.get_by_label("Family name").fill("Harrison")
    page.get_by_label("NHS number").fill("123 456 7890")
    page.get_by_role("button", name="Find practitioners").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to it
    expect(summary).to_contain_text("Select why you are asking")
    expect(summary).to_contain_text("This NHS number is not valid")
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_label("Family name")).to_have_value("Harrison")  # kept as typed
    accessible(page)
    snap(page, "enquiry-errors")
    summary.get_by_role("link", name="Select why you are asking").click()
    expect(page.get_by_label("Child protection enquiry")).to_be_focused()


def test_when_nobody_is_found_the_page_says_what_was_searched(page: Page) -> None:
    sign_in(page, JO)
    enquire(page, {"given_names": "Chloe", "family_name": "Wright", "date_of_birth": "2011-12-25"})
    expect(page.get_by_role("heading", name="No other practitioner found")).to_be_visible()
    expect(page.locator("main")).to_contain_text("name, date of birth")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Chloe Wright")
    expect(page.locator(".govuk-summary-list")).to_contain_text("25/12/2011")
    accessible(page)
    snap(page, "no-match")


def test_a_shielded_involvement_shows_only_the_agency_duty_desk(page: Page) -> None:
    sign_in(page, JO)
    enquire(page, SHIELDED)
    card = page.locator(".govuk-summary-card")
    expect(card).to_contain_text("Leeds community health duty desk")
    expect(card).to_contain_text("0113 555 0100")
    expect(card).to_contain_text("shielded")
    expect(card).not_to_contain_text("Hana Visitor")
    accessible(page)


def test_an_administrator_uploads_a_register_sees_the_errors_then_confirms(
    page: Page, tmp_path: Path
) -> None:
    columns = ("local_ref,given_names,family_name,date_of_birth,nhs_number,involvement,"
               "practitioner_name,practitioner_email,start_date")  # fmt: skip
    sam = "Sam Okafor,sam@leeds.example.org,2025-01-06"
    register = tmp_path / "leeds.csv"
    register.write_text(
        f"{columns}\n"
        f"LDS-0101,Ava,Brown,2016-03-02,,child-in-need,{sam}\n"
        f"LDS-0102,Leo,Brown,2018-09-14,1234567890,child-in-need,{sam}\n"
        f"LDS-0103,Isla,Khan,2014-05-20,,case-notes,{sam}\n"
        f"LDS-0104,Mia,Khan,2014-05-20,,early-help,{sam}\n",
        encoding="utf-8",
    )
    sign_in(page, COUNCIL_ADMIN)
    page.get_by_role("link", name="Upload a register").click()
    accessible(page)
    page.get_by_label("Register file (CSV)").set_input_files(register)
    page.get_by_role("button", name="Check the file").click()

    expect(
        page.get_by_role("heading", name="Check the rows before you register them")
    ).to_be_visible()
    rows = page.locator(".govuk-table__body .govuk-table__row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("LDS-0102")  # kept, without its NHS number
    expect(rows.nth(0)).to_contain_text("Kept")
    expect(rows.nth(0)).to_contain_text("not a valid NHS number")
    expect(rows.nth(1)).to_contain_text("LDS-0103")
    expect(rows.nth(1)).to_contain_text("involvement: not one of")
    accessible(page)
    snap(page, "upload-preview")

    page.get_by_role("button", name="Register 3 rows").click()
    # Registering runs while the page waits: give a loaded machine time.
    expect(page.get_by_role("heading", name="Register uploaded")).to_be_visible(timeout=30_000)
    expect(page.locator(".govuk-panel")).to_contain_text("3 rows accepted")
    accessible(page)
    page.get_by_role("link", name="See your involvements").click()
    expect(page.get_by_role("link", name="LDS-0101")).to_be_visible()
    expect(page.get_by_role("link", name="LDS-0102")).to_be_visible()
    expect(page.get_by_role("link", name="LDS-0103")).to_have_count(0)
    accessible(page)
    snap(page, "involvements")


def test_an_auditor_reviews_an_urgent_enquiry(page: Page) -> None:
    sign_in(page, JO)
    enquire(page, CHILD, urgent=True)
    expect(page.locator("main")).to_contain_text("This urgent enquiry has been recorded")

    page.context.clear_cookies()
    sign_in(page, AUDITOR)
    page.get_by_role("link", name="Break-glass reviews").click()
    review = page.locator(".govuk-summary-card", has_text="DC Jo Patel").first
    expect(review).to_contain_text("Child protection enquiry")
    accessible(page)
    snap(page, "reviews")
    review.get_by_label("Justified", exact=True).check()
    review.get_by_label("Note (optional)").fill("Child at risk that night; proportionate.")
    review.get_by_role("button", name="Close the review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The review is closed: justified."
    )
    accessible(page)


def test_an_auditor_answers_a_subject_access_request(page: Page) -> None:
    sign_in(page, JO)
    enquire(page, CHILD)
    page.context.clear_cookies()
    sign_in(page, AUDITOR)
    page.get_by_role("link", name="Subject access").click()
    page.get_by_role("button", name="Make the report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the request's reference")
    accessible(page)
    page.get_by_label("Request reference").fill("SAR-2026-014")
    fill_child(page, CHILD)
    page.get_by_role("button", name="Make the report").click()

    expect(page.get_by_role("heading", name="Subject access report")).to_be_visible()
    held = page.locator("table", has_text="Involvements held")
    expect(held).to_contain_text("Leeds children's services")
    expect(held).to_contain_text("LDS-0001")
    expect(page.locator("table", has_text="Enquiries that found the child")).to_contain_text(JO)
    accessible(page)
    snap(page, "subject-access")


def test_the_enquiry_journey_works_with_the_keyboard_alone(page: Page) -> None:
    def tab_to(selector: str, presses: int = 40) -> None:
        for _ in range(presses):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        pytest.fail(f"{selector} cannot be reached with the Tab key")

    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    tab_to("a.govuk-button--start")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign-in")
    tab_to(f'form:has(input[value="{JO}"]) button')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/enquiry$"))

    for selector, text in (
        ("#given_names", CHILD["given_names"]),
        ("#family_name", CHILD["family_name"]),
        ("#dob-day", "7"),
        ("#dob-month", "6"),
        ("#dob-year", "2015"),
    ):
        tab_to(selector)
        page.keyboard.type(text)
    tab_to("#purpose")
    page.keyboard.press("Space")
    expect(page.get_by_label("Child protection enquiry")).to_be_checked()
    tab_to("button.govuk-button:not(.govuk-button--secondary)")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="1 practitioner found")).to_be_visible()


def test_every_other_page_passes_axe(page: Page) -> None:
    sign_in(page, JO)
    enquire(page, CHILD)  # something for the audit log to show
    page.context.clear_cookies()
    sign_in(page, COUNCIL_ADMIN)
    for path, shot in (("/admin/users", "users"), ("/notifications", ""), ("/enquiry", "")):
        page.goto(path)
        accessible(page)
        if shot:
            snap(page, shot)
    page.goto("/admin/involvements")
    page.get_by_role("link", name="LDS-0001").click()
    expect(page.get_by_role("heading", name="LDS-0001")).to_be_visible()
    accessible(page)
    page.goto("/nowhere")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    accessible(page)

    page.context.clear_cookies()
    sign_in(page, AUDITOR)
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_label("Action").select_option("enquiry:made")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-table__body")).to_contain_text("enquiry:made")
    accessible(page)
    snap(page, "audit")
    page.get_by_role("button", name="Verify the audit log").click()
    expect(page.get_by_role("heading", name="The audit log is intact")).to_be_visible()
    accessible(page)
    page.goto("/audit/reviews?state=all")
    accessible(page)

    page.context.clear_cookies()
    sign_in(page, OPERATOR)
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ready")
    expect(page.locator("main")).to_contain_text("Expiring in the next 30 days")
    accessible(page)
    snap(page, "operations")
