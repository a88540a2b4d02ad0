"""The "copy for your notes" text: the answer for the case record — reference, time, purpose,
who was found and how sure, who to call now and for the morning, who has been told — and never
the child's details or a shielded practitioner's name."""

from datetime import UTC, date, datetime

from fingerpost.domain.vocabulary import Confidence
from fingerpost.entrypoints.answer import added_cells, notes_text, since
from fingerpost.service.records import SignpostView

NIGHT = SignpostView(
    confidence=Confidence.STRONG,
    why="given name; family name; date of birth",
    agency="CSC-LDS",
    agency_name="Leeds children's services",
    authority_area="E08000035",
    practitioner_name="Priya Shah",
    practitioner_role="Social worker",
    practitioner_phone="0113 496 0000",
    practitioner_email="priya.shah@leeds.example.org",
    involvement="child-protection-plan",
    start_date=date(2024, 9, 25),
    end_date=None,
    shielded=False,
    authority_area_name="Leeds",
    why_sentence="Same given name; same family name; same date of birth.",
    current_contact="out-of-hours",
    current_contact_reason="It is outside office hours.",
    out_of_hours_name="Emergency Duty Team, 24 hours",
    out_of_hours_phone="0113 240 9536",
    office_hours="9am to 5pm, Monday to Friday",
    practitioner_from=datetime(2026, 12, 3, 9, tzinfo=UTC),
)
SHIELDED = SignpostView(
    confidence=Confidence.STRONG,
    why="given name; family name",
    agency="NHS-LTH",
    agency_name="Leeds community health",
    authority_area="",
    practitioner_name="Leeds community health duty desk",
    practitioner_role="Duty team",
    practitioner_phone="0113 555 0100",
    practitioner_email="",
    involvement="health-visiting",
    start_date=date(2023, 1, 2),
    end_date=date(2024, 5, 6),
    shielded=True,
)


def notes() -> str:
    return notes_text(
        enquiry_id="k6Pg1smFnvtfGcvr",
        asked_at=datetime(2026, 12, 3, 3, 5, tzinfo=UTC),
        asked_by="DC Jo Patel (POL-WY)",
        purpose="Child protection enquiry",
        searched=["name", "date of birth"],
        signposts=[NIGHT, SHIELDED],
    )


def test_the_notes_say_what_was_asked_and_found_line_by_line() -> None:
    assert notes().splitlines() == [
        "fingerpost enquiry",
        "Reference: k6Pg1smFnvtfGcvr",
        "Asked: 3:05am on 3 December 2026 by DC Jo Patel (POL-WY)",
        "Purpose: Child protection enquiry",
        "Searched on: name, date of birth",
        "Found: 2 (2 strong)",
        "1. Leeds children's services, Leeds: strong (act on it)",
        "   Child protection plan, since 25 September 2024",
        "   Now: Emergency Duty Team, 24 hours, 0113 240 9536",
        "   For the morning: Priya Shah, Social worker, 0113 496 0000 · "
        "priya.shah@leeds.example.org",
        "   Why: Same given name; same family name; same date of birth.",
        "2. Leeds community health: strong (act on it)",
        "   Health visiting, from 2 January 2023 to 6 May 2024",
        "   Contact: Leeds community health duty desk, Duty team, 0113 555 0100",
        "Told of this enquiry: Priya Shah (Leeds children's services); the practitioner,"
        " shielded (Leeds community health)",
    ]


def test_dates_read_since_or_from_to() -> None:
    assert since(NIGHT) == "since 25 September 2024"
    assert since(SHIELDED) == "from 2 January 2023 to 6 May 2024"


def test_the_added_csv_cells_follow_the_added_columns() -> None:
    assert added_cells(NIGHT) == (
        "Leeds",
        "out-of-hours",
        "It is outside office hours.",
        "Emergency Duty Team, 24 hours",
        "0113 240 9536",
        "9am to 5pm, Monday to Friday",
        "2026-12-03T09:00:00+00:00",
        "Same given name; same family name; same date of birth.",
    )
