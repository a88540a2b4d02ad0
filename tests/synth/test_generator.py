"""`fingerpost.synth.write_dataset` (and `fingerpost synth`): invented agencies, registers and
enquiries in the contract's CSV shapes, with `truth.csv` saying who is who.

What the data is for decides what is specified here: it must be reproducible (benchmarks compare
runs), every file must be accepted by fingerpost's own readers (the demo loads it), the mess must
be real (the matcher is measured on it), and the truth must cover every row (or nothing can be
scored). Sizes are small so that the module runs in seconds.
"""

from __future__ import annotations

import csv
import itertools
import os
import random
import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import nhs_number
import pytest
from typer.testing import CliRunner

from fingerpost import gateway
from fingerpost.domain.hours import OfficeHours
from fingerpost.domain.vocabulary import AgencyKind, InvolvementKind
from fingerpost.entrypoints.cli import app
from fingerpost.gateway.rows import parse_enquiry_row, parse_register_row
from fingerpost.synth import DatasetSummary, write_dataset
from fingerpost.synth import files as synth_files
from fingerpost.synth import generator as synth_generator
from fingerpost.synth.mess import nhs_numbers

AS_OF = date(2025, 3, 15)  # not the generator's default: the date it is given must be honoured
SEED = 7
CHILDREN = 300
ENQUIRIES = 600
LARGEST_HOUSEHOLD = 4

# The columns as CONTRACT.md spells them (the contract, not the generator, is the reference).
CONTRACT_REGISTER_COLUMNS = [
    "local_ref", "nhs_number", "given_names", "family_name", "other_names", "date_of_birth",
    "sex", "postcode", "involvement", "practitioner_name", "practitioner_role",
    "practitioner_phone", "practitioner_email", "start_date", "end_date",
]  # fmt: skip
CONTRACT_ENQUIRY_COLUMNS = [
    "enquiry_ref", "nhs_number", "given_names", "family_name", "other_names", "date_of_birth",
    "sex", "postcode",
]  # fmt: skip
AGENCY_COLUMNS = [
    "code", "name", "authority_area", "kind", "duty_phone", "duty_email", "out_of_hours_phone",
    "out_of_hours_name", "office_hours",  # optional, added for the night answer (ADR 0020)
]  # fmt: skip
TRUTH_COLUMNS = ["kind", "agency", "ref", "child_id", "enquiry_for"]
IDENTITY_COLUMNS = CONTRACT_ENQUIRY_COLUMNS[1:]

# What each kind of agency records (an agency only registers the work it does).
INVOLVEMENTS_BY_KIND = {
    "social-care": {"child-in-need", "child-protection-plan", "looked-after", "early-help"},
    "police": {"police-concern"},
    "health": {"health-visiting", "other"},
    "education": {"school-safeguarding"},
    "youth-justice": {"youth-justice"},
    "other": {"early-help", "other"},
}


# -- reading what was written -------------------------------------------------------------------


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def agency_code(path: Path) -> str:
    """`register-LDS-POL.csv` → `LDS-POL`."""
    return path.stem.split("-", 1)[1]


@dataclass(frozen=True)
class Dataset:
    out: Path
    summary: DatasetSummary
    progress: list[int]

    def files(self, pattern: str) -> list[Path]:
        return sorted(self.out.glob(pattern))

    def agencies(self) -> list[dict[str, str]]:
        return read_csv(self.out / "agencies.csv")[1]

    def registers(self) -> dict[str, list[dict[str, str]]]:
        return {agency_code(p): read_csv(p)[1] for p in self.files("register-*.csv")}

    def enquiries(self) -> dict[str, list[dict[str, str]]]:
        return {agency_code(p): read_csv(p)[1] for p in self.files("enquiries-*.csv")}

    def truth(self) -> list[dict[str, str]]:
        return read_csv(self.out / "truth.csv")[1]

    def children_of(self, kind: str) -> dict[tuple[str, str], str]:
        """(agency, ref) → child_id, for the truth rows of one kind."""
        return {(t["agency"], t["ref"]): t["child_id"] for t in self.truth() if t["kind"] == kind}

    def register_truth(self) -> dict[tuple[str, str], str]:
        """(agency, local_ref) → child_id."""
        return self.children_of("register")

    def enquiry_truth(self) -> dict[tuple[str, str], str]:
        """(agency, enquiry_ref) → child_id."""
        return self.children_of("enquiry")

    def enquiry_kinds(self) -> Counter[str]:
        """Each enquiry as `registered`, `sibling` or `unregistered`, as truth.csv labels it."""
        return Counter(t["enquiry_for"] for t in self.truth() if t["kind"] == "enquiry")


