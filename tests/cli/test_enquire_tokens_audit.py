"""`fingerpost enquire`, `tokens create` and `audit verify`, as CONTRACT.md describes them."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]

SIGNPOST_COLUMNS = [
    "enquiry_ref",
    "confidence",
    "agency",
    "agency_name",
    "authority_area",
    "practitioner_name",
    "practitioner_role",
    "practitioner_phone",
    "practitioner_email",
    "involvement",
    "start_date",
    "end_date",
    "why",
]
# Added after the contract's columns for the night answer and plain words (docs/adr/0020).
ADDED_COLUMNS = [
    "authority_area_name",
    "current_contact",
    "current_contact_reason",
    "out_of_hours_name",
    "out_of_hours_phone",
    "office_hours",
    "practitioner_from",
    "why_sentence",
]


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture
def registered(with_agencies: Cli, csv_file: CsvFile, register_row: Row) -> Cli:
    """Olivia Harrison is known to Leeds children's services (twice) and to Alder Hey."""
    leeds = [
        register_row(local_ref="L-1", practitioner_name="Priya Shah", start_date="2024-02-01"),
        register_row(
            local_ref="L-1",
            involvement="child-protection-plan",
            practitioner_name="Priya Shah",
            start_date="2024-03-01",
            end_date="2024-09-30",
        ),
    ]
    health = [
        register_row(
            local_ref="H-77",
            involvement="health-visiting",
            practitioner_name="Sam Okafor",
            practitioner_email="sam.okafor@alderhey.example",
            date_of_birth="07/06/2015",
        )
    ]
    for agency, rows in (("CSC-LDS", leeds), ("NHS-ACH", health)):
        result = with_agencies("register", "--agency", agency, csv_file(f"{agency}.csv", rows))
        assert result.exit_code == 0, result.output
    return with_agencies


