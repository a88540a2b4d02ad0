"""Issue 18, defect 12: an enquiry's answer is a function of the register and the model only —
not of when the hub last counted the register, not of the order enquiries are made in, not of
the process's hash seed."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from conftest import PURPOSE
from fingerpost.domain.actor import Actor
from fingerpost.matching.score import DEFAULT_MODEL
from fingerpost.service.hub import Hub

if TYPE_CHECKING:
    from conftest import Scenario

ASKED = {"date_of_birth": "2015-07-06", "postcode": "M1 1AA"}  # names, swapped day and month


def confidences(hub: Hub, scenario: Scenario) -> list[str]:
    result = hub.enquire(Actor.system("GMP"), PURPOSE, scenario.query(**ASKED))
    return [signpost.confidence.value for signpost in result.signposts]


def test_an_answer_follows_the_register_as_it_is_not_as_it_was_last_counted(
    scenario: Scenario,
) -> None:
    for code in ("CSC-MAN", "NHS-MFT", "GMP"):
        scenario.agency(code)
    # Thresholds chosen for a register of one: each involvement more asks for more evidence.
    model = dataclasses.replace(DEFAULT_MODEL, reference_size=1)
    hub = Hub(scenario.fp.unit_of_work, model=model)
    scenario.register_one("CSC-MAN", postcode="LS6 3HN")
    assert confidences(hub, scenario) == ["strong"]
    # Another process registers a second child: the same evidence is now a call to confirm,
    # for this long-running hub as for one that has just started.
    chloe = scenario.register_one(
        "NHS-MFT", given_names="Chloe", family_name="Wright", postcode="BS8 1TH"
    )
    assert confidences(hub, scenario) == ["possible"]
    assert confidences(Hub(scenario.fp.unit_of_work, model=model), scenario) == ["possible"]
    # And when this hub withdraws it, the register is one again.
    hub.withdraw(Actor.system("NHS-MFT"), chloe, "registered in error")
    assert confidences(hub, scenario) == ["strong"]


ENQUIRE = """
import json, sys
from pathlib import Path
from fingerpost.bootstrap import bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.gateway import parse_enquiry_row
import csv

home, data, order = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
fp = bootstrap(Settings(home=Path(home)), create=False)
asked = []
for path in sorted(data.glob("enquiries-*.csv")):
    agency = path.stem.removeprefix("enquiries-")
    with path.open(encoding="utf-8") as handle:
        asked += [(agency, row) for row in csv.DictReader(handle)]
if order == "reversed":
    asked.reverse()
answers = {}
for agency, row in asked:
    parsed = parse_enquiry_row(row)
    [result] = fp.hub.enquire_many(
        Actor.system(agency), "emergency-care", [fp.gateway.encode(parsed.child)], batch=True
    )
    answers[parsed.enquiry_ref] = [
        [s.agency, s.practitioner_email, s.involvement, str(s.start_date), s.confidence, s.why]
        for s in result.signposts
    ]
print(json.dumps(answers, sort_keys=True))
"""


def test_the_same_enquiries_get_the_same_answers_in_any_order_and_any_process(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from fingerpost.entrypoints.cli import app
    from fingerpost.synth import write_dataset

    data, home = tmp_path / "data", tmp_path / "home"
    write_dataset(data, seed=12, children=600, agencies=3, enquiries=150, as_of=date.today())
    env = {"FINGERPOST_HOME": str(home)}
    runner = CliRunner()
    assert runner.invoke(app, ["agencies", "import", str(data / "agencies.csv")], env=env)
    for path in sorted(data.glob("register-*.csv")):
        agency = path.stem.removeprefix("register-")
        result = runner.invoke(app, ["register", str(path), "--agency", agency], env=env)
        assert result.exit_code in {0, 1}, result.output

    def answers(order: str, hash_seed: str) -> dict[str, object]:
        environment = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", ENQUIRE, str(home), str(data), order],
            env=environment,
            capture_output=True,
            check=True,
            text=True,
        )
        found: dict[str, object] = json.loads(done.stdout)
        return found

    first = answers("as written", "1")
    assert sum(map(bool, first.values())) > 50  # most enquiries find someone
    assert answers("reversed", "2") == first
