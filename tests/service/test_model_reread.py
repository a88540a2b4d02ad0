"""`fingerpost model train` reaches a running server: the server's hub looks for the newest
stored model at most every REREAD_EVERY, and enquires with it from then on (no restart).
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from conftest import Scenario, make_register_row
from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.cli import app
from fingerpost.service.hub import Hub
from fingerpost.service.model_store import REREAD_EVERY

FIRST = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia"]
LAST = ["Harrison", "Khan", "Smith", "Jones", "Patel", "Taylor", "Brown", "Wilson", "Evans"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _register_children(scenario: Scenario) -> None:
    """Two agencies, each with the same forty children (some with a typo): pairs to learn from."""
    rows: dict[str, list[dict[str, str]]] = {"CSC-LDS": [], "CSC-MAN": []}
    for n in range(40):
        given, family = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
        child = {"given_names": given, "date_of_birth": f"2015-{n % 12 + 1:02d}-{n % 27 + 1:02d}"}
        rows["CSC-LDS"].append(make_register_row(family_name=family, **child))
        typo = family if n % 4 else family[:-1] + "e"
        rows["CSC-MAN"].append(make_register_row(family_name=typo, **child))
    for agency, registered in rows.items():
        scenario.agency(agency)
        scenario.register(agency, *registered)


def test_a_model_trained_from_the_command_line_reaches_a_running_hub(
    scenario: Scenario, home: Path, database_url: str
) -> None:
    _register_children(scenario)
    clock = Clock()
    running = Hub(scenario.fp.unit_of_work, clock=clock)  # `serve`, started before training
    before = running.model.version

    env = {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": database_url}
    train = ["model", "train", "--sample", "80", "--random-pairs", "500"]
    trained = CliRunner().invoke(app, train, env=env)  # another process, as an operator would
    assert trained.exit_code == 0, trained.output
    with scenario.fp.unit_of_work() as uow:
        newest = uow.audit.read(action=AuditAction.MODEL_TRAINED.value, limit=1)[0]
    version = newest.detail["model"]
    assert version != before

    clock.now += REREAD_EVERY
    enquirer = Actor("cli:CSC-MAN", "command line", "CSC-MAN", Role.AGENCY_ADMIN)
    running.enquire(enquirer, "section 47 child protection enquiry", scenario.query())
    with scenario.fp.unit_of_work() as uow:
        made = uow.audit.read(action=AuditAction.ENQUIRY_MADE.value, limit=1)[0]
    assert made.detail["model"] == version
    assert running.model.version == version
