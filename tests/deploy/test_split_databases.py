"""The split on both databases: a hub on SQLite and a hub on PostgreSQL answer a gateway alike."""

from __future__ import annotations

from pathlib import Path

import httpx

from deploy.test_split_journeys import CHILD, JO, PRIYA, PURPOSE, involvement
from deploy.world import COUNCIL, deployment


def test_registered_at_one_gateway_found_from_the_other(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "home").mkdir(exist_ok=True)  # where the SQLite case keeps its file
    with deployment(tmp_path / "split", database_url) as world, httpx.Client(timeout=30) as http:
        made = http.post(
            f"{world.council.url}/api/v1/involvements",
            json=involvement(PRIYA, "LDS-9", "child-in-need"),
            headers=world.council.token(PRIYA),
        )
        assert made.status_code == 201, made.text
        asked = http.post(
            f"{world.police.url}/api/v1/enquiries",
            json=CHILD | {"purpose": PURPOSE},
            headers=world.police.token(JO),
        )
        assert asked.status_code == 200, asked.text
        assert [s["agency"] for s in asked.json()["signposts"]] == [COUNCIL]
