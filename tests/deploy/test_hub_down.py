"""Failing closed: when the hub cannot be reached, a practitioner is told so plainly and given
the duty numbers the gateway can still show; the command line exits 2 with nothing
half-written; a re-run once the hub is back is safe; a restarted gateway has lost nothing."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import make_enquiry_row, make_register_row
from deploy.world import COUNCIL, POLICE, Deployment, deployment, practitioner
from fingerpost.config import Settings
from fingerpost.deployables import open_gateway
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.gateway_app import create_gateway_app
from fingerpost.entrypoints.loopback import serve
from web.support import csrf

FINGERPOST = str(Path(sys.executable).with_name("fingerpost"))
PAGE = {"accept": "text/html"}
PURPOSE = "section 47 child protection enquiry"
OFFICER = practitioner(POLICE, "jo.patel@westyorks.police.example", "DC Jo Patel")


def fingerpost(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FINGERPOST, *map(str, args)],
        env={"FINGERPOST_HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with deployment(tmp_path_factory.mktemp("down")) as running:
        yield running


def sign_in(client: httpx.Client, subject: str) -> str:
    page = client.get("/sign-in", headers=PAGE)
    answer = client.post("/sign-in/demo", data={"csrf_token": csrf(page.text), "subject": subject},
                         headers=PAGE)  # fmt: skip
    assert answer.status_code == 200, answer.text  # followed to the enquiry page
    return csrf(answer.text)


def test_with_the_hub_down_everything_fails_closed_and_a_rerun_is_safe(
    world: Deployment, tmp_path: Path
) -> None:
    police = world.police
    named = enumerate(("Amelia", "Noah", "Isla"))
    rows = [make_register_row(local_ref=f"WY-{n}", given_names=name) for n, name in named]
    register = write(tmp_path / "register.csv", rows)
    enquiries = write(tmp_path / "enquiries.csv", [make_enquiry_row(given_names="Amelia")])
    with httpx.Client(base_url=police.url, timeout=30, follow_redirects=True) as client:
        token = sign_in(client, f"admin.{POLICE.lower()}@demo.invalid")
        assert world.hub_served is not None
        world.hub_served.stop()  # the hub goes away

        page = client.post(
            "/enquiry",
            data={"csrf_token": token, "given_names": "Olivia", "family_name": "Harrison",
                  "dob-day": "7", "dob-month": "6", "dob-year": "2015",
                  "purpose": "child-protection-enquiry"},
            headers=PAGE,
        )  # fmt: skip
        assert page.status_code == 503
        assert "cannot reach the national hub" in page.text
        assert "This does not mean nobody works with the child" in page.text
        assert "0113 555 0199" in page.text  # the police's duty desk, from the gateway's copy
        assert "Leeds children" in page.text
        assert "0161 234 5000" in page.text
        assert "Olivia" not in page.text.split("<main", 1)[1]  # the child is not echoed

        api = client.post("/api/v1/enquiries", json={"purpose": PURPOSE} | make_enquiry_row(),
                          headers=police.token(OFFICER))  # fmt: skip
        assert api.status_code == 503
        assert api.headers["content-type"].startswith("application/problem+json")
        assert "Retry-After" in api.headers
        ready = client.get("/readyz")
        assert ready.status_code == 503

    out = tmp_path / "signposts.csv"
    asked = fingerpost(police.home, "enquire", "--agency", POLICE, "--purpose", PURPOSE,
                       enquiries, "--output", out)  # fmt: skip
    assert asked.returncode == 2, asked.stderr
    assert "hub cannot be reached" in asked.stderr
    assert not out.exists()
    assert list(tmp_path.glob(".*signposts*")) == []
    registered = fingerpost(police.home, "register", "--agency", POLICE, register)
    assert registered.returncode == 2, registered.stderr

    world.hub_served = serve(world.tap, int(world.hub_url.rsplit(":", 1)[1]))  # back again
    for _ in range(2):  # re-run, and re-run again: idempotent
        again = fingerpost(police.home, "register", "--agency", POLICE, register)
        assert again.returncode == 0, again.stderr
    listed = world.hub.hub.list_involvements(Actor.system(POLICE), limit=50)
    assert sorted(i.key.local_ref for i in listed) == ["WY-0", "WY-1", "WY-2"]


def test_a_restarted_gateway_has_lost_nothing(world: Deployment) -> None:
    council = world.council
    with httpx.Client(base_url=council.url, timeout=30, follow_redirects=True) as client:
        sign_in(client, f"admin.{COUNCIL.lower()}@demo.invalid")
        council.served.stop()
        council.fp.close()
        installation = open_gateway(Settings(_env_file=None, home=council.home,
                                             demo_sign_in=True, cookie_secure=False))  # fmt: skip
        council.fp = installation
        council.served = serve(create_gateway_app(installation), int(council.url.rsplit(":", 1)[1]))
        # The same browser, still signed in (the session is in the gateway's own store).
        page = client.get("/enquiry", headers=PAGE, follow_redirects=False)
        assert page.status_code == 200
        assert "Sign out" in page.text
