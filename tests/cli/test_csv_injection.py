"""Issue 18, defect 1: a practitioner field one agency registers is written into another
agency's CSV file, which someone opens in a spreadsheet. Every cell fingerpost writes that a
spreadsheet would run as a formula is neutralised (OWASP CSV injection)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fingerpost.entrypoints.csvio import neutralise

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]

FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+44 161 496 0000", "'+44 161 496 0000"),  # a phone in international form too
        ("Priya Shah", "Priya Shah"),
        ("a=b", "a=b"),  # only the first character makes a formula
        ("", ""),
        (7, 7),  # line numbers are written as numbers
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell: object, written: object) -> None:
    assert neutralise(cell) == written


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_formulas_in_another_agencys_practitioner_fields_are_neutralised_in_the_output(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row, enquiry_row: Row, tmp_path: Path
) -> None:
    hostile = [
        register_row(
            local_ref=f"L-{n}",
            involvement=involvement,
            practitioner_name=formula,
            practitioner_role=formula,
            practitioner_phone=formula,
            practitioner_email=formula,
        )
        for n, (formula, involvement) in enumerate(
            zip(FORMULAS, ("child-in-need", "early-help", "looked-after", "other"), strict=True)
        )
    ]
    registered = with_agencies("register", "--agency", "CSC-LDS", csv_file("r.csv", hostile))
    assert registered.exit_code == 0, registered.output
    output = tmp_path / "signposts.csv"
    result = with_agencies(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care",
        csv_file("q.csv", [enquiry_row(enquiry_ref="=1+1")]), "--output", output,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    signposts = read(output)
    assert len(signposts) == 4
    fields = ("practitioner_name", "practitioner_role", "practitioner_phone", "practitioner_email")
    assert sorted(s[f] for s in signposts for f in fields) == sorted(
        f"'{formula}" for formula in FORMULAS for _ in fields
    )
    assert {s["enquiry_ref"] for s in signposts} == {"'=1+1"}


def test_references_in_the_rejected_rows_file_are_neutralised(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row, enquiry_row: Row, tmp_path: Path
) -> None:
    rows = [register_row(local_ref="@SUM(1)", involvement="not-a-kind")]
    errors = tmp_path / "errors.csv"
    result = with_agencies(
        "register", "--agency", "CSC-LDS", csv_file("r.csv", rows), "--errors", errors
    )
    assert result.exit_code == 1
    assert [r["local_ref"] for r in read(errors)] == ["'@SUM(1)"]

    enquiries = [enquiry_row(enquiry_ref='=HYPERLINK("http://x","y")', date_of_birth="")]
    errors = tmp_path / "enquiry-errors.csv"
    result = with_agencies(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care",
        csv_file("q.csv", enquiries), "--output", tmp_path / "out.csv", "--errors", errors,
    )  # fmt: skip
    assert result.exit_code == 1
    assert [r["enquiry_ref"] for r in read(errors)] == ['\'=HYPERLINK("http://x","y")']
