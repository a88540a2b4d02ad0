"""Data quality that keeps the child findable: a row with an invalid NHS number is kept without it
(a warning, exit 0), invisible characters in a name change nothing about matching, and a file's
unreadable lines are reported for what they are, with their line numbers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from fingerpost.domain.actor import Actor
from fingerpost.gateway import REGISTER_COLUMNS, parse_register_row

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]


def summary(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def refs(cli: Cli, agency: str = "CSC-LDS") -> list[str]:
    with cli.installation() as fp:
        return [i.key.local_ref for i in fp.hub.list_involvements(Actor.system(agency))]


def test_a_row_kept_with_a_warning_is_accepted_and_exits_0(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row, tmp_path: Path
) -> None:
    rows = [
        register_row(local_ref="TYPO", nhs_number="943 476 5918"),
        register_row(local_ref="CHI", nhs_number="0101151233"),
        register_row(local_ref="GOOD", nhs_number="943 476 5919"),
    ]
    report = tmp_path / "report.csv"
    result = with_agencies(
        "register", "--agency", "CSC-LDS", "--errors", report, csv_file("in.csv", rows)
    )
    assert result.exit_code == 0, result.output
    assert "3 accepted" in summary(result.stderr)
    assert "0 rejected · 2 warnings (rows kept)" in summary(result.stderr)
    assert (
        "line 2: warning: nhs_number: not a valid NHS number (fails the mod-11 check); the row"
        " is kept without it"
    ) in result.stderr
    assert "line 3: warning: nhs_number: a Scottish CHI number, not an NHS number" in result.stderr
    assert refs(with_agencies) == ["TYPO", "CHI", "GOOD"]
    with report.open(newline="", encoding="utf-8") as handle:
        written = [(r["line"], r["local_ref"], r["outcome"]) for r in csv.DictReader(handle)]
    assert written == [("2", "TYPO", "kept"), ("3", "CHI", "kept")]
    assert "9434765918" not in report.read_text() + result.stderr


def test_a_date_of_birth_known_only_to_the_year_is_set_aside_and_the_child_kept(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    # An estimated age, as for a child who arrived alone without papers, never hides the child.
    rows = [register_row(local_ref="UASC-1", date_of_birth="2011")]
    result = with_agencies("register", "--agency", "CSC-LDS", csv_file("in.csv", rows))
    assert result.exit_code == 0, result.output
    assert "1 accepted" in summary(result.stderr)
    assert "line 2: warning: date_of_birth: only a year or a month of birth" in result.stderr
    assert refs(with_agencies) == ["UASC-1"]


def test_the_child_kept_without_a_mistyped_nhs_number_is_still_found(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row, enquiry_row: Row, tmp_path: Path
) -> None:
    typo = register_row(local_ref="H-1", involvement="health-visiting", nhs_number="9434765918")
    with_agencies("register", "--agency", "NHS-ACH", csv_file("health.csv", [typo]))
    out = tmp_path / "out.csv"
    result = with_agencies(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care",
        csv_file("q.csv", [enquiry_row(postcode="LS6 3HN")]), "--output", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        assert [row["agency"] for row in csv.DictReader(handle)] == ["NHS-ACH"]


def test_bru_zwj_ce_matches_bruce_exactly_as_bruce_does(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row, enquiry_row: Row, tmp_path: Path
) -> None:
    today = date.today()
    plain = parse_register_row(register_row(given_names="Bruce"), today)
    hidden = parse_register_row(register_row(given_names="Bru\u200dce\u202e"), today)
    assert hidden.child == plain.child
    with with_agencies.installation() as fp:
        assert fp.gateway.encode(hidden.child) == fp.gateway.encode(plain.child)

    def signposts(given_names: str) -> list[tuple[str, str]]:
        out = tmp_path / f"{len(given_names)}.csv"
        query = csv_file("q.csv", [enquiry_row(given_names=given_names, postcode="LS6 3HN")])
        with_agencies("enquire", "--agency", "GMP", "--purpose", "emergency-care", query,
                      "--output", out)  # fmt: skip
        with out.open(newline="", encoding="utf-8") as handle:
            return [(row["confidence"], row["why"]) for row in csv.DictReader(handle)]

    registered = register_row(local_ref="B", given_names="Bruce", involvement="health-visiting")
    with_agencies("register", "--agency", "NHS-ACH", csv_file("b.csv", [registered]))
    assert signposts("Bru\u200dce") == signposts("Bruce") != []


def test_a_field_longer_than_the_readers_limit_is_not_called_bad_utf8(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    path = csv_file("in.csv", [register_row(local_ref="OK-1")], REGISTER_COLUMNS)
    long_line = "HUGE," + "x" * (csv.field_size_limit() + 10) + "\n"
    path.write_text(path.read_text() + long_line, encoding="utf-8")
    result = with_agencies("register", "--agency", "CSC-LDS", path)
    assert result.exit_code == 1
    assert "line 3: a field longer than 131,072 characters" in result.stderr
    assert "UTF-8" not in result.stderr
    assert refs(with_agencies) == ["OK-1"]


def test_an_unclosed_quote_that_swallows_the_next_row_names_both_lines(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    rows = [register_row(local_ref=f"R-{n}") for n in range(1, 5)]
    path = csv_file("in.csv", rows, REGISTER_COLUMNS)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace(",Olivia,", ',"Olivia,')  # line 3 opens a quote, never closed…
    lines[3] = lines[3].replace(",Olivia,", ',Olivia",')  # …until line 4 happens to close one
    path.write_text("".join(lines), encoding="utf-8")
    result = with_agencies("register", "--agency", "CSC-LDS", path)
    assert result.exit_code == 1
    assert "line 3: an unclosed quote: lines 3 to 4 were read as one row" in result.stderr
    assert refs(with_agencies) == ["R-1", "R-4"]


def test_a_name_with_a_line_break_inside_quotes_is_one_name_not_an_unclosed_quote(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    path = csv_file("in.csv", [register_row(local_ref="NL", given_names="Mary\nJane")])
    result = with_agencies("register", "--agency", "CSC-LDS", path)
    assert result.exit_code == 0, result.output
    assert refs(with_agencies) == ["NL"]


def test_control_characters_in_a_practitioner_field_reject_the_row(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    rows = [
        register_row(local_ref="BIDI", practitioner_phone="0113 \u202e0000 496"),
        register_row(local_ref="OK"),
    ]
    result = with_agencies("register", "--agency", "CSC-LDS", csv_file("in.csv", rows))
    assert result.exit_code == 1
    assert "line 2: practitioner_phone: contains an invisible or control character" in (
        result.stderr
    )
    assert refs(with_agencies) == ["OK"]


def test_a_file_separated_by_semicolons_is_refused_saying_so(
    with_agencies: Cli, tmp_path: Path, register_row: Row
) -> None:
    """A spreadsheet set up for a European locale saves "CSV" with semicolons: the header is then
    one column, and "missing required column(s): local_ref, …" sends the developer looking for
    columns that are there."""
    row = register_row(local_ref="SEMI-1", practitioner_role="Social worker")
    path = tmp_path / "semicolons.csv"
    path.write_text(
        ";".join(REGISTER_COLUMNS) + "\n" + ";".join(row.get(c, "") for c in REGISTER_COLUMNS),
        encoding="utf-8",
    )
    for command in ("register", "sync"):
        result = with_agencies(command, "--agency", "CSC-LDS", path)
        assert result.exit_code == 2
        assert "columns separated by ';': fingerpost reads commas" in result.stderr
    assert refs(with_agencies) == []


def test_an_unclosed_quote_on_the_last_line_is_reported_as_one(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    """With no row after it to swallow, the quote took in the rest of its own line: the row was
    rejected for whatever column the shifted cells happened to break."""
    rows = [register_row(local_ref=f"R-{n}") for n in range(1, 4)]
    path = csv_file("in.csv", rows, REGISTER_COLUMNS)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",Olivia,", ',"Olivia,')
    path.write_text("".join(lines), encoding="utf-8")
    result = with_agencies("register", "--agency", "CSC-LDS", path)
    assert result.exit_code == 1
    assert "line 4: an unclosed quote: it runs to the end of the file" in result.stderr
    assert refs(with_agencies) == ["R-1", "R-2"]
