"""The wire tap: every request body the hub receives, through a working day of the split — CSV
registration at both gateways, a CSV batch of enquiries and enquiries through the API — is
scanned for the children's names, dates of birth (six formats), NHS numbers and postcodes, as
typed and as normalised. None crosses."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from deploy.needles import hits, needles
from deploy.world import COUNCIL, HEALTH, POLICE, Deployment, deployment, practitioner
from fingerpost.entrypoints.cli import app
from fingerpost.synth import write_dataset

# The synthetic agencies' files, registered as the deployment's agencies.
AS = {"MAN-CSC": ("council", COUNCIL), "LDS-POL": ("police", POLICE)}
PURPOSE = "section 47 child protection enquiry"


def run(home: Path, *args: str | Path) -> int:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"FINGERPOST_HOME": str(home)})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, Path]]:
    root = tmp_path_factory.mktemp("tap")
    data = root / "data"
    write_dataset(data, seed=11, children=60, agencies=3, enquiries=30)
    with deployment(root) as world:
        yield world, data


def test_no_childs_name_date_of_birth_nhs_number_or_postcode_reaches_the_hub(
    day: tuple[Deployment, Path], tmp_path: Path
) -> None:
    world, data = day
    registers = sorted(data.glob("register-*.csv"))
    for path in registers:
        gateway, agency = AS.get(path.stem.removeprefix("register-"), ("council", HEALTH))
        assert run(world.gateways[gateway].home, "register", "--agency", agency, path) in {0, 1}
    for path in sorted(data.glob("enquiries-*.csv")):
        out = tmp_path / f"{path.stem}-signposts.csv"
        code = run(world.police.home, "enquire", "--agency", POLICE, "--purpose", PURPOSE,
                   path, "--output", out)  # fmt: skip
        assert code in {0, 1}
        assert out.exists()
    children = [row for path in registers for row in rows(path)]
    enquired = [row for path in data.glob("enquiries-*.csv") for row in rows(path)]
    officer = practitioner(POLICE, "jo.patel@westyorks.police.example", "DC Jo Patel")
    with httpx.Client(timeout=30) as http:
        for row in enquired[:10]:  # the API too, one child at a time
            body = {k: v for k, v in row.items() if k != "enquiry_ref"} | {"purpose": PURPOSE}
            answered = http.post(f"{world.police.url}/api/v1/enquiries", json=body,
                                 headers=world.police.token(officer))  # fmt: skip
            assert answered.status_code == 200, answered.text

    # Practitioners' own names legitimately cross (they are the contacts a signpost gives).
    contacts = {
        word
        for row in children
        for word in re.split(r"\W+", row.get("practitioner_name", ""))
        if word
    } | {"Jo", "Patel"}
    # So do an involvement's dates (its terms): in ISO form only, as the wire writes them.
    terms = {row[column] for row in children for column in ("start_date", "end_date")}
    looked_for = needles([*children, *enquired], allowed_words=contacts | terms)
    bodies = world.tap.text()
    assert len(world.tap.bodies) > 20, "the tap saw the traffic"
    assert len(bodies) > 100_000
    assert len(looked_for) > 1000
    found = hits(bodies, looked_for)
    assert found == [], f"{len(found)} of the children's details reached the hub"
