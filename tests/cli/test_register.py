"""`fingerpost register --agency CODE FILE`: exit 0 when every row is accepted, 1 when some are
rejected (valid rows stored, each rejection reported with its line), 2 when the file or the command
is unusable (nothing written)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fingerpost.domain.actor import Actor
from fingerpost.gateway import REGISTER_COLUMNS

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]


def summary(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def stored(cli: Cli, agency: str = "CSC-LDS") -> list[tuple[str, str]]:
    with cli.installation() as fp:
        return [
            (i.key.local_ref, i.terms.practitioner.name)
            for i in fp.hub.list_involvements(Actor.system(agency))
        ]


def audit_size(cli: Cli) -> int:
    with cli.installation() as fp, fp.engine.connect() as connection:
        return len(connection.exec_driver_sql("SELECT seq FROM audit_events").all())


@pytest.fixture
def three_rows(register_row: Row) -> list[dict[str, str]]:
    return [
        register_row(local_ref="L-1"),
        register_row(
            local_ref="L-2",
            given_names="Zoë",
            family_name="O'Brien",
            date_of_birth="03/04/2016",
            nhs_number="943 476 5919",
        ),
        register_row(local_ref="L-3", given_names="Mohammed", family_name="Khan", postcode=""),
    ]


def test_every_row_accepted_exits_0(
    with_agencies: Cli, csv_file: CsvFile, three_rows: list[dict[str, str]]
) -> None:
    result = with_agencies("register", "--agency", "CSC-LDS", csv_file("in.csv", three_rows))
    assert result.exit_code == 0, result.output
    assert "3 rows read" in summary(result.stderr)
    assert "3 new" in summary(result.stderr)
    assert "0 rejected" in summary(result.stderr)
    assert [ref for ref, _ in stored(with_agencies)] == ["L-1", "L-2", "L-3"]


def test_rerunning_the_same_file_changes_nothing(
    with_agencies: Cli, csv_file: CsvFile, three_rows: list[dict[str, str]]
) -> None:
    path = csv_file("in.csv", three_rows)
    with_agencies("register", "--agency", "CSC-LDS", path)
    events = audit_size(with_agencies)
    again = with_agencies("register", "--agency", "CSC-LDS", path)
    assert again.exit_code == 0
    assert "0 new, 0 updated, 3 unchanged" in summary(again.stderr)
    assert len(stored(with_agencies)) == 3
    assert audit_size(with_agencies) == events


def test_a_changed_row_updates_its_involvement(
    with_agencies: Cli, csv_file: CsvFile, three_rows: list[dict[str, str]]
) -> None:
    with_agencies("register", "--agency", "CSC-LDS", csv_file("in.csv", three_rows))
    three_rows[0]["practitioner_name"] = "Tom Reid"
    result = with_agencies("register", "--agency", "CSC-LDS", csv_file("in.csv", three_rows))
    assert "0 new, 1 updated, 2 unchanged" in summary(result.stderr)
    assert ("L-1", "Tom Reid") in stored(with_agencies)


def test_bad_rows_are_reported_by_line_and_the_valid_rows_stored(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    rows = [
        register_row(local_ref="OK-1"),  # line 2
        register_row(local_ref="BAD-NHS", nhs_number="9434765918"),  # line 3
        register_row(local_ref="BAD-KIND", involvement="neglect"),  # line 4
        register_row(local_ref="TOO-OLD", date_of_birth="1990-01-01"),  # line 5
        register_row(local_ref="BAD-DATE", date_of_birth="31/02/2015"),  # line 6
        register_row(local_ref="OK-2", given_names="Amelia"),  # line 7
        register_row(local_ref="UNBORN", date_of_birth=str(date.today() + timedelta(days=30))),
        register_row(local_ref="NO-CONTACT", practitioner_phone="", practitioner_email=""),
    ]
    result = with_agencies("register", "--agency", "CSC-LDS", csv_file("in.csv", rows))
    assert result.exit_code == 1, result.output
    for expected in (
        "line 3: warning: nhs_number: not a valid NHS number (fails the mod-11 check); the row"
        " is kept without it",
        "line 4: involvement: not one of",
        "line 5: date_of_birth: aged 26 or more",
        "line 6: date_of_birth: not a date",
        "line 8: date_of_birth: in the future",
        "line 9: practitioner_phone or practitioner_email",
    ):
        assert expected in result.stderr
    assert "9434765918" not in result.stderr
    assert "31/02/2015" not in result.stderr
    assert "3 accepted" in summary(result.stderr)
    assert "5 rejected · 1 warnings (rows kept)" in summary(result.stderr)
    assert [ref for ref, _ in stored(with_agencies)] == ["OK-1", "BAD-NHS", "OK-2"]


def test_a_row_that_is_not_utf8_is_rejected_alone(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    path = csv_file(
        "in.csv", [register_row(local_ref="OK-1"), register_row(local_ref="OK-2")], REGISTER_COLUMNS
    )
    lines = path.read_bytes().splitlines(keepends=True)
    latin1 = lines[1].replace(b"Olivia", "Zoé".encode("latin-1")).replace(b"OK-1", b"LATIN-1")
    path.write_bytes(lines[0] + latin1 + lines[2])
    result = with_agencies("register", "--agency", "CSC-LDS", path)
    assert result.exit_code == 1
    assert "line 2: not valid UTF-8" in result.stderr
    assert [ref for ref, _ in stored(with_agencies)] == ["OK-2"]


def test_errors_are_written_as_csv(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row, tmp_path: Path
) -> None:
    rows = [
        register_row(local_ref="OK-1"),
        register_row(local_ref="BAD-KIND", involvement="neglect"),
        register_row(local_ref="BAD-NHS", nhs_number="1234567890"),
    ]
    errors = tmp_path / "rejected.csv"
    result = with_agencies(
        "register", "--agency", "CSC-LDS", csv_file("in.csv", rows), "--errors", errors
    )
    assert result.exit_code == 1
    with errors.open(newline="", encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["line"], r["local_ref"]) for r in rejected] == [("3", "BAD-KIND"), ("4", "BAD-NHS")]
    assert rejected[0]["reason"].startswith("involvement:")
    assert rejected[1]["reason"].startswith("nhs_number:")
    assert "1234567890" not in errors.read_text()


def test_a_dry_run_validates_and_writes_nothing(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    events = audit_size(with_agencies)
    rows = [register_row(local_ref="OK-1"), register_row(local_ref="BAD", involvement="x")]
    result = with_agencies("register", "--agency", "CSC-LDS", "--dry-run", csv_file("i.csv", rows))
    assert result.exit_code == 1
    assert "line 3: involvement" in result.stderr
    assert "dry run" in summary(result.stderr)
    assert stored(with_agencies) == []
    assert audit_size(with_agencies) == events


@pytest.mark.parametrize("missing", ["local_ref", "involvement", "practitioner_name", "start_date"])
def test_a_missing_required_column_rejects_the_whole_file(
    with_agencies: Cli, csv_file: CsvFile, three_rows: list[dict[str, str]], missing: str
) -> None:
    columns = [c for c in REGISTER_COLUMNS if c != missing]
    result = with_agencies(
        "register", "--agency", "CSC-LDS", csv_file("in.csv", three_rows, columns)
    )
    assert result.exit_code == 2
    assert f"missing required column(s): {missing}" in result.stderr
    assert stored(with_agencies) == []


@pytest.mark.parametrize(
    "missing",
    [("given_names", "family_name"), ("practitioner_phone", "practitioner_email")],
    ids=["no name column", "no contact column"],
)
def test_a_file_without_any_column_of_a_required_pair_is_rejected(
    with_agencies: Cli,
    csv_file: CsvFile,
    three_rows: list[dict[str, str]],
    missing: tuple[str, str],
) -> None:
    columns = [c for c in REGISTER_COLUMNS if c not in missing]
    result = with_agencies(
        "register", "--agency", "CSC-LDS", csv_file("in.csv", three_rows, columns)
    )
    assert result.exit_code == 2


def test_an_unknown_agency_is_a_usage_error(
    with_agencies: Cli, csv_file: CsvFile, three_rows: list[dict[str, str]]
) -> None:
    result = with_agencies("register", "--agency", "NOPE", csv_file("in.csv", three_rows))
    assert result.exit_code == 2
    assert "unknown agency code 'NOPE'" in result.stderr
    assert "agencies import" in result.stderr
    with with_agencies.installation() as fp:
        assert fp.hub.count_involvements() == 0


def test_a_utf8_bom_and_uk_dates_are_accepted(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    rows = [
        register_row(
            local_ref="BOM-1",
            given_names="Zoë",
            date_of_birth="03/04/2016",
            start_date="01/02/2024",
            end_date="31/12/2024",
        )
    ]
    result = with_agencies("register", "--agency", "CSC-LDS", csv_file("in.csv", rows, bom=True))
    assert result.exit_code == 0, result.output
    with with_agencies.installation() as fp:
        [involvement] = fp.hub.list_involvements(Actor.system("CSC-LDS"))
    assert involvement.key.local_ref == "BOM-1"
    assert involvement.terms.start_date == date(2024, 2, 1)
    assert involvement.terms.end_date == date(2024, 12, 31)


def test_column_order_is_free_and_extra_columns_are_warned_about(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    row = {"case_notes": "never stored", **register_row(local_ref="X-1")}
    columns = ["case_notes", *reversed(REGISTER_COLUMNS)]
    result = with_agencies("register", "--agency", "CSC-LDS", csv_file("in.csv", [row], columns))
    assert result.exit_code == 0
    assert "warning" in result.stderr
    assert "case_notes" in result.stderr
    assert [ref for ref, _ in stored(with_agencies)] == ["X-1"]


def test_a_rejected_value_that_looks_like_markup_is_reported_plainly(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    rows = [register_row(local_ref="OK-1"), register_row(local_ref="[/x]", involvement="[/x]")]
    source = csv_file("in.csv", rows)
    errors = source.parent / "errors.csv"
    result = with_agencies("register", "--agency", "CSC-LDS", source, "--errors", str(errors))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert "line 3: involvement: not one of" in result.stderr
    assert "1 rejected" in result.stderr
    assert "[/x]" in errors.read_text(encoding="utf-8")
