"""Issue 18, the standing hostile-input table: files as a careless or hostile sender makes them,
through `register` and `enquire`. Each gives the contract's exit status (0 all rows taken, 1 some
rejected and the rest stored, 2 the file refused with nothing written), a message that says what
is wrong — never a traceback — and exactly the rows expected stored or answered."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from conftest import make_enquiry_row, make_register_row
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.cli import app

REGISTER_COLUMNS = list(make_register_row())
ENQUIRY_COLUMNS = list(make_enquiry_row())


def lines(rows: Sequence[Mapping[str, str]], columns: Sequence[str], header: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def register_file(*rows: Mapping[str, str] | str, encoding: str = "utf-8") -> bytes:
    """A register file: a header, then each row (a string is put in as it is)."""
    text = ",".join(REGISTER_COLUMNS) + "\n"
    for row in rows:
        text += row if isinstance(row, str) else lines([row], REGISTER_COLUMNS)
    return text.encode(encoding)


def enquiry_file(*rows: Mapping[str, str] | str, encoding: str = "utf-8") -> bytes:
    text = ",".join(ENQUIRY_COLUMNS) + "\n"
    for row in rows:
        text += row if isinstance(row, str) else lines([row], ENQUIRY_COLUMNS)
    return text.encode(encoding)


def reg(ref: str, **fields: str) -> dict[str, str]:
    return make_register_row(local_ref=ref, **fields)


@dataclass(frozen=True)
class Case:
    content: bytes
    status: int
    says: str  # in stderr
    stored: frozenset[str] = frozenset()  # local_refs stored (register) / enquiry_refs answered


def case(content: bytes, status: int, says: str, *refs: str) -> Case:
    return Case(content, status, says, frozenset(refs))


REGISTER = {
    "a UTF-8 file with a byte-order mark": case(
        b"\xef\xbb\xbf" + register_file(reg("OK-1")), 0, "1 accepted", "OK-1"),
    "a Latin-1 byte in one row": case(
        register_file(reg("OK-1")) + lines([reg("L-2", given_names="Zoë")],
                                           REGISTER_COLUMNS).encode("latin-1"),
        1, "line 3: not valid UTF-8", "OK-1"),
    "a UTF-16 file": case(
        register_file(reg("OK-1"), encoding="utf-16"), 2, "looks like UTF-16, not UTF-8"),
    "a UTF-16 file without a byte-order mark": case(
        register_file(reg("OK-1"), encoding="utf-16-be"), 2, "looks like UTF-16, not UTF-8"),
    "random bytes": case(bytes(range(256)) * 8, 2, "missing required column(s)"),
    "an empty file": case(b"", 2, "is empty: a header row is required"),
    "a header only": case(register_file(), 0, "0 rows read"),
    "a duplicated column": case(
        b"local_ref,local_ref," + register_file(reg("OK-1")), 2, "duplicated column(s): local_ref"),
    "thousands of unknown columns": case(
        register_file(reg("OK-1")).replace(
            b"\n", b"," + b",".join(b"x%d" % i for i in range(3000)) + b"\n", 1),
        0, "ignoring unknown column(s): x0, x1", "OK-1"),
    "a terminal escape sequence as a column name": case(
        register_file(reg("OK-1")).replace(b"\n", b",\x1b]0;owned\x07\x1b[2J\n", 1),
        0, "ignoring unknown column(s): \\u001b]0;owned\\u0007\\u001b[2j", "OK-1"),
    "an unclosed quote, lines after it": case(
        register_file(reg("OK-1"), 'Q-2,,"Olivia,Harrison\n', reg("OK-3"), reg("OK-4")),
        1, "line 3: an unclosed quote: lines 3 to 5 were read as one row", "OK-1"),
    "a field beyond the CSV reader's limit": case(
        register_file(reg("OK-1"), reg("H-2", given_names="A" * 200_000), reg("OK-3")),
        1, "line 3: a field longer than", "OK-1", "OK-3"),
    "a name of 100,000 characters": case(
        register_file(reg("OK-1"), reg("B-2", family_name="B" * 100_000)),
        1, "line 3: family_name: longer than 200 characters", "OK-1"),
    "a reference of 5,000 characters": case(
        register_file(reg("OK-1"), reg("R" * 5_000)),
        1, "line 3: local_ref: longer than 200 characters", "OK-1"),
    "a NUL and an escape sequence in a child's name": case(
        register_file(reg("C-1", given_names="Ol\0iv\x1b[31mia")), 0, "1 accepted", "C-1"),
    "formula cells": case(
        register_file(reg("=1+1", practitioner_name="@SUM(1)", practitioner_role="-2+3")),
        0, "1 accepted", "=1+1"),
    "old Mac line endings": case(
        register_file(reg("OK-1"), reg("OK-2")).replace(b"\n", b"\r"), 0, "2 accepted",
        "OK-1", "OK-2"),
    "an unknown involvement and a date in the future": case(
        register_file(reg("K-1", involvement="casework"), reg("K-2", start_date="2999-01-01"),
                      reg("OK-3")),
        1, "line 2: involvement", "OK-3"),
}  # fmt: skip

ENQUIRE = {
    "a Latin-1 byte in one row": case(
        enquiry_file(make_enquiry_row(enquiry_ref="Q-1"))
        + lines([make_enquiry_row(enquiry_ref="Q-2", given_names="Zoë")],
                ENQUIRY_COLUMNS).encode("latin-1"),
        1, "line 3: not valid UTF-8", "Q-1"),
    "a UTF-16 file": case(
        enquiry_file(make_enquiry_row(), encoding="utf-16"), 2, "looks like UTF-16, not UTF-8"),
    "an unclosed quote": case(
        enquiry_file(make_enquiry_row(enquiry_ref="Q-1"), 'Q-2,,"Olivia,Harrison\n',
                     make_enquiry_row(enquiry_ref="Q-3")),
        1, "line 3: an unclosed quote", "Q-1"),
    "a field beyond the CSV reader's limit": case(
        enquiry_file(make_enquiry_row(enquiry_ref="Q-1"),
                     make_enquiry_row(enquiry_ref="Q-2", family_name="B" * 200_000)),
        1, "line 3: a field longer than", "Q-1"),
    "a surname alone (no browsing)": case(
        enquiry_file(make_enquiry_row(enquiry_ref="Q-1", given_names="", date_of_birth="")),
        1, "line 2: an enquiry needs at least two of"),
    "a formula as the reference": case(
        enquiry_file(make_enquiry_row(enquiry_ref="=cmd|'/C calc'!A0")), 0, "1 enquiries made",
        "'=cmd|'/C calc'!A0"),
    "no enquiry_ref column": case(b"given_names,family_name\nOlivia,Harrison\n", 2,
                                  "missing required column(s): enquiry_ref"),
}  # fmt: skip


@dataclass
class Installation:
    home: Path

    def __call__(self, *args: str | Path) -> Result:
        env = {"FINGERPOST_HOME": str(self.home)}
        return CliRunner().invoke(app, [str(a) for a in args], env=env)

    def stored(self, agency: str) -> set[str]:
        fp: Fingerpost = bootstrap(Settings(home=self.home))
        try:
            rows = fp.hub.list_involvements(Actor.system(agency), limit=1_000)
        finally:
            fp.close()
        return {row.key.local_ref for row in rows}


@pytest.fixture
def installation(home: Path, tmp_path: Path) -> Installation:
    """Leeds children's services and Greater Manchester Police take part."""
    agencies = tmp_path / "agencies.csv"
    agencies.write_text(
        "code,name,authority_area,kind\n"
        "CSC-LDS,Leeds children's services,E08000035,social-care\n"
        "GMP,Greater Manchester Police,E08000003,police\n"
    )
    installation = Installation(home)
    assert installation("agencies", "import", agencies).exit_code == 0
    return installation


