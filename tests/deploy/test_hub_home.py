"""The hub's home never holds the linkage secret: the hub refuses to start beside one, never
makes one, and serves nothing that takes a child's details."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from conftest import make_agency
from fingerpost.adapters.service_tokens import ServiceTokenSigner, public_text
from fingerpost.config import Settings
from fingerpost.deployables import Deployable, LinkageAtHub, WrongHome, marked, open_hub
from fingerpost.deployables.hub import NoLinkageHere
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.hub_app import create_hub_app

FINGERPOST = [str(Path(sys.executable).with_name("fingerpost"))]


def test_a_new_hub_home_has_keys_and_a_database_but_no_linkage_secret(tmp_path: Path) -> None:
    hub = open_hub(Settings(home=tmp_path / "hub"))
    hub.close()
    made = {p.name for p in (tmp_path / "hub").iterdir()}
    assert {"fingerpost.db", "signing.key", "keys"} <= made
    assert "linkage.key" not in made
    assert marked(tmp_path / "hub") is Deployable.HUB


def test_the_hub_refuses_to_open_beside_a_linkage_secret(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    open_hub(Settings(home=home)).close()
    (home / "linkage.key").write_text("00" * 32)
    with pytest.raises(LinkageAtHub, match="must never run beside one"):
        open_hub(Settings(home=home))


def test_hub_serve_exits_2_with_a_plain_reason_when_its_home_holds_a_linkage_secret(
    tmp_path: Path,
) -> None:
    home = tmp_path / "hub"
    home.mkdir()
    (home / "linkage.key").write_text("00" * 32)
    ran = subprocess.run(
        [*FINGERPOST, "hub", "serve", "--port", "9"],
        env={"FINGERPOST_HOME": str(home), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 2
    assert "holds a linkage secret" in ran.stderr
    assert not (home / "fingerpost.db").exists()  # refused before anything was made


def test_the_hub_cannot_encode_a_child(tmp_path: Path) -> None:
    hub = open_hub(Settings(home=tmp_path / "hub"))
    with pytest.raises(NoLinkageHere):
        hub.gateway.encode(object())  # type: ignore[arg-type]
    hub.close()


def test_a_gateway_home_is_not_a_hub_home(tmp_path: Path) -> None:
    home = tmp_path / "gw"
    home.mkdir()
    (home / "deployable.json").write_text('{"deployable": "gateway"}')
    with pytest.raises(WrongHome):
        open_hub(Settings(home=home))


def test_the_hub_serves_no_route_that_takes_a_childs_details(tmp_path: Path) -> None:
    hub = open_hub(Settings(home=tmp_path / "hub"))
    paths = {getattr(route, "path", "") for route in create_hub_app(hub).routes}
    hub.close()
    for path in paths:
        assert not path.startswith(("/api/v1", "/fhir", "/enquiry", "/audit/subject-access"))
        assert not path.startswith(("/admin", "/sign-in")), path
    assert {"/healthz", "/readyz"} <= paths


AGENCIES = "code,name,authority_area,kind\nLDS-POL,Leeds Police,E08000035,police\n"
ROW = (
    "local_ref,given_names,family_name,date_of_birth,involvement,practitioner_name,"
    "practitioner_phone,start_date\nR-1,Ann,Test,2015-01-01,police-concern,Bob,0113 000 0000,"
    "2026-01-01\n"
)
ENQUIRY = "enquiry_ref,given_names,date_of_birth\nE-1,Ann,2015-01-01\n"


@pytest.mark.parametrize(
    "command",
    [
        ["register", "--agency", "LDS-POL", "register.csv"],
        ["sync", "--agency", "LDS-POL", "register.csv", "--dry-run"],
        ["sync", "--agency", "LDS-POL", "register.csv"],
        [
            "tokens",
            "create",
            "--agency",
            "LDS-POL",
            "--role",
            "practitioner",
            "--name",
            "Jo",
            "--email",
            "jo@example.org",
        ],
        [
            "enquire",
            "--agency",
            "LDS-POL",
            "--purpose",
            "child protection enquiry",
            "enquiries.csv",
            "--output",
            "out.csv",
        ],
    ],
)
def test_the_gateways_commands_say_plainly_at_the_hub_that_they_run_at_a_gateway(
    tmp_path: Path, command: list[str]
) -> None:
    home = tmp_path / "hub"
    (tmp_path / "agencies.csv").write_text(AGENCIES)
    (tmp_path / "register.csv").write_text(ROW)
    (tmp_path / "enquiries.csv").write_text(ENQUIRY)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*FINGERPOST, *args],
            env={"FINGERPOST_HOME": str(home), "PATH": ""},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run("hub", "init").returncode == 0
    assert run("agencies", "import", "agencies.csv").returncode == 0
    ran = run(*command)
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr
    assert "at a gateway" in ran.stderr or "in a gateway's home" in ran.stderr
    assert (ran.stdout, (tmp_path / "out.csv").exists()) == ("", False)


def test_a_parameter_the_hub_cannot_read_is_a_problem_that_never_echoes_it(
    tmp_path: Path,
) -> None:
    hub = open_hub(Settings(_env_file=None, home=tmp_path / "hub"))
    key = Ed25519PrivateKey.generate()
    operator = Actor("cli:operator", "command line", "-", Role.OPERATOR)
    hub.hub.import_agencies(operator, [make_agency("CSC-LDS")])
    hub.gateways.add(operator, "leeds-gw", ["CSC-LDS"], public_text(key))
    signer = ServiceTokenSigner("leeds-gw", key, linkage_fingerprint="FP1-AAAA-BBBB-CCCC-DDDD")
    admin = Actor("a@leeds", "A", "CSC-LDS", Role.AGENCY_ADMIN)
    with TestClient(create_hub_app(hub)) as client:
        response = client.get(
            "/hub/v1/involvements",
            params={"limit": "Zebedee Quillfeather"},
            headers={"Authorization": f"Bearer {signer.mint(admin)}"},
        )
    hub.close()
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid-request"
    assert [e["field"] for e in response.json()["errors"]] == ["query.limit"]
    assert "Zebedee" not in response.text
