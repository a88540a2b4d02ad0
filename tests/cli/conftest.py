"""Running the `fingerpost` command line in-process, and writing the CSV files it reads."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.entrypoints.cli import app

AGENCIES = [
    {
        "code": "CSC-LDS",
        "name": "Leeds children's services",
        "authority_area": "E08000035",
        "kind": "social-care",
        "duty_phone": "0113 222 4401",
        "duty_email": "duty@leeds.example",
        "out_of_hours_phone": "0113 240 9536",
    },
    {
        "code": "GMP",
        "name": "Greater Manchester Police",
        "authority_area": "E08000003",
        "kind": "police",
    },
    {
        "code": "NHS-ACH",
        "name": "Alder Hey Children's NHS FT",
        "authority_area": "E08000012",
        "kind": "health",
        "duty_phone": "0151 228 4811",
    },
]


@dataclass
class Cli:
    """`cli("register", "--agency", "GMP", "file.csv")` → the click Result (exit code, streams)."""

    home: Path
    database_url: str | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {"FINGERPOST_HOME": str(self.home)}
        if self.database_url:
            env["FINGERPOST_DATABASE_URL"] = self.database_url
        return env

    def __call__(self, *args: str | Path) -> Result:
        return CliRunner().invoke(app, [str(a) for a in args], env=self.env)

    @contextmanager
    def installation(self) -> Iterator[Fingerpost]:
        """The same installation, opened directly, to look at what the commands stored."""
        fp = bootstrap(Settings(home=self.home, database_url=self.database_url))
        try:
            yield fp
        finally:
            fp.close()


@pytest.fixture
def cli(home: Path) -> Cli:
    """The command line on an installation whose SQLite database lives in its home."""
    return Cli(home)


@pytest.fixture
def cli_on_each_database(home: Path, database_url: str) -> Cli:
    """The command line with FINGERPOST_DATABASE_URL set: runs on SQLite and PostgreSQL."""
    return Cli(home, database_url)


CsvFile = Callable[..., Path]


@pytest.fixture
def csv_file(tmp_path: Path) -> CsvFile:
    """`csv_file("x.csv", rows, columns=None, bom=False)` writes a UTF-8 CSV and returns its path.
    Columns default to every key of the rows, in order of first appearance."""

    def write(
        name: str,
        rows: Sequence[Mapping[str, str]],
        columns: Sequence[str] | None = None,
        *,
        bom: bool = False,
    ) -> Path:
        header = list(columns or dict.fromkeys(key for row in rows for key in row))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path = tmp_path / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode())
        return path

    return write


@pytest.fixture
def agencies_csv(csv_file: CsvFile) -> Path:
    return csv_file("agencies.csv", AGENCIES)


@pytest.fixture
def with_agencies(cli: Cli, agencies_csv: Path) -> Cli:
    assert cli("agencies", "import", agencies_csv).exit_code == 0
    return cli
