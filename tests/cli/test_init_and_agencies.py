"""`fingerpost init` and `fingerpost agencies import|list`, as CONTRACT.md describes them."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fingerpost.domain.vocabulary import AgencyKind

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile


def test_init_creates_the_home_and_says_so(cli: Cli, home: Path) -> None:
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert "Initialised a new fingerpost home" in result.stderr
    assert str(home.resolve()) in result.stderr
    assert result.stdout == ""
    assert {"fingerpost.db", "linkage.key", "signing.key"} <= {p.name for p in home.iterdir()}
    for key in ("linkage.key", "signing.key"):
        assert stat.S_IMODE((home / key).stat().st_mode) == 0o600


def test_init_is_idempotent(cli: Cli, home: Path) -> None:
    cli("init")
    secret = (home / "linkage.key").read_bytes()
    again = cli("init")
    assert again.exit_code == 0
    assert "Initialised" not in again.stderr
    assert "nothing to do" in again.stderr
    assert (home / "linkage.key").read_bytes() == secret


def test_a_command_that_writes_initialises_an_empty_home(
    cli: Cli, home: Path, agencies_csv: Path
) -> None:
    result = cli("agencies", "import", agencies_csv)
    assert result.exit_code == 0
    assert "Initialised a new fingerpost home" in result.stderr
    assert (home / "linkage.key").exists()
    assert "Initialised" not in cli("agencies", "list").stderr


def test_agencies_are_imported_and_listed(cli: Cli, agencies_csv: Path) -> None:
    result = cli("agencies", "import", agencies_csv)
    assert result.exit_code == 0, result.output
    assert "3 new" in result.stderr.splitlines()[-1]
    listed = cli("agencies", "list").stdout
    for code in ("CSC-LDS", "GMP", "NHS-ACH"):
        assert code in listed
    with cli.installation() as fp:
        leeds = fp.hub.agency("CSC-LDS")
    assert leeds is not None
    assert leeds.kind is AgencyKind.SOCIAL_CARE
    assert leeds.authority_area == "E08000035"
    assert (leeds.duty_phone, leeds.duty_email) == ("0113 222 4401", "duty@leeds.example")
    assert leeds.out_of_hours_phone == "0113 240 9536"


def test_reimporting_updates_and_never_deletes(
    cli: Cli, agencies_csv: Path, csv_file: CsvFile
) -> None:
    cli("agencies", "import", agencies_csv)
    renamed = csv_file(
        "renamed.csv",
        [
            {
                "code": "GMP",
                "name": "GMP Public Protection",
                "authority_area": "E08000003",
                "kind": "police",
                "duty_phone": "0161 856 9999",
            }
        ],
    )
    result = cli("agencies", "import", renamed)
    assert result.exit_code == 0
    assert "1 updated" in result.stderr
    with cli.installation() as fp:
        agencies = {a.code: a for a in fp.hub.agencies()}
    assert set(agencies) == {"CSC-LDS", "GMP", "NHS-ACH"}
    assert agencies["GMP"].name == "GMP Public Protection"
    assert agencies["GMP"].duty_phone == "0161 856 9999"


def test_extra_columns_are_ignored_with_a_warning(cli: Cli, csv_file: CsvFile) -> None:
    path = csv_file(
        "agencies.csv",
        [{"code": "A1", "name": "A", "authority_area": "E08000001", "kind": "other", "fax": "1"}],
    )
    result = cli("agencies", "import", path)
    assert result.exit_code == 0
    assert "warning" in result.stderr
    assert "fax" in result.stderr


def test_a_missing_required_column_rejects_the_file(cli: Cli, csv_file: CsvFile) -> None:
    path = csv_file("agencies.csv", [{"code": "A1", "name": "A", "kind": "other"}])
    result = cli("agencies", "import", path)
    assert result.exit_code == 2
    assert "authority_area" in result.stderr
    with cli.installation() as fp:
        assert fp.hub.agencies() == []


def test_a_bad_row_is_reported_and_the_rest_imported(cli: Cli, csv_file: CsvFile) -> None:
    path = csv_file(
        "agencies.csv",
        [
            {"code": "A1", "name": "A", "authority_area": "E08000001", "kind": "other"},
            {"code": "A2", "name": "B", "authority_area": "E08000002", "kind": "charity"},
            {"code": "A3", "name": "C", "authority_area": "Leeds", "kind": "police"},
        ],
    )
    errors = path.with_name("rejected.csv")
    result = cli("agencies", "import", path, "--errors", errors)
    assert result.exit_code == 1
    assert "line 3: kind" in result.stderr
    assert "line 4: authority_area" in result.stderr
    assert errors.read_text().splitlines()[0] == "line,code,reason,outcome"
    with cli.installation() as fp:
        assert [a.code for a in fp.hub.agencies()] == ["A1"]


def test_an_agency_code_is_capitals_digits_and_hyphens(cli: Cli, csv_file: CsvFile) -> None:
    """Codes name the agency in tokens, files and signposts: `gmp` beside `GMP`, or a code with
    a space, would be a second agency by mistake."""
    rows = [
        {"code": code, "name": "X", "authority_area": "E08000001", "kind": "other"}
        for code in ("GMP", "gmp", "qa lower", "-POL", "A" * 33, "MAN-CSC2")
    ]
    result = cli("agencies", "import", csv_file("agencies.csv", rows))
    assert result.exit_code == 1
    for line in (3, 4, 5, 6):
        assert f"line {line}: code" in result.stderr
    with cli.installation() as fp:
        assert [a.code for a in fp.hub.agencies()] == ["GMP", "MAN-CSC2"]


@pytest.mark.parametrize("column", ["name", "duty_phone", "duty_email", "out_of_hours_phone"])
def test_an_agencys_contacts_holding_an_invisible_character_are_refused(
    cli: Cli, csv_file: CsvFile, column: str
) -> None:
    """The duty desk is what a practitioner calls at night: a direction override could make
    its number read backwards, as in a practitioner's details (docs/formats.md)."""
    row = {"code": "A1", "name": "A", "authority_area": "E08000001", "kind": "other",
           "duty_phone": "0113 000 0000", "duty_email": "duty@example.org",
           "out_of_hours_phone": "0113 000 0001"}  # fmt: skip
    row[column] += "\u202e1"
    result = cli("agencies", "import", csv_file("agencies.csv", [row]))
    assert result.exit_code == 1
    assert f"line 2: {column}: contains an invisible or control character" in result.stderr
    with cli.installation() as fp:
        assert fp.hub.agencies() == []


