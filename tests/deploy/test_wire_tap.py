"""The wire tap: every request body the hub receives, through a working day of the split — CSV
registration at both gateways, a CSV batch of enquiries, enquiries through the API, the
practitioner's enquiry page (signed in, with its CSRF token), FHIR intake of a register Bundle and
FHIR `Patient/$match` — is scanned for the children's names, dates of birth (six formats), NHS
numbers and postcodes, as typed and as normalised. None crosses, whichever door it came in by."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from deploy.needles import hits, needles
from deploy.world import COUNCIL, HEALTH, POLICE, Deployment, deployment, practitioner
from fhir_bundles import bundle, involvement_entries, match_parameters
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.cli import app
from fingerpost.synth import write_dataset
from web.support import csrf

# The synthetic agencies' files, registered as the deployment's agencies.
AS = {"MAN-CSC": ("council", COUNCIL), "LDS-POL": ("police", POLICE)}
PURPOSE = "section 47 child protection enquiry"
FHIR, FHIR_JSON, PAGE = "/fhir/R4", "application/fhir+json", {"accept": "text/html"}


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


def _well_formed(row: dict[str, str]) -> bool:
    """A row a FHIR sender could send as it is (the synthetic files have slips in them)."""
    try:
        date.fromisoformat(row["date_of_birth"])
    except ValueError:
        return False
    return bool(row["given_names"] and row["family_name"] and row["postcode"])


def _patient(row: dict[str, str], **more: str) -> dict[str, str]:
    gender = row.get("sex", "") if row.get("sex", "") in {"male", "female"} else "unknown"
    return {
        "given": row["given_names"],
        "family": row["family_name"],
        "birth_date": row["date_of_birth"],
        "gender": gender,
        "postcode": row["postcode"],
        **({"nhs_number": row["nhs_number"]} if row.get("nhs_number") else {}),
        **more,
    }


def _web_enquiries(world: Deployment, enquired: list[dict[str, str]]) -> int:
    """The police administrator signs in on the gateway's demo page and asks on the enquiry
    form, CSRF token and all, for each child."""
    asked = 0
    with httpx.Client(base_url=world.police.url, timeout=30, headers=PAGE) as browser:
        page = browser.get("/sign-in")
        signed_in = browser.post("/sign-in/demo", data={"csrf_token": csrf(page.text),
                                 "subject": "admin.pol-wy@demo.invalid"})  # fmt: skip
        assert signed_in.status_code == 303, signed_in.text
        token = csrf(browser.get("/enquiry").text)
        for row in enquired:
            born = date.fromisoformat(row["date_of_birth"])
            form = {k: row[k] for k in ("given_names", "family_name", "nhs_number", "postcode")}
            answer = browser.post("/enquiry", data=form | {
                "csrf_token": token, "dob-day": str(born.day), "dob-month": str(born.month),
                "dob-year": str(born.year), "purpose": "child-protection-enquiry",
                "without_nhs": "" if row["nhs_number"] else "yes"})  # fmt: skip
            assert answer.status_code in {200, 400}, answer.text  # 400: a slip the form names
            asked += answer.status_code == 200
    return asked


def _fhir(
    world: Deployment, children: list[dict[str, str]], enquired: list[dict[str, str]]
) -> None:
    """At the council's gateway, a register Bundle of its children; at the police's,
    `Patient/$match` for each enquired child."""
    admin = practitioner(COUNCIL, "admin@leeds.example.org", "Sam Admin", Role.AGENCY_ADMIN)
    entries = [
        entry
        for n, row in enumerate(children)
        for entry in involvement_entries(
            agency=COUNCIL, patient_fields=_patient(row, local_ref=f"FHIR-{n:04d}")
        )
    ]
    document = bundle("transaction", entries).model_dump(mode="json", exclude_none=True)
    officer = practitioner(POLICE, "jo.patel@westyorks.police.example", "DC Jo Patel")
    with httpx.Client(timeout=60) as http:
        fhir_json = {"Content-Type": FHIR_JSON}
        registered = http.post(
            f"{world.council.url}{FHIR}",
            content=json.dumps(document),
            headers=world.council.token(admin) | fhir_json,
        )
        assert registered.status_code == 200, registered.text
        for row in enquired:
            body = match_parameters(**_patient(row))
            matched = http.post(
                f"{world.police.url}{FHIR}/Patient/$match",
                content=json.dumps(body),
                headers=world.police.token(officer) | fhir_json,
            )
            assert matched.status_code == 200, matched.text


def test_no_childs_details_reach_the_hub_from_the_enquiry_page_or_fhir(
    day: tuple[Deployment, Path],
) -> None:
    world, data = day
    already = len(world.tap.bodies)
    council = [r for r in rows(data / "register-MAN-CSC.csv") if _well_formed(r)][:8]
    enquired = [
        row for path in data.glob("enquiries-*.csv") for row in rows(path) if _well_formed(row)
    ][:8]
    assert len(council) == len(enquired) == 8
    assert _web_enquiries(world, enquired) >= 6
    _fhir(world, council, enquired)

    sent = world.tap.bodies[already:]
    paths = {path for _, path, _ in sent}
    assert {"/hub/v1/enquiries", "/hub/v1/registrations"} <= paths, paths
    # Practitioners' own names cross as contacts: the FHIR Bundle's care manager, the officer.
    contacts = {"Priya", "Shah", "Jo", "Patel", "Sam", "Admin", "2024-02-01"}
    looked_for = needles([*council, *enquired], allowed_words=contacts)
    assert len(looked_for) > 150
    found = hits("\n".join(body.decode("utf-8", "replace") for _, _, body in sent), looked_for)
    assert found == [], f"{len(found)} of the children's details reached the hub"
