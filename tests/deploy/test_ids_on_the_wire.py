"""An id a caller puts in a gateway's URL reaches the hub as that id and nothing more: a `?`,
`#` or `..` in it cannot turn the gateway's call into another request to the hub."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from deploy.world import COUNCIL, Deployment, deployment, practitioner
from fingerpost.domain.vocabulary import Role

ADMIN = practitioner(COUNCIL, "admin@leeds.example.org", "Ann Admin", Role.AGENCY_ADMIN)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with deployment(tmp_path_factory.mktemp("ids")) as running:
        yield running


@pytest.mark.parametrize(
    "crafted",
    ["%3Flimit%3D5", "x%3Foffset%3D0", "x%23", "%2E%2E", "..%3F", "x%3Fgiven_names%3DAnn"],
)
def test_a_crafted_involvement_id_is_simply_not_found(world: Deployment, crafted: str) -> None:
    headers = world.council.token(ADMIN)
    url = f"{world.council.url}/api/v1/involvements/{crafted}"
    with httpx.Client(timeout=30) as client:
        read = client.send(client.build_request("GET", url, headers=headers))
        ended = client.send(client.build_request("POST", f"{url}/end", headers=headers, json={}))
    assert (read.status_code, ended.status_code) == (404, 404), (read.text, ended.text)
    assert read.json()["detail"] == "no such involvement"
