"""Issue 18, defect 3: an output file that cannot be written is found before anything is
stored (exit 2, nothing written), and an output that is the input file is refused — the rows
of a register file must never be committed with their rejected-row report lost."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]


def unwritable(tmp_path: Path) -> dict[str, Path]:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    return {"under a file": in_the_way / "errors.csv", "a folder": folder}


@pytest.mark.parametrize("command", ["register", "sync"])
@pytest.mark.parametrize("case", ["under a file", "a folder"])
def test_register_with_an_unwritable_errors_file_stores_nothing(
    with_agencies: Cli,
    csv_file: CsvFile,
    register_row: Row,
    tmp_path: Path,
    case: str,
    command: str,
) -> None:
    rows = [register_row(), register_row(involvement="not-a-kind")]
    path = unwritable(tmp_path)[case]
    result = with_agencies(
        command, "--agency", "CSC-LDS", csv_file("r.csv", rows), "--errors", path
    )
    assert result.exit_code == 2
    assert f"--errors {path}" in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.output
    assert _count_rows(with_agencies) == 0


def test_enquire_with_an_unwritable_output_asks_nothing(
    with_agencies: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    path = unwritable(tmp_path)["under a file"]
    result = with_agencies(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care",
        csv_file("q.csv", [enquiry_row()]), "--output", path,
    )  # fmt: skip
    assert result.exit_code == 2
    assert f"--output {path}" in result.stderr
    assert _enquiries_audited(with_agencies) == 0


def test_enquire_with_an_unwritable_errors_file_asks_nothing(
    with_agencies: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    output = tmp_path / "out.csv"
    result = with_agencies(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care",
        csv_file("q.csv", [enquiry_row()]), "--output", output,
        "--errors", unwritable(tmp_path)["a folder"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "is a directory" in result.stderr
    assert not output.exists()
    assert _enquiries_audited(with_agencies) == 0


@pytest.mark.parametrize("option", ["--output", "--errors"])
def test_an_output_that_is_the_input_file_is_refused(
    with_agencies: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path, option: str
) -> None:
    source = csv_file("q.csv", [enquiry_row()])
    before = source.read_bytes()
    outputs = {"--output": tmp_path / "out.csv", "--errors": tmp_path / "errors.csv"}
    outputs[option] = tmp_path / "." / "q.csv"  # the same file, named differently
    result = with_agencies(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care", source,
        "--output", outputs["--output"], "--errors", outputs["--errors"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "is the input file" in result.stderr
    assert source.read_bytes() == before
    assert _enquiries_audited(with_agencies) == 0


def test_the_errors_file_of_register_may_not_be_its_input(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    source = csv_file("r.csv", [register_row()])
    result = with_agencies("register", "--agency", "CSC-LDS", source, "--errors", source)
    assert result.exit_code == 2
    assert "is the input file" in result.stderr
    assert _count_rows(with_agencies) == 0


def test_missing_folders_of_an_output_are_still_made(
    with_agencies: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    output = tmp_path / "new" / "folder" / "out.csv"
    result = with_agencies(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care",
        csv_file("q.csv", [enquiry_row()]), "--output", output,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert output.exists()


def _count_rows(cli: Cli) -> int:
    with cli.installation() as fp, fp.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM involvements").scalar_one())


def _enquiries_audited(cli: Cli) -> int:
    with cli.installation() as fp, fp.engine.connect() as connection:
        query = "SELECT count(*) FROM audit_events WHERE action = 'enquiry:made'"
        return int(connection.exec_driver_sql(query).scalar_one())


def test_the_errors_file_may_not_be_the_output(
    with_agencies: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    output = tmp_path / "out.csv"
    result = with_agencies(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care",
        csv_file("q.csv", [enquiry_row()]), "--output", output, "--errors", output,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "is also the --output file" in result.stderr
    assert _enquiries_audited(with_agencies) == 0
