"""A gateway's home: marked by `gateway init`, never a hub's, never without the deployment's
linkage secret (a gateway does not make one on the side), and holding no child's details."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fingerpost.adapters.service_tokens import new_gateway_key
from fingerpost.config import Settings
from fingerpost.deployables import (
    Deployable,
    NoLinkageSecret,
    WrongHome,
    marked,
    open_gateway,
    open_hub,
)
from fingerpost.deployables.homes import read_mark
from fingerpost.entrypoints.cli import app


def cli(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"FINGERPOST_HOME": str(home)})
    return result.exit_code, result.output


def test_gateway_init_marks_the_home_with_its_hub_and_name(tmp_path: Path) -> None:
    home = tmp_path / "gw"
    code, _ = cli(home, "gateway", "init", "--hub", "https://hub.example/", "--name", "leeds-gw")
    assert code == 0
    assert marked(home) is Deployable.GATEWAY
    assert read_mark(home) == {
        "deployable": "gateway",
        "hub_url": "https://hub.example",
        "name": "leeds-gw",
    }
    assert not (home / "linkage.key").exists()  # the secret comes by import, never made here


def test_a_gateway_without_the_linkage_secret_refuses_to_open_and_says_how(
    tmp_path: Path,
) -> None:
    home = tmp_path / "gw"
    cli(home, "gateway", "init", "--hub", "http://127.0.0.1:9", "--name", "leeds-gw")
    with pytest.raises(NoLinkageSecret, match="gateway secret import"):
        open_gateway(Settings(_env_file=None, home=home))
    assert not (home / "linkage.key").exists()


def test_a_hubs_home_cannot_be_opened_as_a_gateway_nor_marked_as_one(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    open_hub(Settings(_env_file=None, home=home)).close()
    with pytest.raises(WrongHome):
        open_gateway(Settings(_env_file=None, home=home))
    code, output = cli(home, "gateway", "init", "--hub", "http://127.0.0.1:9", "--name", "x")
    assert code == 2
    assert "hub's home" in output


def test_a_gateway_opens_with_its_own_small_store_and_the_hub_behind_http(
    tmp_path: Path,
) -> None:
    home = tmp_path / "gw"
    cli(home, "gateway", "init", "--hub", "http://127.0.0.1:9", "--name", "leeds-gw")
    (home / "linkage.key").write_text("ab" * 32)
    new_gateway_key(home)
    gateway = open_gateway(Settings(_env_file=None, home=home))
    gateway.close()
    made = {path.name for path in home.iterdir()}
    assert {"gateway.db", "signing.key", "session.key", "service-token.key"} <= made
    assert "fingerpost.db" not in made  # no register here: that is the hub's
    assert "keys" not in made  # no agencies' data keys either
