"""The night answer in `agencies import` and `fingerpost enquire`: office hours and what the
out-of-hours number is are optional added columns; the enquiry output adds which contact is
current and why, and the area by name (docs/adr/0020)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cli.conftest import AGENCIES

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Open one day a week, never today: the office is closed whenever the test runs.
NOT_TODAY = DAYS[(date.today().weekday() + 3) % 7]


def night_agencies(csv_file: CsvFile) -> Path:
    leeds = AGENCIES[0] | {
        "out_of_hours_name": "Emergency Duty Team, 24 hours",
        "office_hours": f"{NOT_TODAY} 09:00-17:00",
    }
    return csv_file("agencies.csv", [leeds, *AGENCIES[1:]])


def test_office_hours_and_the_out_of_hours_name_are_optional_added_columns(
    cli: Cli, csv_file: CsvFile
) -> None:
    result = cli("agencies", "import", night_agencies(csv_file))
    assert result.exit_code == 0, result.output
    assert "unknown column" not in result.stderr.lower()
    with cli.installation() as fp:
        leeds, police = fp.hub.agency("CSC-LDS"), fp.hub.agency("GMP")
    assert leeds is not None
    assert police is not None
    assert leeds.out_of_hours_name == "Emergency Duty Team, 24 hours"
    assert str(leeds.office_hours) == f"{NOT_TODAY} 09:00-17:00"
    assert str(police.office_hours) == "Mon-Fri 09:00-17:00"  # the default when not given


def test_office_hours_that_cannot_be_read_reject_the_row_with_the_form_to_use(
    cli: Cli, csv_file: CsvFile
) -> None:
    rows = [AGENCIES[0] | {"office_hours": "weekdays, 9 to 5"}, AGENCIES[1]]
    result = cli("agencies", "import", csv_file("agencies.csv", rows))
    assert result.exit_code == 1
    assert "office_hours: write them like Mon-Fri 09:00-17:00" in result.stderr


def test_out_of_hours_the_csv_says_to_call_the_duty_team_now_and_the_practitioner_later(
    cli: Cli, csv_file: CsvFile, register_row: Row, enquiry_row: Row, tmp_path: Path
) -> None:
    assert cli("agencies", "import", night_agencies(csv_file)).exit_code == 0
    child = register_row(local_ref="LDS-1", practitioner_name="Priya Shah")
    assert cli("register", "--agency", "CSC-LDS", csv_file("r.csv", [child])).exit_code == 0
    output = tmp_path / "signposts.csv"
    result = cli(
        "enquire", "--agency", "GMP", "--purpose", "child found at night",
        csv_file("q.csv", [enquiry_row(enquiry_ref="Q-1")]), "--output", output,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with output.open(newline="", encoding="utf-8") as handle:
        (signpost,) = list(csv.DictReader(handle))
    assert signpost["practitioner_name"] == "Priya Shah"  # the contract's columns unchanged
    assert signpost["authority_area"] == "E08000035"
    assert signpost["authority_area_name"] == "Leeds"
    assert signpost["current_contact"] == "out-of-hours"
    assert signpost["current_contact_reason"].startswith("It is outside office hours")
    assert (signpost["out_of_hours_name"], signpost["out_of_hours_phone"]) == (
        "Emergency Duty Team, 24 hours",
        "0113 240 9536",
    )
    assert signpost["practitioner_from"].endswith(("+00:00", "+01:00"))
    assert signpost["why_sentence"].startswith("Same ")
