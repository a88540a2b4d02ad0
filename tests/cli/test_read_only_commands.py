"""Issue 18, defect 10: a command that only reads never initialises a home. Against a mistyped
FINGERPOST_HOME (missing, or an empty folder) it exits 2 saying there is no home there — an
`audit verify` that made a new home and called it "intact: 0 events" would vouch for nothing.
And a damaged checkpoint says which one and what is wrong with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from cli.conftest import Cli

READ_ONLY = [
    ("agencies", "list"),
    ("audit", "verify"),
    ("audit", "export", "audit.jsonl"),
    ("audit", "proof", "--seq", "1"),
    ("certificate", "verify", "certificate.json"),
    ("model", "show"),
    ("notifications", "list", "--agency", "GMP"),
    ("notifications", "status"),
    ("reviews", "list"),
    ("users",),
]


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    path = tmp_path / "certificate.json"  # the commands run in tmp_path
    path.write_text("{}")
    return path


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
@pytest.mark.parametrize("state", ["missing", "empty folder"])
def test_a_read_only_command_never_creates_a_home(
    cli: Cli, home: Path, certificate: Path, command: tuple[str, ...], state: str
) -> None:
    if state == "empty folder":
        home.mkdir()
    result = cli(*command)
    assert result.exit_code == 2, result.output
    assert f"no fingerpost home at {home}" in result.stderr
    assert "Initialised" not in result.stderr
    assert not home.exists() or list(home.iterdir()) == []
    assert not Path("audit.jsonl").exists()


def test_a_database_without_fingerpost_is_not_initialised_by_a_read(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    assert cli("init").exit_code == 0
    elsewhere = tmp_path / "mistyped.db"
    cli.database_url = f"sqlite:///{elsewhere}"
    result = cli("audit", "verify")
    assert result.exit_code == 2
    assert "no fingerpost database at sqlite:///" in result.stderr
    assert "intact" not in result.stdout


def test_read_only_commands_work_on_an_existing_home(with_agencies: Cli) -> None:
    assert with_agencies("agencies", "list").exit_code == 0
    verified = with_agencies("audit", "verify")
    assert verified.exit_code == 0
    assert "audit log intact" in verified.stdout


@pytest.mark.parametrize(
    "command",
    [("audit", "verify"), ("audit", "export", "out.jsonl"), ("audit", "proof", "--seq", "1")],
)
def test_a_damaged_checkpoint_in_the_database_is_named(
    with_agencies: Cli, command: tuple[str, ...]
) -> None:
    with with_agencies.installation() as fp, fp.engine.begin() as connection:
        size = connection.exec_driver_sql("SELECT min(size) FROM audit_checkpoints").scalar_one()
        connection.exec_driver_sql(
            "UPDATE audit_checkpoints SET root = 'not hex at all' WHERE size = ?", (size,)
        )
    result = with_agencies(*command)
    assert result.exit_code == 1
    assert (
        f"the signed checkpoint of size {size} in the database is damaged:"
        " its root hash is not hexadecimal"
    ) in result.stderr
    assert "fromhex" not in result.stderr
    assert not Path("out.jsonl").exists()


def test_a_damaged_kept_witness_is_named(with_agencies: Cli, home: Path) -> None:
    assert with_agencies("audit", "verify").exit_code == 0  # keeps the head as the witness
    witness = home / "audit-witness.json"
    body = json.loads(witness.read_text())
    witness.write_text(json.dumps(body | {"signature": "zz" + body["signature"][2:]}))
    result = with_agencies("audit", "verify")
    assert result.exit_code == 1
    assert f"the audit witness kept in {witness} is damaged" in result.stderr
    assert "its signature is not hexadecimal" in result.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"size": 3, "root": "00", "at": "2026-01-01T00:00:00+00:00", "signature": "00"}',
         "its root hash has 1 bytes, not 32"),
        ('{"size": 3}', "not a signed checkpoint: no root, at, signature"),
        ('{"type": "key"}\n{"type": "checkpoint", "size": "x"}',
         "line 2: not a signed checkpoint: no root, at, signature"),
    ],
)  # fmt: skip
def test_a_damaged_witness_file_is_named(
    with_agencies: Cli, tmp_path: Path, content: str, says: str
) -> None:
    given = tmp_path / "witness.json"
    given.write_text(content)
    result = with_agencies("audit", "verify", "--witness", given)
    assert result.exit_code == 1
    assert f"audit witness {given}" in result.stderr
    assert says in result.stderr


def test_a_folder_holding_homes_names_them(cli: Cli, home: Path) -> None:
    """After `make demo`, ./.fingerpost holds its hub's and gateways' homes, not one of its own."""
    for name, kind in [("hub", "hub"), ("gateway-council", "gateway")]:
        (home / name).mkdir(parents=True)
        (home / name / "deployable.json").write_text(json.dumps({"deployable": kind}))
    result = cli("agencies", "list")
    assert result.exit_code == 2
    assert f"no fingerpost home at {home}" in result.stderr
    assert "it holds the homes gateway-council (a gateway's), hub (the hub's)" in result.stderr
