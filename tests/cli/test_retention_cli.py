"""`fingerpost expire`, `backup`/`restore`, `keys rotate`, `notice`, `subject-report`,
`decommission` and `certificate verify`, as an operator, an agency and an auditor use them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]


@pytest.fixture
def registered(with_agencies: Cli, csv_file: CsvFile, register_row: Row) -> Cli:
    rows = [register_row(local_ref="L-1", practitioner_email="priya.shah@leeds.example")]
    assert with_agencies("register", "--agency", "CSC-LDS", csv_file("l.csv", rows)).exit_code == 0
    police = [register_row(local_ref="G-1", practitioner_email="jo@gmp.example")]
    assert with_agencies("register", "--agency", "GMP", csv_file("g.csv", police)).exit_code == 0
    return with_agencies


def _leeds_id(cli: Cli) -> str:
    with cli.installation() as fp:
        from fingerpost.domain.actor import Actor

        return fp.hub.list_involvements(Actor.system("CSC-LDS"))[0].id


def test_expire_reports_what_it_purged(registered: Cli) -> None:
    result = registered("expire")
    assert result.exit_code == 0
    assert result.stdout.startswith("expired: 0 involvements")


def test_the_care_leaver_column_is_known_and_checked(
    with_agencies: Cli, csv_file: CsvFile, register_row: Row
) -> None:
    rows = [register_row(care_leaver="yes"), register_row(care_leaver="perhaps")]
    result = with_agencies("register", "--agency", "CSC-LDS", csv_file("c.csv", rows))
    assert result.exit_code == 1
    assert "unknown column" not in result.stderr
    assert "line 3: care_leaver: use yes or no" in result.stderr


def test_a_backup_restores_and_the_audit_log_verifies(registered: Cli, tmp_path: Path) -> None:
    target = tmp_path / "home.backup"
    made = registered("backup", target)
    assert made.exit_code == 0, made.output
    restored = registered("restore", target, "--yes")
    assert restored.exit_code == 0, restored.output
    assert "audit log intact" in restored.stdout
    assert registered("audit", "verify").exit_code == 0


def test_a_backup_goes_into_a_new_folder_and_an_unwritable_place_is_a_plain_error(
    registered: Cli, tmp_path: Path
) -> None:
    assert registered("backup", tmp_path / "new" / "folder" / "b.backup").exit_code == 0
    (tmp_path / "file").write_text("not a folder")
    result = registered("backup", tmp_path / "file" / "b.backup")
    assert result.exit_code == 2
    assert "cannot write" in result.stderr
    assert "Traceback" not in result.output


def test_a_departed_agency_can_neither_register_nor_enquire_nor_get_tokens(
    registered: Cli, tmp_path: Path, csv_file: CsvFile, register_row: Row
) -> None:
    gone = registered(
        "decommission", "--agency", "GMP", "--certificate", tmp_path / "c.json", "--yes"
    )
    assert gone.exit_code == 0, gone.output
    rows = csv_file("g.csv", [register_row(local_ref="G-2")])
    for args in (
        ("register", "--agency", "GMP", rows),
        ("enquire", "--agency", "GMP", "--purpose", "emergency care", rows,
         "--output", tmp_path / "o.csv"),
        ("tokens", "create", "--agency", "GMP", "--role", "practitioner", "--name", "X",
         "--email", "x@gmp.example"),
    ):  # fmt: skip
        result = registered(*args)
        assert result.exit_code == 2, args
        assert "left fingerpost" in result.stderr
        assert "Traceback" not in result.output
    again = registered(
        "decommission", "--agency", "GMP", "--certificate", tmp_path / "d.json", "--yes"
    )
    assert again.exit_code == 0  # running it again finishes an interrupted decommission


def test_restore_and_decommission_ask_before_destroying(registered: Cli, tmp_path: Path) -> None:
    target = tmp_path / "home.backup"
    registered("backup", target)
    for args in (
        ("restore", target),
        ("decommission", "--agency", "GMP", "--certificate", tmp_path / "c.json"),
    ):
        result = registered(*args)  # not a terminal, no --yes: refused, nothing done
        assert result.exit_code == 2
        assert "--yes" in result.stderr
    assert not (tmp_path / "c.json").exists()


def test_a_damaged_backup_is_refused(registered: Cli, tmp_path: Path) -> None:
    target = tmp_path / "home.backup"
    registered("backup", target)
    target.write_bytes(target.read_bytes()[:-10])
    result = registered("restore", target, "--yes")
    assert result.exit_code == 2
    assert "nothing was changed" in result.stderr


def test_decommission_writes_a_certificate_that_verifies_until_changed(
    registered: Cli, tmp_path: Path
) -> None:
    certificate = tmp_path / "gmp.json"
    result = registered("decommission", "--agency", "GMP", "--certificate", certificate, "--yes")
    assert result.exit_code == 0, result.output
    assert "involvements: 1" in result.stdout
    assert (tmp_path / "gmp.txt").read_text().startswith("fingerpost destruction certificate")
    body = json.loads(certificate.read_text())["certificate"]
    assert body["destroyed"]["data_keys"] == 1
    assert registered("certificate", "verify", certificate).exit_code == 0
    certificate.write_text(certificate.read_text().replace('"links": 1', '"links": 0'))
    tampered = registered("certificate", "verify", certificate)
    assert tampered.exit_code == 1
    assert "does not verify" in tampered.stderr


def test_decommission_wants_one_scope(registered: Cli, tmp_path: Path) -> None:
    result = registered("decommission", "--certificate", tmp_path / "c.json", "--yes")
    assert result.exit_code == 2
    assert "exactly one of" in result.stderr


def test_keys_rotate_for_an_agency_and_the_master(registered: Cli) -> None:
    agency = registered("keys", "rotate", "--agency", "CSC-LDS")
    assert agency.exit_code == 0
    assert "v2; 1 involvements" in agency.stdout
    master = registered("keys", "rotate", "--master")
    assert master.exit_code == 0
    assert "3 data keys re-wrapped" not in master.stdout
    assert _leeds_id(registered)  # still readable after both rotations


def test_restoring_a_backup_from_before_a_key_rotation_warns_what_can_no_longer_be_read(
    registered: Cli, tmp_path: Path
) -> None:
    """Rotation destroys the old data key, so an older backup's rows of that agency stay
    unreadable: the restore says so rather than letting them vanish silently."""
    target = tmp_path / "before.backup"
    assert registered("backup", target).exit_code == 0
    assert registered("keys", "rotate", "--agency", "CSC-LDS").exit_code == 0
    restored = registered("restore", target, "--yes")
    assert restored.exit_code == 0, restored.output
    assert "1 involvements of CSC-LDS are sealed with a data key destroyed" in restored.stderr
    assert "GMP" not in restored.stderr.split("warning")[-1]


def test_a_family_notice_prints_and_writes_html(registered: Cli, tmp_path: Path) -> None:
    involvement = _leeds_id(registered)
    page = tmp_path / "notice.html"
    result = registered("notice", involvement, "--agency", "CSC-LDS", "--html", page)
    assert result.exit_code == 0
    assert "Leeds children's services has told fingerpost" in result.stdout
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert registered("notice", involvement, "--agency", "GMP").exit_code == 2


def test_a_subject_report_from_options_or_a_file(registered: Cli, tmp_path: Path) -> None:
    report, data = tmp_path / "r.html", tmp_path / "r.json"
    result = registered(
        "subject-report", "--reference", "SAR-7", "--given-names", "Olivia", "--family-name",
        "Harrison", "--date-of-birth", "2015-06-07", "--output", report, "--json", data,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 involvements" in result.stderr
    assert {i["local_ref"] for i in json.loads(data.read_text())["involvements"]} == {"L-1", "G-1"}
    assert "Subject access report" in report.read_text()
    details = tmp_path / "child.json"
    details.write_text(json.dumps({"family_name": "Harrison", "date_of_birth": "2015-06-07"}))
    again = registered(
        "subject-report", "--reference", "SAR-8", "--from", details, "--output", report
    )
    assert again.exit_code == 0
    assert "2 involvements" in again.stderr
    too_little = registered(
        "subject-report", "--reference", "SAR-9", "--family-name", "Harrison", "--output", report
    )
    assert too_little.exit_code == 2
    assert "at least two of" in too_little.stderr