def check(result: Result, expected: Case) -> None:
    assert result.exit_code == expected.status, result.output
    assert expected.says in result.stderr
    assert "Traceback" not in result.output
    assert "\x1b" not in result.output  # nothing from a file drives the operator's terminal
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("name", REGISTER)
def test_register(installation: Installation, tmp_path: Path, name: str) -> None:
    expected = REGISTER[name]
    file = tmp_path / "register.csv"
    file.write_bytes(expected.content)
    check(installation("register", "--agency", "CSC-LDS", file), expected)
    assert installation.stored("CSC-LDS") == expected.stored


@pytest.mark.parametrize("name", ENQUIRE)
def test_enquire(installation: Installation, tmp_path: Path, name: str) -> None:
    expected = ENQUIRE[name]
    olivia = tmp_path / "olivia.csv"
    olivia.write_bytes(register_file(reg("OLIVIA")))
    assert installation("register", "--agency", "CSC-LDS", olivia).exit_code == 0
    file, output = tmp_path / "enquiries.csv", tmp_path / "signposts.csv"
    file.write_bytes(expected.content)
    result = installation(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care", file, "--output", output
    )
    check(result, expected)
    if expected.status == 2:
        assert not output.exists()
        return
    with output.open(newline="", encoding="utf-8") as handle:
        answered = {row["enquiry_ref"] for row in csv.DictReader(handle)}
    assert answered == expected.stored