def generate(out: Path, **options: object) -> Dataset:
    progress: list[int] = []
    summary = write_dataset(out, progress=progress.append, **options)  # type: ignore[arg-type]
    return Dataset(out, summary, progress)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """One dataset of 300 children, six agencies and 600 enquiries, read by most tests."""
    out = tmp_path_factory.mktemp("synth") / "data"
    return generate(out, seed=SEED, children=CHILDREN, enquiries=ENQUIRIES, as_of=AS_OF)


def contents(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


# -- reproducibility ----------------------------------------------------------------------------


class TestReproducibility:
    """Benchmarks compare runs: a seed names one dataset, byte for byte."""

    def test_the_same_seed_writes_byte_identical_files(self, tmp_path: Path) -> None:
        options = {"seed": 11, "children": 120, "enquiries": 60, "as_of": AS_OF}
        generate(tmp_path / "first", **options)
        generate(tmp_path / "second", **options)
        first, second = contents(tmp_path / "first"), contents(tmp_path / "second")
        assert list(first) == list(second)
        assert first == second

    def test_a_different_seed_writes_different_files(self, tmp_path: Path) -> None:
        generate(tmp_path / "one", seed=11, children=120, enquiries=60, as_of=AS_OF)
        generate(tmp_path / "two", seed=12, children=120, enquiries=60, as_of=AS_OF)
        one, two = contents(tmp_path / "one"), contents(tmp_path / "two")
        for name in ("truth.csv", *(n for n in one if n.startswith(("register-", "enquiries-")))):
            assert one[name] != two[name], name

    def test_the_files_do_not_depend_on_python_hash_randomisation(self, tmp_path: Path) -> None:
        """Set iteration order changes between processes: it must never reach the output."""
        script = (
            "import sys; from datetime import date; from pathlib import Path; "
            "from fingerpost.synth import write_dataset; "
            "write_dataset(Path(sys.argv[1]), seed=5, children=80, enquiries=40, "
            "as_of=date(2025, 3, 15))"
        )
        for hash_seed in ("1", "2"):
            subprocess.run(
                [sys.executable, "-c", script, str(tmp_path / hash_seed)],
                check=True,
                env={**os.environ, "PYTHONHASHSEED": hash_seed},
                capture_output=True,
            )
        assert contents(tmp_path / "1") == contents(tmp_path / "2")


# -- the files and their columns ----------------------------------------------------------------


class TestFilesWritten:
    """agencies.csv, a register per agency, enquiries from the enquiring agencies, truth.csv."""

    def test_one_register_per_agency_enquiries_agencies_and_truth(self, dataset: Dataset) -> None:
        codes = [a["code"] for a in dataset.agencies()]
        assert len(codes) == dataset.summary.agencies == 6
        expected = {
            "agencies.csv",
            "truth.csv",
            *(f"register-{code}.csv" for code in codes),
            *(f"enquiries-{code}.csv" for code in dataset.enquiries()),
        }
        assert {p.name for p in dataset.out.iterdir()} == expected

    def test_the_summary_lists_every_file_written(self, dataset: Dataset) -> None:
        assert dataset.summary.out_dir == dataset.out
        assert sorted(dataset.summary.files) == sorted(dataset.out.iterdir())
        assert dataset.summary.files[0].name == "agencies.csv"
        assert dataset.summary.files[-1].name == "truth.csv"

    def test_enquiries_come_from_the_police_and_health_agencies(self, dataset: Dataset) -> None:
        kinds = {a["code"]: a["kind"] for a in dataset.agencies()}
        assert sorted(kinds[code] for code in dataset.enquiries()) == ["health", "police"]

    def test_register_files_have_the_contract_columns_in_order(self, dataset: Dataset) -> None:
        assert synth_files.REGISTER_COLUMNS == CONTRACT_REGISTER_COLUMNS
        # The gateway reads the contract's columns and the optional ones added since.
        assert list(gateway.REGISTER_COLUMNS)[: len(CONTRACT_REGISTER_COLUMNS)] == (
            CONTRACT_REGISTER_COLUMNS
        )
        for path in dataset.files("register-*.csv"):
            assert read_csv(path)[0] == CONTRACT_REGISTER_COLUMNS, path.name

    def test_enquiry_files_have_the_contract_columns_in_order(self, dataset: Dataset) -> None:
        assert synth_files.ENQUIRY_COLUMNS == CONTRACT_ENQUIRY_COLUMNS
        assert list(gateway.ENQUIRY_COLUMNS) == CONTRACT_ENQUIRY_COLUMNS
        for path in dataset.files("enquiries-*.csv"):
            assert read_csv(path)[0] == CONTRACT_ENQUIRY_COLUMNS, path.name

    def test_truth_has_kind_agency_ref_and_child(self, dataset: Dataset) -> None:
        assert read_csv(dataset.out / "truth.csv")[0] == TRUTH_COLUMNS
        assert {t["kind"] for t in dataset.truth()} == {"register", "enquiry"}

    def test_agencies_are_valid_for_agencies_import(self, dataset: Dataset) -> None:
        header, agencies = read_csv(dataset.out / "agencies.csv")
        assert header == AGENCY_COLUMNS
        assert len({a["code"] for a in agencies}) == len(agencies)
        for agency in agencies:
            assert agency["name"]
            assert AgencyKind(agency["kind"])
            assert re.fullmatch(r"E\d{8}", agency["authority_area"])
            assert agency["duty_phone"]
            assert agency["out_of_hours_phone"]
            assert agency["out_of_hours_name"]
            assert OfficeHours.parse(agency["office_hours"])
            assert "@" in agency["duty_email"]

    def test_agencies_are_of_different_kinds_and_areas(self, dataset: Dataset) -> None:
        """Signposting crosses authority boundaries and professions."""
        agencies = dataset.agencies()
        assert {a["kind"] for a in agencies} == {k.value for k in AgencyKind}
        assert len({a["authority_area"] for a in agencies}) == len(agencies)

    def test_the_output_directory_is_created_when_missing(self, tmp_path: Path) -> None:
        out = tmp_path / "not" / "yet" / "there"
        generate(out, seed=1, children=10, enquiries=5, as_of=AS_OF)
        assert (out / "truth.csv").is_file()

    def test_files_are_utf8_without_a_byte_order_mark(self, dataset: Dataset) -> None:
        for path in dataset.out.iterdir():
            data = path.read_bytes()
            assert not data.startswith(b"\xef\xbb\xbf"), path.name
            data.decode("utf-8")

    def test_agency_codes_stay_unique_for_many_agencies(self, tmp_path: Path) -> None:
        data = generate(tmp_path / "many", seed=1, children=60, agencies=25, enquiries=10)
        codes = [a["code"] for a in data.agencies()]
        assert len(set(codes)) == len(codes) == 25
        on_file = {(code, r["local_ref"]) for code, rows in data.registers().items() for r in rows}
        assert set(data.register_truth()) == on_file


class TestArguments:
    def test_fewer_than_two_agencies_is_refused_before_anything_is_written(
        self, tmp_path: Path
    ) -> None:
        """Signposting is between agencies: one agency alone has nobody to signpost to."""
        for agencies in (0, 1):
            out = tmp_path / f"with-{agencies}"
            with pytest.raises(ValueError, match="two agencies"):
                write_dataset(out, agencies=agencies, children=10, enquiries=5)
            assert not out.exists()

    def test_two_agencies_are_enough(self, tmp_path: Path) -> None:
        data = generate(tmp_path / "two", seed=2, children=30, agencies=2, enquiries=10)
        assert data.summary.agencies == 2
        assert len(data.registers()) == 2
        assert sum(len(rows) for rows in data.enquiries().values()) == 10

    def test_no_enquiries_still_writes_enquiry_files_with_a_header(self, tmp_path: Path) -> None:
        data = generate(tmp_path / "none", seed=2, children=30, enquiries=0, as_of=AS_OF)
        assert data.summary.enquiries == 0
        paths = data.files("enquiries-*.csv")
        assert paths
        for path in paths:
            assert read_csv(path) == (CONTRACT_ENQUIRY_COLUMNS, [])
        assert data.enquiry_truth() == {}

    def test_at_least_the_children_asked_for_and_no_more_than_a_household_over(
        self, dataset: Dataset
    ) -> None:
        """Children come in households, and the last household is not split."""
        assert CHILDREN <= dataset.summary.children < CHILDREN + LARGEST_HOUSEHOLD

    def test_progress_is_reported_once_per_registered_child(self, dataset: Dataset) -> None:
        assert len(dataset.progress) == dataset.summary.children
        assert all(n >= 1 for n in dataset.progress)


# -- register rows ------------------------------------------------------------------------------


class TestRegisterRows:
    """What `fingerpost register` will be given: valid rows, imperfect records."""

    def test_every_row_is_accepted_by_the_register_reader(self, dataset: Dataset) -> None:
        rows = [row for rows in dataset.registers().values() for row in rows]
        assert len(rows) == dataset.summary.involvements
        for row in rows:
            parse_register_row(row, AS_OF)  # raises on any invalid row

    def test_every_nhs_number_is_valid_and_in_the_range_reserved_for_tests(
        self, dataset: Dataset
    ) -> None:
        numbers = [
            row["nhs_number"].replace(" ", "")
            for rows in dataset.registers().values()
            for row in rows
            if row["nhs_number"]
        ]
        assert numbers
        for number in numbers:
            assert nhs_number.is_valid(number), number
            assert number.startswith("999"), number

    def test_no_date_is_after_the_as_of_date(self, dataset: Dataset) -> None:
        for rows in dataset.registers().values():
            for row in rows:
                start = date.fromisoformat(row["start_date"])
                assert start <= AS_OF
                if row["date_of_birth"]:
                    assert date.fromisoformat(row["date_of_birth"]) <= AS_OF
                if row["end_date"]:
                    assert start <= date.fromisoformat(row["end_date"]) <= AS_OF

    def test_an_agency_registers_only_the_involvements_of_its_kind(self, dataset: Dataset) -> None:
        kinds = {a["code"]: a["kind"] for a in dataset.agencies()}
        for code, rows in dataset.registers().items():
            for row in rows:
                assert InvolvementKind(row["involvement"])
                assert row["involvement"] in INVOLVEMENTS_BY_KIND[kinds[code]], (code, row)

    def test_local_refs_are_the_agencys_own(self, dataset: Dataset) -> None:
        for code, rows in dataset.registers().items():
            assert all(row["local_ref"].startswith(f"{code}-") for row in rows)

    def test_the_contract_key_agency_ref_involvement_is_unique(self, dataset: Dataset) -> None:
        keys = [
            (code, row["local_ref"], row["involvement"])
            for code, rows in dataset.registers().items()
            for row in rows
        ]
        assert len(keys) == len(set(keys))

    def test_one_agency_holds_one_record_of_a_child_whatever_its_involvements(
        self, dataset: Dataset
    ) -> None:
        records: dict[tuple[str, str], set[tuple[str, ...]]] = defaultdict(set)
        for code, rows in dataset.registers().items():
            for row in rows:
                records[code, row["local_ref"]].add(tuple(row[c] for c in IDENTITY_COLUMNS))
        assert all(len(identities) == 1 for identities in records.values())
        assert len(records) < dataset.summary.involvements, "some child has two involvements"

    def test_every_row_names_a_practitioner_who_can_be_contacted(self, dataset: Dataset) -> None:
        for rows in dataset.registers().values():
            for row in rows:
                assert row["practitioner_name"]
                assert row["practitioner_role"]
                assert row["practitioner_phone"] or row["practitioner_email"]

    def test_names_are_in_latin_script(self, dataset: Dataset) -> None:
        """Agencies in England record romanised names: the mess is in the romanisation."""
        rows = [
            *(row for rows in dataset.registers().values() for row in rows),
            *(row for rows in dataset.enquiries().values() for row in rows),
        ]
        for row in rows:
            for column in ("given_names", "family_name", "other_names"):
                for ch in row[column]:
                    assert (
                        ch in " -'."
                        or unicodedata.category(ch) == "Mn"  # e.g. "İ".lower() = "i̇"
                        or (ch.isalpha() and unicodedata.name(ch).startswith("LATIN"))
                    ), (column, row[column])


class TestTheMessIsReal:
    """Each record is an independent, imperfect view of the child: the matcher is measured on it."""

    def test_agencies_hold_different_records_of_the_same_child(self, dataset: Dataset) -> None:
        by_child: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        refs = dataset.register_truth()
        for code, rows in dataset.registers().items():
            for row in rows:
                identity = tuple(row[c] for c in IDENTITY_COLUMNS)
                by_child[refs[code, row["local_ref"]]].add(identity)
        known_differently = [child for child, records in by_child.items() if len(records) > 1]
        held_by_several = [
            child
            for child in by_child
            if len({code for (code, _), c in refs.items() if c == child}) > 1
        ]
        assert held_by_several
        assert len(known_differently) > len(held_by_several) / 2

    def test_nhs_numbers_are_sometimes_missing_and_sometimes_spaced(self, dataset: Dataset) -> None:
        numbers = [row["nhs_number"] for rows in dataset.registers().values() for row in rows]
        assert any(n == "" for n in numbers)
        assert any(" " in n for n in numbers)
        assert any(len(n) == 10 for n in numbers)

    def test_the_police_know_nhs_numbers_far_less_often_than_health(self, dataset: Dataset) -> None:
        kinds = {a["code"]: a["kind"] for a in dataset.agencies()}

        def missing(kind: str) -> float:
            registers = dataset.registers()
            rows = [row for code in registers if kinds[code] == kind for row in registers[code]]
            return sum(not r["nhs_number"] for r in rows) / len(rows)

        assert missing("police") > 0.4
        assert missing("health") < 0.15

    def test_postcodes_and_dates_of_birth_are_sometimes_missing_or_untidy(
        self, dataset: Dataset
    ) -> None:
        rows = [row for rows in dataset.registers().values() for row in rows]
        postcodes = [row["postcode"] for row in rows]
        assert any(p == "" for p in postcodes)
        assert any(p and (p != p.upper() or " " not in p) for p in postcodes)
        assert any(row["date_of_birth"] == "" for row in rows)
        assert all(row["given_names"] or row["family_name"] for row in rows)


# -- enquiry rows -------------------------------------------------------------------------------


class TestEnquiryRows:
    """What `fingerpost enquire` will be given."""

    def test_every_row_is_accepted_by_the_enquiry_reader(self, dataset: Dataset) -> None:
        rows = [row for rows in dataset.enquiries().values() for row in rows]
        assert len(rows) == ENQUIRIES == dataset.summary.enquiries
        for row in rows:
            parse_enquiry_row(row)  # raises when fewer than two of NHS number, name, DOB, postcode

    def test_every_nhs_number_is_valid(self, dataset: Dataset) -> None:
        for rows in dataset.enquiries().values():
            for row in rows:
                if row["nhs_number"]:
                    assert nhs_number.is_valid(row["nhs_number"].replace(" ", ""))

    def test_enquiry_refs_are_unique_and_name_the_enquirer(self, dataset: Dataset) -> None:
        refs = [
            (code, row["enquiry_ref"]) for code, rows in dataset.enquiries().items() for row in rows
        ]
        assert len({ref for _, ref in refs}) == len(refs)
        assert all(ref.startswith(f"ENQ-{code}-") for code, ref in refs)

    def test_the_enquirers_share_the_enquiries_evenly(self, dataset: Dataset) -> None:
        sizes = [len(rows) for rows in dataset.enquiries().values()]
        assert max(sizes) - min(sizes) <= 1


# -- the truth ----------------------------------------------------------------------------------


class TestTruth:
    """truth.csv says who is who, for every row of every file."""

    def test_every_register_record_has_exactly_one_child(self, dataset: Dataset) -> None:
        on_file = {
            (code, row["local_ref"]) for code, rows in dataset.registers().items() for row in rows
        }
        register = [(t["agency"], t["ref"]) for t in dataset.truth() if t["kind"] == "register"]
        assert len(register) == len(set(register)), "one truth row per (agency, local_ref)"
        assert set(register) == on_file

    def test_every_enquiry_has_exactly_one_child(self, dataset: Dataset) -> None:
        on_file = [
            (code, row["enquiry_ref"]) for code, rows in dataset.enquiries().items() for row in rows
        ]
        enquiry = [(t["agency"], t["ref"]) for t in dataset.truth() if t["kind"] == "enquiry"]
        assert sorted(enquiry) == sorted(on_file)

    def test_child_ids_are_well_formed(self, dataset: Dataset) -> None:
        for t in dataset.truth():
            assert re.fullmatch(r"C\d{7}", t["child_id"]), t

    def test_the_summary_counts_match_the_files(self, dataset: Dataset) -> None:
        summary = dataset.summary
        assert summary.agencies == len(dataset.agencies())
        assert summary.involvements == sum(len(rows) for rows in dataset.registers().values())
        assert summary.children == len(set(dataset.register_truth().values()))
        assert summary.enquiries == sum(len(rows) for rows in dataset.enquiries().values())

    def test_a_child_is_registered_by_one_to_three_agencies(self, dataset: Dataset) -> None:
        agencies_of: dict[str, set[str]] = defaultdict(set)
        for (code, _), child in dataset.register_truth().items():
            agencies_of[child].add(code)
        counts = Counter(len(codes) for codes in agencies_of.values())
        assert set(counts) == {1, 2, 3}
        assert counts[1] > counts[2] > counts[3]


class TestEnquiryKinds:
    """Enquiries ask about registered children (70%), children registered nowhere (20%) and their
    unregistered brothers and sisters (10%, the hard negatives)."""

    def test_all_three_kinds_in_roughly_the_documented_shares(self, dataset: Dataset) -> None:
        assert synth_generator.ENQUIRY_SHARES == {
            "registered": 0.7,
            "unregistered": 0.2,
            "sibling": 0.1,
        }
        kinds = dataset.enquiry_kinds()
        assert sum(kinds.values()) == ENQUIRIES
        shares = {kind: count / ENQUIRIES for kind, count in kinds.items()}
        assert 0.60 <= shares["registered"] <= 0.80, shares
        assert 0.13 <= shares["unregistered"] <= 0.28, shares
        assert 0.05 <= shares["sibling"] <= 0.16, shares

    def test_the_truth_labels_each_enquiry_by_whom_it_is_about(self, dataset: Dataset) -> None:
        """`enquiry_for` agrees with the register: a `registered` child is on some agency's
        register; a `sibling` or an `unregistered` child is on none."""
        registered = set(dataset.register_truth().values())
        for row in dataset.truth():
            if row["kind"] == "register":
                assert row["enquiry_for"] == ""
            else:
                assert (row["enquiry_for"] == "registered") == (row["child_id"] in registered)

    def test_a_registered_child_asked_about_is_known_to_another_agency(
        self, dataset: Dataset
    ) -> None:
        """The enquirer's own records are never signposted back to it: asking about a child only
        the enquirer knows would measure nothing."""
        agencies_of: dict[str, set[str]] = defaultdict(set)
        for (code, _), child in dataset.register_truth().items():
            agencies_of[child].add(code)
        asked = [
            (enquirer, child)
            for (enquirer, _), child in dataset.enquiry_truth().items()
            if child in agencies_of
        ]
        assert asked
        assert all(agencies_of[child] - {enquirer} for enquirer, child in asked)

    def test_each_enquiry_about_an_unregistered_child_invents_a_new_child(
        self, dataset: Dataset
    ) -> None:
        registered = set(dataset.register_truth().values())
        last_registered = max(registered)
        new = [c for c in dataset.enquiry_truth().values() if c > last_registered]
        assert new
        assert len(new) == len(set(new))


# -- the command line ---------------------------------------------------------------------------


class TestSynthCommand:
    """`fingerpost synth OUT --seed N --children N --enquiries N [--agencies N]`."""

    def test_writes_the_dataset_and_a_one_line_summary(self, tmp_path: Path) -> None:
        out = tmp_path / "out"
        result = CliRunner().invoke(
            app,
            ["synth", str(out), "--seed", "3", "--children", "50", "--enquiries", "20"],
            env={"FINGERPOST_HOME": str(tmp_path / "home")},
        )
        assert result.exit_code == 0, result.output
        names = {p.name for p in out.iterdir()}
        assert {"agencies.csv", "truth.csv"} <= names
        assert len([n for n in names if n.startswith("register-")]) == 6
        assert len([n for n in names if n.startswith("enquiries-")]) == 2
        assert sum(len(read_csv(p)[1]) for p in out.glob("enquiries-*.csv")) == 20
        line = result.stderr.strip().splitlines()[-1]
        assert line.startswith("synth: 6 agencies")
        assert "20 enquiries" in line

    def test_writes_exactly_what_write_dataset_writes(self, tmp_path: Path) -> None:
        result = CliRunner().invoke(
            app,
            ["synth", str(tmp_path / "cli"), "--seed", "3", "--children", "50",
             "--enquiries", "20", "--agencies", "3", "--as-of", "2026-06-30"],
            env={"FINGERPOST_HOME": str(tmp_path / "home")},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        write_dataset(
            tmp_path / "api", seed=3, children=50, enquiries=20, agencies=3, as_of=date(2026, 6, 30)
        )
        assert contents(tmp_path / "cli") == contents(tmp_path / "api")

    def test_the_records_are_as_of_today_unless_told_otherwise(self, tmp_path: Path) -> None:
        env = {"FINGERPOST_HOME": str(tmp_path / "home")}
        for name, extra in (("today", []), ("june", ["--as-of", "2026-06-30"])):
            result = CliRunner().invoke(
                app, ["synth", str(tmp_path / name), "--children", "40", *extra], env=env
            )
            assert result.exit_code == 0, result.output
        starts = {
            name: max(
                row["start_date"]
                for path in (tmp_path / name).glob("register-*.csv")
                for row in read_csv(path)[1]
            )
            for name in ("today", "june")
        }
        assert starts["june"] <= "2026-06-30"
        assert starts["today"] <= date.today().isoformat()
        assert contents(tmp_path / "today") != contents(tmp_path / "june")

    def test_one_agency_is_a_usage_error_and_writes_nothing(self, tmp_path: Path) -> None:
        out = tmp_path / "out"
        result = CliRunner().invoke(
            app,
            ["synth", str(out), "--agencies", "1", "--children", "10"],
            env={"FINGERPOST_HOME": str(tmp_path / "home")},
        )
        assert result.exit_code == 2
        assert not out.exists()

    def test_the_contract_commands_accept_every_file(self, tmp_path: Path) -> None:
        """The demo's path: synth, then agencies import, register and enquire, all exit 0."""
        out = tmp_path / "out"
        env = {"FINGERPOST_HOME": str(tmp_path / "home")}

        def run(*args: str | Path) -> None:
            result = CliRunner().invoke(app, [str(a) for a in args], env=env)
            assert result.exit_code == 0, (args, result.output)

        run("synth", out, "--seed", "3", "--children", "50", "--enquiries", "20")
        run("agencies", "import", out / "agencies.csv")
        for path in sorted(out.glob("register-*.csv")):
            run("register", "--agency", agency_code(path), path)
        for path in sorted(out.glob("enquiries-*.csv")):
            output = tmp_path / f"signposts-{path.name}"
            run("enquire", "--agency", agency_code(path), "--purpose", "a synthetic run", path,
                "--output", output)  # fmt: skip
            assert output.is_file()


def test_nhs_numbers_are_valid_test_numbers_never_repeated_until_the_range_is_used_up() -> None:
    numbers = nhs_numbers(random.Random(7))
    drawn = list(itertools.islice(numbers, 950_000))
    issued = [n for n in drawn if n]
    assert len(set(issued)) == len(issued) > 900_000
    assert all(n.startswith("999") and nhs_number.is_valid(n) for n in issued[:5000])
    # Past the end of the range children have no number: a real one must never be invented.
    assert drawn[-1] == ""
    assert next(numbers) == ""