def test_a_dry_run_imports_nothing(cli: Cli, agencies_csv: Path) -> None:
    result = cli("agencies", "import", "--dry-run", agencies_csv)
    assert result.exit_code == 0
    assert "would import" in result.stderr
    with cli.installation() as fp:
        assert fp.hub.agencies() == []


def test_a_missing_file_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("agencies", "import", tmp_path / "nowhere.csv")
    assert result.exit_code == 2
    assert "nowhere.csv" in result.stderr


def test_agencies_are_listed_as_imported(cli: Cli, csv_file: CsvFile) -> None:
    name = "Leeds children's services [north]"
    path = csv_file(
        "agencies.csv",
        [{"code": "A1", "name": name, "authority_area": "E08000035", "kind": "social-care"}],
    )
    assert cli("agencies", "import", path).exit_code == 0
    assert name in cli("agencies", "list").stdout


def test_an_unreachable_database_is_reported_plainly(cli: Cli) -> None:
    cli.database_url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    result = cli("init")
    assert result.exit_code == 2
    assert "cannot open the installation" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"code,name,name,authority_area,kind\n", "duplicated column"),
        (b"code,n\xe9me,authority_area,kind\n", "not valid UTF-8"),
    ],
    ids=["empty", "duplicated column", "header not utf-8"],
)
def test_an_unusable_file_is_rejected_whole(
    cli: Cli, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "agencies.csv"
    path.write_bytes(content)
    result = cli("agencies", "import", path)
    assert result.exit_code == 2
    assert message in result.stderr
