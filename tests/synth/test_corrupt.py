"""The independent world (`fingerpost.synth.corrupt`, docs/adr/0023): the same invented people,
messed up by a published corruption model the matcher was not tuned on.

Specified here: each kind of error does what its name says (a figure measured on this world is
read as "keyboard slips, day and month swapped…"), the world is reproducible, and its files are
read by fingerpost's own readers.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from fingerpost.gateway.rows import parse_enquiry_row
from fingerpost.synth import WORLDS, write_dataset
from fingerpost.synth.corrupt import (
    DOB_ERRORS,
    FIELD_SELECT,
    dob_error,
    keyboard_neighbour,
    ocr_error,
    phonetic_error,
)

AS_OF = date(2026, 11, 1)
BORN = date(2015, 3, 7)


def test_the_published_proportions_are_distributions() -> None:
    assert sum(DOB_ERRORS.values()) == pytest.approx(1.0)
    # Febrl's select probabilities of the fields a child's record has (weights, not shares).
    assert (FIELD_SELECT["given"], FIELD_SELECT["family"], FIELD_SELECT["dob"]) == (0.25, 0.3, 0.1)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("day-month-swapped", {date(2015, 7, 3)}),
        ("day-off", {date(2015, 3, 6), date(2015, 3, 8)}),
        ("ten-days-off", {BORN - timedelta(days=10), BORN + timedelta(days=10)}),
        ("year-off", {date(2014, 3, 7), date(2016, 3, 7)}),
        ("missing", {None}),
    ],
)
def test_a_date_of_birth_error_is_of_its_kind(kind: str, expected: set[date | None]) -> None:
    rng = random.Random(1)
    assert {dob_error(rng, BORN, kind, AS_OF) for _ in range(50)} == expected


def test_one_digit_off_differs_in_exactly_one_digit() -> None:
    rng = random.Random(2)
    for _ in range(200):
        changed = dob_error(rng, BORN, "one-digit", AS_OF)
        assert changed is not None
        diff = sum(a != b for a, b in zip(f"{changed:%Y%m%d}", f"{BORN:%Y%m%d}", strict=True))
        assert diff <= 1  # 0 when the digit would have made an impossible date


def test_a_date_error_never_makes_a_date_a_form_refuses() -> None:
    rng = random.Random(3)
    recent = AS_OF - timedelta(days=3)
    for kind in DOB_ERRORS:
        for _ in range(100):
            changed = dob_error(rng, recent, kind, AS_OF)
            assert changed is None or (AS_OF.year - 25 <= changed.year and changed <= AS_OF)


def test_a_keyboard_slip_is_mostly_a_neighbouring_key() -> None:
    rng = random.Random(4)
    slips = [keyboard_neighbour(rng, "g") for _ in range(1000)]
    assert "g" not in slips
    neighbours = sum(s in "fhtb" for s in slips) / len(slips)
    assert 0.6 < neighbours < 0.8  # same row 0.4, same column 0.3 (Febrl / GeCo)
    assert keyboard_neighbour(rng, "G").isupper()


@pytest.mark.parametrize(
    ("error", "word", "possible"),
    [
        (phonetic_error, "Stephen", {"Stefen", "Steptren", "Stephan"}),
        (ocr_error, "Marni", {"Mami", "Marhi", "Marnl", "Mcrni", "Momi", "Marni"}),
    ],
)
def test_phonetic_and_ocr_errors_change_the_word_by_their_rules(
    error: object, word: str, possible: set[str]
) -> None:
    rng = random.Random(5)
    changed = {error(rng, word) for _ in range(100)}  # type: ignore[operator]
    assert changed  # something always comes out
    assert word[0] == next(iter(changed))[0]  # the first letter is never the slip
    assert any(c != word for c in changed)


def test_a_word_no_rule_fits_is_left_as_it_was() -> None:
    assert phonetic_error(random.Random(6), "Bo") == "Bo"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_world_is_reproducible_and_read_by_fingerpost(tmp_path: Path) -> None:
    first = write_dataset(tmp_path / "a", seed=3, children=200, enquiries=100, world="independent")
    again = write_dataset(tmp_path / "b", seed=3, children=200, enquiries=100, world="independent")
    for one, two in zip(first.files, again.files, strict=True):
        assert one.read_bytes() == two.read_bytes()
    for path in first.files:
        if path.name.startswith("enquiries-"):
            for row in _rows(path):
                parse_enquiry_row(row)  # every enquiry is one the contract accepts


def test_the_independent_world_is_messed_up_otherwise_than_the_own(tmp_path: Path) -> None:
    own = write_dataset(tmp_path / "own", seed=3, children=300, enquiries=10)
    other = write_dataset(
        tmp_path / "other", seed=3, children=300, enquiries=10, world="independent"
    )
    assert WORLDS == ("own", "independent")
    own_rows = [r for p in own.files if p.name.startswith("register-") for r in _rows(p)]
    other_rows = [r for p in other.files if p.name.startswith("register-") for r in _rows(p)]
    # The own generator writes names in capitals now and then and untidy postcodes; this one
    # never does, and it moves more children.
    assert any(r["family_name"].isupper() for r in own_rows)
    assert not any(r["family_name"].isupper() and len(r["family_name"]) > 3 for r in other_rows)


def test_an_unknown_world_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown world"):
        write_dataset(tmp_path, world="febrl")


def test_fingerpost_synth_writes_the_independent_world(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from fingerpost.entrypoints.cli import app

    args = ["synth", str(tmp_path / "w"), "--children", "50", "--enquiries", "5", "--seed", "2"]
    done = CliRunner().invoke(app, [*args, "--world", "independent"])
    assert done.exit_code == 0, done.output
    made = write_dataset(tmp_path / "direct", seed=2, children=50, enquiries=5, world="independent",
                         as_of=date.today())  # fmt: skip
    assert (tmp_path / "w" / "truth.csv").read_bytes() == (made.out_dir / "truth.csv").read_bytes()
    refused = CliRunner().invoke(app, [*args, "--world", "febrl"])
    assert refused.exit_code == 2
