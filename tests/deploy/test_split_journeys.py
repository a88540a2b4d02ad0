"""The journeys through the split, over real loopback HTTP: practitioners at two gateways, the
hub between them. Registered at the council's gateway, asked about at the police's: both
practitioners are told, the audit at the hub names the person (not just the gateway), and a
gateway cannot act for another gateway's agency."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from conftest import make_register_row
from deploy.world import COUNCIL, HEALTH, POLICE, Deployment, deployment, practitioner
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.cli import app

CHILD = {
    "given_names": "Olivia",
    "family_name": "Harrison",
    "date_of_birth": "2015-06-07",
    "postcode": "LS6 3HN",
    "nhs_number": "943 476 5919",
}
PRIYA = practitioner(COUNCIL, "priya.shah@leeds.example.org", "Priya Shah")
JO = practitioner(POLICE, "jo.patel@westyorks.police.example", "DC Jo Patel")
SAM = practitioner(POLICE, "sam.hill@westyorks.police.example", "PC Sam Hill")
AUDITOR = practitioner(COUNCIL, "ali.reed@leeds.example.org", "Ali Reed", Role.AUDITOR)
PURPOSE = "section 47 child protection enquiry"


def involvement(person: Actor, local_ref: str, kind: str) -> dict[str, object]:
    return CHILD | {
        "local_ref": local_ref,
        "involvement": kind,
        "practitioner_name": person.name,
        "practitioner_email": person.email,
        "practitioner_phone": person.phone,
        "start_date": "2025-09-01",
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with deployment(tmp_path_factory.mktemp("split")) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def test_registered_at_one_gateway_found_from_another_both_told_and_audited(
    world: Deployment, http: httpx.Client
) -> None:
    council, police = world.council, world.police
    made = http.post(
        f"{council.url}/api/v1/involvements",
        json=involvement(PRIYA, "LDS-0001", "child-protection-plan"),
        headers=council.token(PRIYA),
    )
    assert made.status_code == 201, made.text
    linked = http.post(
        f"{police.url}/api/v1/involvements",
        json=involvement(JO, "WY-77", "police-concern"),
        headers=police.token(JO),
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["links_found"] == 1  # the VIR signal: both practitioners are told

    asked = http.post(
        f"{police.url}/api/v1/enquiries",
        json=CHILD | {"purpose": PURPOSE},
        headers=police.token(SAM),
    )
    assert asked.status_code == 200, asked.text
    (signpost,) = [s for s in asked.json()["signposts"] if s["agency"] == COUNCIL]
    assert signpost["confidence"] == "strong"
    assert signpost["practitioner_name"] == "Priya Shah"
    assert "score" not in signpost

    told_priya = http.get(f"{council.url}/api/v1/notifications", headers=council.token(PRIYA))
    told_jo = http.get(f"{police.url}/api/v1/notifications", headers=police.token(JO))
    assert {n["kind"] for n in told_priya.json()} == {"link", "enquiry"}
    assert {n["kind"] for n in told_jo.json()} == {"link"}

    # The hub's own audit log names the officer who asked, and the gateway that vouched.
    auditor = Actor("audit@hub", "hub auditor", COUNCIL, Role.AUDITOR, strong_auth=True)
    enquiries = world.hub.hub.audit_events(auditor, action="enquiry:made", limit=5)
    assert enquiries[0].actor == SAM.subject
    assert enquiries[0].agency == POLICE


def test_a_gateway_cannot_act_for_another_gateways_agency_and_the_attempt_is_audited(
    world: Deployment, http: httpx.Client
) -> None:
    council, police = world.council, world.police
    impostor = practitioner(COUNCIL, "mallory@westyorks.police.example", "Mallory")
    refused = http.post(
        f"{police.url}/api/v1/enquiries",
        json=CHILD | {"purpose": PURPOSE},
        headers=police.token(impostor),  # the police gateway vouching for a council user
    )
    assert refused.status_code == 403, refused.text
    registered = http.post(
        f"{police.url}/api/v1/involvements",
        json=involvement(impostor, "FAKE-1", "child-in-need"),
        headers=police.token(impostor),
    )
    assert registered.status_code == 403
    auditor = Actor("audit@hub", "hub auditor", COUNCIL, Role.AUDITOR, strong_auth=True)
    events = world.hub.hub.audit_events(auditor, subject=impostor.subject, limit=10)
    assert events, "the refused attempts are in the hub's audit log"
    assert all(e.detail.get("gateway") == "police" for e in events)
    # The council's own gateway still acts for the council.
    fine = http.post(
        f"{council.url}/api/v1/enquiries",
        json=CHILD | {"purpose": PURPOSE},
        headers=council.token(PRIYA),
    )
    assert fine.status_code == 200


def test_the_gateway_keeps_no_childs_details_at_rest(world: Deployment) -> None:
    for gateway in world.gateways.values():
        for path in Path(gateway.home).rglob("*"):
            if path.is_file() and path.name != "linkage.key":
                content = path.read_bytes()
                for value in ("Olivia", "Harrison", "2015-06-07", "9434765919", "LS6 3HN"):
                    assert value.encode() not in content, (path.name, value)


def test_sync_at_a_gateway_ends_what_the_snapshot_left_out_with_the_brake_at_the_hub(
    world: Deployment, tmp_path: Path
) -> None:
    def snapshot(name: str, refs: list[str]) -> Path:
        path = tmp_path / name
        email = "hv@health.example.org"
        rows = [make_register_row(local_ref=ref, practitioner_email=email) for ref in refs]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return path

    def sync(path: Path, *extra: str) -> int:
        args = ["sync", "--agency", HEALTH, str(path), *extra]
        env = {"FINGERPOST_HOME": str(world.council.home)}
        return CliRunner().invoke(app, args, env=env).exit_code

    refs = ["HV-1", "HV-2", "HV-3", "HV-4"]
    assert sync(snapshot("night1.csv", refs)) == 0
    # Unchanged, nothing written again: each row's digest went to the hub with its registration.
    again = CliRunner().invoke(
        app,
        ["sync", "--agency", HEALTH, str(snapshot("night1.csv", refs))],
        env={"FINGERPOST_HOME": str(world.council.home)},
    )
    assert again.exit_code == 0
    assert "(0 new, 0 changed, 4 unchanged)" in again.stderr
    assert sync(snapshot("night2.csv", refs[:2])) == 2  # would end half: the brake
    still = world.hub.hub.list_involvements(Actor.system(HEALTH), limit=10)
    assert sorted(i.status.value for i in still) == ["active"] * 4
    assert sync(snapshot("night2.csv", refs[:2]), "--allow-mass-end") == 0
    after = {i.key.local_ref: i.status.value for i in
             world.hub.hub.list_involvements(Actor.system(HEALTH), limit=10)}  # fmt: skip
    assert after == {"HV-1": "active", "HV-2": "active", "HV-3": "ended", "HV-4": "ended"}
    typo = CliRunner().invoke(
        app,
        [
            "sync",
            "--agency",
            HEALTH,
            str(snapshot("n3.csv", refs[:1])),
            "--snapshot-date",
            "2062-01-01",
        ],
        env={"FINGERPOST_HOME": str(world.council.home)},
    )
    assert typo.exit_code == 2, typo.output
    assert "snapshot_date: in the future" in typo.stderr


def test_what_only_the_hub_can_do_is_refused_at_a_gateway_plainly(
    world: Deployment, http: httpx.Client
) -> None:
    council = world.council
    fingerpost = str(Path(sys.executable).with_name("fingerpost"))
    ran = subprocess.run(
        [fingerpost, "backup", str(council.home / "backup")],
        env={"FINGERPOST_HOME": str(council.home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 2
    assert "backup" in ran.stderr
    assert "at the hub" in ran.stderr
    assert "Traceback" not in ran.stderr
    events = http.get(f"{council.url}/api/v1/audit/events", headers=council.token(AUDITOR))
    assert events.status_code == 200  # reading the log is asked of the hub over the wire


def test_a_token_issued_at_a_gateway_works_there_and_is_in_the_hubs_audit_log(
    world: Deployment, http: httpx.Client
) -> None:
    council = world.council
    issued = CliRunner().invoke(
        app,
        ["tokens", "create", "--agency", COUNCIL, "--role", "practitioner", "--name", "Kim Lee",
         "--email", "kim.lee@leeds.example.org"],
        env={"FINGERPOST_HOME": str(council.home)},
    )  # fmt: skip
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    mine = http.get(f"{council.url}/api/v1/notifications",
                    headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert mine.status_code == 200
    auditor = Actor("audit@hub", "hub auditor", COUNCIL, Role.AUDITOR, strong_auth=True)
    (event,) = world.hub.hub.audit_events(auditor, action="token:issued", limit=1)
    assert event.detail["subject"] == "kim.lee@leeds.example.org"
    assert event.agency == COUNCIL
