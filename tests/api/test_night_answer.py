"""The API says which contact is current and why (docs/adr/0020): at 3 a.m. a signpost's
`current_contact` is `out-of-hours`, with the number, what it is, the reason and when the
practitioner is next in; the contract's fields are unchanged beside them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.test_api import bearer, child, register
from conftest import PURPOSE, make_agency
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.hours import OfficeHours
from fingerpost.entrypoints.api import create_app

THREE_AM = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # a Thursday in winter: 03:00 in the UK


@pytest.fixture
def night(settings: Settings) -> Iterator[tuple[TestClient, Fingerpost]]:
    fp = bootstrap(settings, clock=lambda: THREE_AM)
    fp.hub.import_agencies(
        Actor.system("OPS"),
        [
            make_agency(
                "CSC-LDS",
                authority_area="E08000035",
                out_of_hours_name="Emergency Duty Team, 24 hours",
            ),
            make_agency("GMP", kind="police", office_hours=OfficeHours.parse("24/7")),
        ],
    )
    with TestClient(create_app(fp)) as client:
        yield client, fp
    fp.close()


def test_at_3am_the_signpost_says_to_call_the_out_of_hours_number_now(
    night: tuple[TestClient, Fingerpost],
) -> None:
    client, fp = night
    register(client, fp)
    response = client.post(
        "/api/v1/enquiries", json={"purpose": PURPOSE, **child()}, headers=bearer(fp, "GMP")
    )
    assert response.status_code == 200, response.text
    [signpost] = response.json()["signposts"]
    assert signpost["practitioner_name"] == "Priya Shah"  # the contract's fields, unchanged
    assert signpost["current_contact"] == "out-of-hours"
    assert signpost["out_of_hours_name"] == "Emergency Duty Team, 24 hours"
    assert signpost["out_of_hours_phone"] == "0161 234 9999"
    assert signpost["current_contact_reason"].startswith("It is outside office hours")
    assert signpost["practitioner_from"] == "2026-12-03T09:00:00Z"
    assert signpost["office_hours"] == "9am to 5pm, Monday to Friday"
    assert signpost["authority_area_name"] == "Leeds"
    assert signpost["why_sentence"].startswith("Same ")


def test_the_agencies_listing_shows_their_office_hours(
    night: tuple[TestClient, Fingerpost],
) -> None:
    client, fp = night
    listed = client.get("/api/v1/agencies", headers=bearer(fp, "GMP")).json()
    hours = {a["code"]: (a["office_hours"], a["out_of_hours_name"]) for a in listed}
    assert hours == {
        "CSC-LDS": ("Mon-Fri 09:00-17:00", "Emergency Duty Team, 24 hours"),
        "GMP": ("24/7", ""),
    }
