"""Exactly one audit event per disclosure, counted over a generated workload: synthetic agencies
register their caseloads, practitioners of each agency make enquiries over HTTP (some urgent,
some refused by the limits), and the operator's CSV channel enquires too. Every enquiry answered
has one `enquiry:made` event naming exactly the involvements it disclosed; a refused one
discloses nothing and has its `enquiry:refused` event instead."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fingerpost.audit.events import AuditAction
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.cli import app as cli
from fingerpost.synth import write_dataset

PER_USER = 12  # a low limit, so that the workload meets it


@pytest.fixture
def workload(tmp_path: Path, database_url: str) -> tuple[Fingerpost, Path]:
    data, home = tmp_path / "data", tmp_path / "home"
    write_dataset(data, seed=7, children=120, agencies=4, enquiries=90, as_of=date.today())
    env = {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": database_url}
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["agencies", "import", str(data / "agencies.csv")], env=env).exit_code
        == 0
    )
    for path in sorted(data.glob("register-*.csv")):
        agency = path.stem.removeprefix("register-")
        result = runner.invoke(cli, ["register", str(path), "--agency", agency], env=env)
        assert result.exit_code in {0, 1}, result.output
    settings = Settings(home=home, database_url=database_url, limit_user_per_hour=PER_USER)
    return bootstrap(settings), data


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_disclosure_has_exactly_one_audit_event(
    workload: tuple[Fingerpost, Path], tmp_path: Path
) -> None:
    fp, data = workload
    answered: dict[str, int] = {}  # enquiry id → signposts disclosed
    refused = 0
    with TestClient(create_app(fp)) as client:
        for path in sorted(data.glob("enquiries-*.csv")):
            agency = path.stem.removeprefix("enquiries-")
            email = f"duty.officer@{agency.lower()}.example"
            actor = Actor(email, "Duty officer", agency, Role.PRACTITIONER, email, strong_auth=True)
            headers = {"Authorization": f"Bearer {fp.tokens.issue(actor)}"}
            for number, row in enumerate(rows(path)):
                body = {k: v for k, v in row.items() if k != "enquiry_ref" and v}
                body |= {"purpose": "emergency-care", "urgent": number % 9 == 4}
                response = client.post("/api/v1/enquiries", json=body, headers=headers)
                if response.status_code == 429:
                    refused += 1
                    continue
                assert response.status_code == 200, response.text
                answered[response.json()["enquiry_id"]] = len(response.json()["signposts"])
    # The operator's CSV channel: one event per row as well.
    batch = sorted(data.glob("enquiries-*.csv"))[0]
    agency = batch.stem.removeprefix("enquiries-")
    result = CliRunner().invoke(
        cli,
        [
            "enquire",
            str(batch),
            "--agency",
            agency,
            "--purpose",
            "emergency care",
            "--output",
            str(tmp_path / "out.csv"),
        ],
        env={
            "FINGERPOST_HOME": str(fp.settings.home),
            "FINGERPOST_DATABASE_URL": str(fp.settings.database_url),
        },
    )
    assert result.exit_code in {0, 1}, result.output
    batch_signposts = len(rows(tmp_path / "out.csv"))
    batch_rows = len(rows(batch))

    with fp.unit_of_work() as uow:
        events = [event for _, event in uow.audit.events(limit=1_000_000)]
    made = [e for e in events if e.action is AuditAction.ENQUIRY_MADE]
    by_enquiry = Counter(e.detail["enquiry"] for e in made)
    assert set(by_enquiry.values()) == {1}  # one event per enquiry, never two
    interactive = {e.detail["enquiry"]: e for e in made if e.detail["channel"] == "interactive"}
    assert set(interactive) == set(answered)
    for enquiry_id, shown in answered.items():
        event = interactive[enquiry_id]
        disclosed = [i for i in event.detail["disclosed"].split(",") if i]
        assert event.result_count == shown == len(disclosed)
        assert len(set(disclosed)) == len(disclosed)
    batch_events = [e for e in made if e.detail["channel"] == "batch"]
    assert len(batch_events) == batch_rows
    assert sum(e.result_count for e in batch_events) == batch_signposts
    # The limits were met, and each refusal disclosed nothing but was recorded.
    assert refused > 0
    assert sum(e.action is AuditAction.ENQUIRY_REFUSED for e in events) == refused
    assert sum(answered.values()) > 0
    # Urgent enquiries are among those recorded, each with its review opened.
    urgent = [e for e in made if e.urgent]
    assert urgent
    assert sum(e.action is AuditAction.BREAKGLASS_USED for e in events) == len(urgent)
    fp.close()