def enquire(cli: Cli, agency: str, path: Path, output: Path, *extra: str) -> str:
    purpose = "child found at night"
    result = cli(
        "enquire", "--agency", agency, "--purpose", purpose, path, "--output", output, *extra
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stderr


def test_one_row_per_signpost_in_the_contract_columns(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    rows = [
        enquiry_row(enquiry_ref="Q-1", given_names="Livia", family_name="HARRISON"),
        enquiry_row(enquiry_ref="Q-2", given_names="Chloe", family_name="Wright"),
        enquiry_row(enquiry_ref="Q-3", postcode="LS6 3HN", date_of_birth="07/06/2015"),
    ]
    output = tmp_path / "signposts.csv"
    enquire(registered, "GMP", csv_file("q.csv", rows), output)

    columns, signposts = read_csv(output)
    assert columns == SIGNPOST_COLUMNS + ADDED_COLUMNS  # the contract's first, unchanged
    assert {s["enquiry_ref"] for s in signposts} == {"Q-1", "Q-3"}  # Q-2 found nothing
    q3 = sorted((s["agency"], s["involvement"]) for s in signposts if s["enquiry_ref"] == "Q-3")
    assert q3 == [
        ("CSC-LDS", "child-in-need"),
        ("CSC-LDS", "child-protection-plan"),
        ("NHS-ACH", "health-visiting"),
    ]
    for signpost in signposts:
        assert signpost["confidence"] in {"strong", "possible"}
        assert signpost["why"]
        assert not any(ch.isdigit() for ch in signpost["why"])
    plan = next(s for s in signposts if s["involvement"] == "child-protection-plan")
    assert plan["agency_name"] == "Leeds children's services"
    assert plan["authority_area"] == "E08000035"
    assert plan["practitioner_name"] == "Priya Shah"
    assert (plan["start_date"], plan["end_date"]) == ("2024-03-01", "2024-09-30")


def test_no_signposts_write_a_header_only(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    rows = [enquiry_row(given_names="Chloe", family_name="Wright", date_of_birth="2011-12-25")]
    output = tmp_path / "signposts.csv"
    stderr = enquire(registered, "GMP", csv_file("q.csv", rows), output)
    assert read_csv(output) == (SIGNPOST_COLUMNS + ADDED_COLUMNS, [])
    assert "0 signposts" in stderr


def test_the_enquiring_agency_is_not_signposted_back(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    output = tmp_path / "signposts.csv"
    enquire(registered, "CSC-LDS", csv_file("q.csv", [enquiry_row()]), output)
    _, signposts = read_csv(output)
    assert [s["agency"] for s in signposts] == ["NHS-ACH"]


def test_a_shielded_involvement_shows_the_duty_contact(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    with registered.installation() as fp:
        [health] = fp.hub.list_involvements(Actor.system("NHS-ACH"))
        with fp.unit_of_work() as uow:
            uow.involvements.set_shielded(health.id, True)
            uow.commit()
    output = tmp_path / "signposts.csv"
    enquire(registered, "GMP", csv_file("q.csv", [enquiry_row()]), output)
    _, signposts = read_csv(output)
    [shown] = [s for s in signposts if s["agency"] == "NHS-ACH"]
    assert shown["practitioner_phone"] == "0151 228 4811"
    assert "Sam Okafor" not in output.read_text()
    assert "sam.okafor" not in output.read_text()


@pytest.mark.parametrize("purpose", [None, "", "  "], ids=["absent", "empty", "blank"])
def test_an_enquiry_needs_a_purpose(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path, purpose: str | None
) -> None:
    output = tmp_path / "signposts.csv"
    args = ["enquire", "--agency", "GMP", csv_file("q.csv", [enquiry_row()]), "--output", output]
    if purpose is not None:
        args += ["--purpose", purpose]
    result = registered(*args)
    assert result.exit_code == 2
    assert "purpose" in result.stderr
    assert not output.exists()


def test_rejected_enquiry_rows_are_reported_and_the_rest_answered(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    rows = [
        enquiry_row(enquiry_ref="SURNAME-ONLY", given_names="", date_of_birth=""),
        enquiry_row(enquiry_ref="Q-OK"),
    ]
    output = tmp_path / "signposts.csv"
    result = registered(
        "enquire",
        "--agency",
        "GMP",
        "--purpose",
        "emergency-care",
        csv_file("q.csv", rows),
        "--output",
        output,
    )
    assert result.exit_code == 1
    assert "line 2: an enquiry needs at least two of" in result.stderr
    _, signposts = read_csv(output)
    assert {s["enquiry_ref"] for s in signposts} == {"Q-OK"}


def test_every_enquiry_row_is_audited_with_the_purpose(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    rows = [enquiry_row(), enquiry_row(given_names="Chloe", family_name="Wright")]
    enquire(registered, "GMP", csv_file("q.csv", rows), tmp_path / "out.csv")
    with registered.installation() as fp, fp.engine.connect() as connection:
        events = connection.exec_driver_sql(
            "SELECT purpose, result_count FROM audit_events WHERE action = 'enquiry:made'"
            " ORDER BY seq"
        ).all()
    assert [tuple(e) for e in events] == [("child found at night", 3), ("child found at night", 0)]


def test_register_and_enquire_on_each_database(
    cli_on_each_database: Cli,
    agencies_csv: Path,
    csv_file: CsvFile,
    register_row: Row,
    enquiry_row: Row,
    tmp_path: Path,
) -> None:
    cli = cli_on_each_database
    assert cli("agencies", "import", agencies_csv).exit_code == 0
    rows = [
        register_row(local_ref="L-1"),
        register_row(
            local_ref="L-2", given_names="Chloe", family_name="Wright", date_of_birth="2011-12-25"
        ),
    ]
    registered = cli("register", "--agency", "CSC-LDS", csv_file("in.csv", rows))
    assert registered.exit_code == 0, registered.output
    again = cli("register", "--agency", "CSC-LDS", csv_file("in.csv", rows))
    assert "2 unchanged" in again.stderr
    output = tmp_path / "signposts.csv"
    enquire(cli, "GMP", csv_file("q.csv", [enquiry_row(enquiry_ref="Q-1")]), output)
    _, signposts = read_csv(output)
    assert [(s["enquiry_ref"], s["agency"], s["confidence"]) for s in signposts] == [
        ("Q-1", "CSC-LDS", "strong")
    ]
    assert cli("audit", "verify").stdout.startswith("audit log intact")
    with cli.installation() as fp:
        assert fp.engine.url.get_backend_name() == cli.database_url.split(":")[0].split("+")[0]
        assert fp.hub.count_involvements() == 2


def test_tokens_create_prints_a_token_the_service_accepts(with_agencies: Cli) -> None:
    result = with_agencies(
        "tokens", "create", "--agency", "GMP", "--role", "practitioner",
        "--name", "DC Jo Patel", "--email", "Jo.Patel@gmp.example", "--phone", "0161 856 0000",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.count(".") == 2
    with with_agencies.installation() as fp:
        actor = fp.tokens.verify(token)
    assert actor.agency == "GMP"
    assert actor.role is Role.PRACTITIONER
    assert actor.name == "DC Jo Patel"
    assert actor.email == "Jo.Patel@gmp.example"
    assert actor.subject == "jo.patel@gmp.example"


def test_tokens_create_refuses_a_lifetime_over_thirty_days_or_an_identity_that_is_no_email(
    with_agencies: Cli,
) -> None:
    base = ["tokens", "create", "--agency", "GMP", "--role", "practitioner", "--name", "X"]
    too_long = with_agencies(*base, "--email", "x@example.org", "--hours", "721")
    assert too_long.exit_code == 2
    assert too_long.stdout == ""
    for email in ("notanemail", "x@localhost", "a b@example.org"):
        result = with_agencies(*base, "--email", email)
        assert result.exit_code == 2, email
        assert "e-mail address" in result.stderr
        assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "NOPE", "--role", "auditor"], "unknown agency"),
        (["--agency", "GMP", "--role", "superuser"], "role"),
    ],
)
def test_tokens_create_refuses_unknown_agencies_and_roles(
    with_agencies: Cli, args: list[str], message: str
) -> None:
    result = with_agencies("tokens", "create", *args, "--name", "X", "--email", "x@example.org")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_audit_verify_says_intact_then_finds_an_edit(registered: Cli) -> None:
    result = registered("audit", "verify")
    assert result.exit_code == 0
    assert result.stdout.startswith("audit log intact: ")
    with registered.installation() as fp, fp.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_events SET purpose = 'edited' WHERE seq = 2")
    broken = registered("audit", "verify")
    assert broken.exit_code == 1
    assert "broken at event 2" in broken.stderr


def test_an_enquiry_dry_run_asks_nothing_and_writes_nothing(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    output = tmp_path / "signposts.csv"
    rows = [enquiry_row(), enquiry_row(enquiry_ref="BAD", given_names="", date_of_birth="")]
    result = registered(
        "enquire", "--agency", "GMP", "--purpose", "emergency-care", "--dry-run",
        csv_file("q.csv", rows), "--output", output,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "dry run" in result.stderr
    assert not output.exists()
    with registered.installation() as fp, fp.engine.connect() as connection:
        made = connection.exec_driver_sql(
            "SELECT count(*) FROM audit_events WHERE action = 'enquiry:made'"
        ).scalar()
    assert made == 0


def test_audit_proofs_verify_against_the_signed_checkpoint(registered: Cli) -> None:
    inclusion = registered("audit", "proof", "--seq", "2")
    assert inclusion.exit_code == 0, inclusion.output
    body = json.loads(inclusion.stdout)
    assert body["type"] == "inclusion"
    assert body["verified"] is True
    consistency = json.loads(registered("audit", "proof", "--from", "1").stdout)
    assert consistency["verified"] is True
    assert consistency["new"]["size"] >= consistency["old"]["size"]


def test_an_audit_proof_needs_exactly_one_question(registered: Cli) -> None:
    assert registered("audit", "proof").exit_code == 2
    assert registered("audit", "proof", "--seq", "1", "--from", "1").exit_code == 2
    assert registered("audit", "proof", "--seq", "999").exit_code == 2


def test_the_audit_export_holds_every_event_and_checkpoint_but_no_child(
    registered: Cli, tmp_path: Path, register_row: Row
) -> None:
    output = tmp_path / "audit.jsonl"
    result = registered("audit", "export", output)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "key"
    assert "event" in kinds
    assert "checkpoint" in kinds
    seqs = [line["seq"] for line in lines if line["type"] == "event"]
    assert seqs == list(range(1, len(seqs) + 1))
    text = output.read_text(encoding="utf-8")
    child = register_row()
    for field in ("given_names", "family_name", "date_of_birth", "postcode", "nhs_number"):
        if child[field]:
            assert child[field] not in text


def test_an_exported_head_is_a_witness_that_catches_a_careful_truncation(
    registered: Cli, tmp_path: Path
) -> None:
    export = tmp_path / "audit.jsonl"
    assert registered("audit", "export", export).exit_code == 0
    assert registered("audit", "verify", "--witness", export).exit_code == 0
    # The home's own witness is removed too: only the auditor's export remembers the longer log.
    (registered.home / "audit-witness.json").unlink()
    with registered.installation() as fp, fp.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_events WHERE seq > 1")
        connection.exec_driver_sql("DELETE FROM audit_checkpoints WHERE size > 1")
    assert registered("audit", "verify").exit_code == 0  # consistent with itself …
    broken = registered("audit", "verify", "--witness", export)
    assert broken.exit_code == 1  # … but not with what the auditor saw
    assert "broken at event 2" in broken.stderr


def test_a_witness_file_that_holds_no_signed_head_is_an_error(
    registered: Cli, tmp_path: Path
) -> None:
    junk = tmp_path / "witness.json"
    junk.write_text('{"type": "key"}\n', encoding="utf-8")
    result = registered("audit", "verify", "--witness", junk)
    assert result.exit_code == 1
    assert "audit witness" in result.stderr


def test_a_row_whose_child_the_purpose_names_is_refused_and_the_rest_are_asked(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    rows = [
        enquiry_row(enquiry_ref="Q-1", given_names="Olivia", family_name="Harrison"),
        enquiry_row(enquiry_ref="Q-2", given_names="Chloe", family_name="Wright"),
    ]
    result = registered(
        "enquire", "--agency", "GMP", "--purpose", "looking for Chloe after a call",
        csv_file("q.csv", rows), "--output", tmp_path / "out.csv",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "line 3" in result.stderr
    assert "never the child's name" in result.stderr
    assert "Q-1" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_a_purpose_shaped_like_a_childs_details_is_a_usage_error(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    output = tmp_path / "out.csv"
    result = registered(
        "enquire", "--agency", "GMP", "--purpose", "born 07/06/2015",
        csv_file("q.csv", [enquiry_row()]), "--output", output,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "never a child's details" in result.stderr
    assert not output.exists()


def test_the_command_line_may_see_past_a_shield_with_a_reason(
    registered: Cli, csv_file: CsvFile, enquiry_row: Row, tmp_path: Path
) -> None:
    result = registered(
        "enquire", "--agency", "GMP", "--purpose", "emergency care",
        "--override-reason", "risk to life tonight",
        csv_file("q.csv", [enquiry_row()]), "--output", tmp_path / "out.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
