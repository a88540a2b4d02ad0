"""Commands in a gateway's home. The hub takes from a gateway only people of the gateway's own
agencies, so an auditor says whose auditor they are (`--agency`); without it the command says so
plainly and writes nothing. What only the hub holds is shown at the hub, and the gateway says so."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from conftest import make_register_row
from deploy.world import COUNCIL, POLICE, Deployment, deployment
from fingerpost.entrypoints.cli import app

CHILD = ["--given-names", "Olivia", "--family-name", "Harrison", "--date-of-birth", "2015-06-07"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with deployment(tmp_path_factory.mktemp("auditor")) as running:
        register = running.council.home / "register.csv"
        with register.open("w", encoding="utf-8", newline="") as handle:
            row = make_register_row(local_ref="CSC-1")
            writer = csv.DictWriter(handle, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
        assert at(running, "register", "--agency", COUNCIL, str(register)).exit_code == 0
        yield running


def at(world: Deployment, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"FINGERPOST_HOME": str(world.council.home)})


def test_a_subject_report_at_a_gateway_is_made_by_an_auditor_of_one_of_its_agencies(
    world: Deployment, tmp_path: Path
) -> None:
    report, held = tmp_path / "report.html", tmp_path / "report.json"
    ran = at(world, "subject-report", "--reference", "SAR-1", *CHILD, "--agency", COUNCIL,
             "--output", str(report), "--json", str(held))  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert "CSC-1" in json.dumps(json.loads(held.read_text(encoding="utf-8")))


def test_without_the_auditors_agency_a_gateway_says_so_and_writes_nothing(
    world: Deployment, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    ran = at(world, "subject-report", "--reference", "SAR-2", *CHILD, "--output", str(report))
    assert ran.exit_code == 2
    assert "--agency" in ran.output
    assert not report.exists()


def test_an_auditor_of_another_gateways_agency_is_refused_without_a_traceback(
    world: Deployment, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    ran = at(world, "subject-report", "--reference", "SAR-3", *CHILD, "--agency", POLICE,
             "--output", str(report))  # fmt: skip
    assert ran.exit_code == 2
    assert "may not act for agency" in ran.output
    assert not report.exists()


def test_the_reviews_list_at_a_gateway(world: Deployment) -> None:
    assert at(world, "reviews", "list", "--agency", COUNCIL).exit_code == 0
    refused = at(world, "reviews", "list")
    assert (refused.exit_code, "--agency" in refused.output) == (2, True)


def shell(world: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    """As run from a shell: the command line's own last word on errors included."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("fingerpost")), *args],
        env={"FINGERPOST_HOME": str(world.council.home), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_match_model_is_shown_at_the_hub_and_the_gateway_says_so(world: Deployment) -> None:
    ran = shell(world, "model", "show")
    assert ran.returncode == 2
    assert "Traceback" not in ran.stderr
    assert "in the hub's home" in ran.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("audit", "verify"),
        ("users",),
        ("notifications", "status"),
        ("expire",),
        ("model", "set-possible-rise", "0.25", "--reason", "recall first"),
    ],
    ids=" ".join,
)
def test_the_operators_commands_at_a_gateway_say_they_run_at_the_hub(
    world: Deployment, command: tuple[str, ...]
) -> None:
    """Exit 2, a usage error: never `audit verify`'s exit 1, which says the log is broken."""
    ran = shell(world, *command)
    assert ran.returncode == 2, ran.stderr
    assert "in the hub's home" in ran.stderr
