"""Every command-line example in the README runs as written against a home made the way
`make demo` makes it (scripts/demo.sh), in the README's order; the README's enquiries find
someone. `ID` is filled in with a real id."""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app
from fingerpost.gateway import parse_enquiry_row

if TYPE_CHECKING:
    from cli.conftest import Cli

README = Path(__file__).parents[2] / "README.md"
DEMO = Path(__file__).parents[2] / "scripts" / "demo.sh"
OFFICER = Actor("jo@example.org", "DC Jo Patel", "LDS-POL", Role.PRACTITIONER, "jo@example.org",
                "0113 000 0000", strong_auth=True)  # fmt: skip


def readme_commands() -> list[list[str]]:
    """The `sh` block of the README's "Command line" section: one command a line (backslash
    continuations joined), comments dropped."""
    section = README.read_text(encoding="utf-8").split("## Command line", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = block.replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.strip()]


def demo_synth_arguments() -> list[str]:
    """How scripts/demo.sh invents its data, as it is written there."""
    (line,) = [ln for ln in DEMO.read_text().splitlines() if re.search(r"\$FP synth ", ln)]
    return shlex.split(line.split("$FP synth", 1)[1].replace('"$DATA"', "demo-data"))


@pytest.fixture
def demo(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """scripts/demo.sh's home, in a working directory of its own."""
    monkeypatch.chdir(tmp_path)
    assert cli("synth", *demo_synth_arguments()).exit_code == 0
    assert cli("init").exit_code == 0
    assert cli("agencies", "import", "demo-data/agencies.csv").exit_code == 0
    for file in sorted(Path("demo-data").glob("register-*.csv")):
        code = file.stem.removeprefix("register-")
        assert cli("register", "--agency", code, file).exit_code in {0, 1}
    return cli


def test_the_readme_runs_as_written_against_the_demo(demo: Cli) -> None:
    commands = readme_commands()
    assert len(commands) > 30
    for command in commands:
        assert command[0] == "fingerpost", command
        args = [_an_id(demo, command[1:]) if arg == "ID" else arg for arg in command[1:]]
        result = demo(*args)
        assert result.exit_code == 0, (args, result.output)
        if args[0] == "enquire":
            with Path("signposts.csv").open(encoding="utf-8", newline="") as handle:
                assert list(csv.DictReader(handle)), "the README's enquiry finds nobody"
        if args[:2] == ["subject-report", "--reference"]:
            held = json.loads(Path("report.json").read_text(encoding="utf-8"))
            assert "MAN-CSC" in json.dumps(held), "the README's subject finds nothing"


def _an_id(demo: Cli, args: list[str]) -> str:
    with demo.installation() as fp:
        if args[0] == "reviews":  # an auditor's finding needs an urgent enquiry to review
            child = parse_enquiry_row(_maurice() | {"enquiry_ref": "R"}).child
            fp.hub.enquire(OFFICER, "emergency care", fp.gateway.encode(child), urgent=True)
            return fp.hub.reviews(Actor("a", "A", "-", Role.AUDITOR))[0].id
        agency = args[args.index("--agency") + 1]
        return fp.hub.list_involvements(Actor.system(agency), limit=1)[0].id


def _maurice() -> dict[str, str]:
    """The body of the README's `curl` enquiry."""
    text = README.read_text(encoding="utf-8").split("api/v1/enquiries", 1)[1]
    body: dict[str, str] = json.loads(re.search(r"-d '(\{.*?\})'", text).group(1))  # type: ignore[union-attr]
    return body


def test_the_readme_http_enquiry_finds_someone_in_the_demo(demo: Cli) -> None:
    with demo.installation() as fp, TestClient(create_app(fp)) as client:
        response = client.post(
            "/api/v1/enquiries",
            json=_maurice(),
            headers={"Authorization": f"Bearer {fp.tokens.issue(OFFICER)}"},
        )
    assert response.status_code == 200, response.text
    agencies = {s["agency"] for group in response.json()["signposts"] for s in _signposts(group)}
    assert "MAN-CSC" in agencies


def _signposts(group: dict[str, object]) -> list[dict[str, str]]:
    """A signpost, or a group of them (the response groups signposts by agency)."""
    inner = group.get("signposts")
    return inner if isinstance(inner, list) else [group]  # type: ignore[list-item]
