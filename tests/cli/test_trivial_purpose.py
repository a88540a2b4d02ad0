"""Issue 18, defect 5 on the command line: `--purpose` with no words is refused before
anything is asked (exit 2), like the API and the web form."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile


@pytest.mark.parametrize("purpose", [".", "\u200b", "?!"])
def test_the_command_line_refuses_a_trivial_purpose(
    with_agencies: Cli, csv_file: CsvFile, tmp_path: Path, purpose: str
) -> None:
    output = tmp_path / "out.csv"
    rows = [{"enquiry_ref": "Q1", "family_name": "Harrison", "date_of_birth": "2015-06-07"}]
    result = with_agencies(
        "enquire", "--agency", "GMP", "--purpose", purpose, csv_file("q.csv", rows),
        "--output", output,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "reason in words" in result.stderr
    assert not output.exists()
