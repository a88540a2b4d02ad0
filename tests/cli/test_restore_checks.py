"""`fingerpost restore` checks every key it needs before it changes anything (issue 16).

A home is more than its database: the backup key, the master key and the agencies' data keys
(`keys/`), the signing key and the linkage secret (beside `keys/`). A restore into a home that
lacks one, or holds another, is refused with exit 2 and "nothing was changed" — and the
database is then byte for byte what it was.
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fingerpost.adapters.crypto import KEYS_DIR, MASTER_FILE
from fingerpost.adapters.db import backup as backups
from fingerpost.adapters.keys import LINKAGE_FILE, SIGNING_FILE, linkage_fingerprint

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]
DATABASE = "fingerpost.db"


@pytest.fixture
def registered(with_agencies: Cli, csv_file: CsvFile, register_row: Row) -> Cli:
    rows = [register_row(local_ref="L-1", practitioner_email="priya.shah@leeds.example")]
    assert with_agencies("register", "--agency", "CSC-LDS", csv_file("l.csv", rows)).exit_code == 0
    police = [register_row(local_ref="G-1", practitioner_email="jo@gmp.example")]
    assert with_agencies("register", "--agency", "GMP", csv_file("g.csv", police)).exit_code == 0
    return with_agencies


@pytest.fixture
def backup(registered: Cli, tmp_path: Path) -> Path:
    target = tmp_path / "hub.backup"
    assert registered("backup", target).exit_code == 0
    return target


def another_home(registered: Cli, tmp_path: Path, name: str) -> Cli:
    """A copy of the whole home, database included (the restore's target)."""
    from cli.conftest import Cli

    target = tmp_path / name
    shutil.copytree(registered.home, target)
    return Cli(target)


def database_bytes(cli: Cli) -> bytes:
    """The database file with its write-ahead log folded in, less the two header fields every
    command's start changes (the file change counter and the version it is valid for, bumped
    by the migration check that opens a home): every page, every byte of data, stays."""
    path = cli.home / DATABASE
    if not path.exists():
        return b""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[24:28] = data[92:96] = bytes(4)
    return bytes(data)


def write_secret(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


def refused(cli: Cli, backup: Path, *expected: str) -> None:
    """The restore is refused, says why, and leaves the database as it was."""
    before = database_bytes(cli)
    result = cli("restore", backup, "--yes")
    assert result.exit_code == 2, result.output
    assert "nothing was changed" in result.stderr
    for words in expected:
        assert words in result.stderr
    assert "restored" not in result.stdout
    assert database_bytes(cli) == before


def test_a_backup_names_the_linkage_fingerprint_and_the_signing_key_never_the_secrets(
    registered: Cli, backup: Path
) -> None:
    home = registered.home
    loaded = backups.load(backup, bytes.fromhex((home / KEYS_DIR / "backup.key").read_text()))
    secret = bytes.fromhex((home / LINKAGE_FILE).read_text())
    assert loaded.header["linkage"] == linkage_fingerprint(secret)
    assert len(loaded.header["signing_key"]) == 64  # the raw public key, in hexadecimal
    for kept in (LINKAGE_FILE, SIGNING_FILE, f"{KEYS_DIR}/{MASTER_FILE}"):
        assert (home / kept).read_bytes() not in backup.read_bytes()


def test_a_home_with_another_linkage_secret_is_refused(
    registered: Cli, backup: Path, tmp_path: Path
) -> None:
    target = another_home(registered, tmp_path, "other-secret")
    write_secret(target.home / LINKAGE_FILE, secrets.token_hex(32))
    refused(target, backup, "linkage secret", "every enquiry would find nobody")


def test_a_home_with_another_signing_key_is_refused(
    registered: Cli, backup: Path, tmp_path: Path
) -> None:
    target = another_home(registered, tmp_path, "other-signing-key")
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (target.home / SIGNING_FILE).write_bytes(pem)
    refused(target, backup, f"another key than this home's {SIGNING_FILE}")


def test_a_home_with_another_master_key_is_refused(
    registered: Cli, backup: Path, tmp_path: Path
) -> None:
    target = another_home(registered, tmp_path, "other-master")
    write_secret(target.home / KEYS_DIR / MASTER_FILE, secrets.token_hex(32))
    refused(target, backup, "master key does not unwrap agency CSC-LDS's data key v1")


def test_a_home_without_the_agencies_data_keys_is_refused(
    registered: Cli, backup: Path, tmp_path: Path
) -> None:
    target = another_home(registered, tmp_path, "no-data-keys")
    shutil.rmtree(target.home / KEYS_DIR / "agencies")
    refused(target, backup, "agency CSC-LDS's data key v1 is not in this home")


def test_a_home_without_the_backup_key_is_refused(
    registered: Cli, backup: Path, tmp_path: Path
) -> None:
    target = another_home(registered, tmp_path, "no-backup-key")
    (target.home / KEYS_DIR / "backup.key").unlink()
    refused(target, backup, "this home has no keys/backup.key")
    assert not (target.home / KEYS_DIR / "backup.key").exists()  # not made up on the way


def test_restoring_with_keys_alone_is_refused_before_any_data_is_replaced(
    registered: Cli, backup: Path, tmp_path: Path
) -> None:
    """The defect of issue 16: `keys/` escrowed, `linkage.key` and `signing.key` not. Before, the
    data was replaced and only then did the audit log fail to verify."""
    from cli.conftest import Cli

    fresh = Cli(tmp_path / "rebuilt")
    shutil.copytree(registered.home / KEYS_DIR, fresh.home / KEYS_DIR)
    assert fresh("init").exit_code == 0  # the new home: its own, empty, database
    refused(fresh, backup, "linkage secret", SIGNING_FILE)
    with closing(sqlite3.connect(fresh.home / DATABASE)) as connection:
        assert connection.execute("SELECT count(*) FROM involvements").fetchone() == (0,)


def test_a_home_rebuilt_from_everything_escrowed_restores_and_finds_the_child(
    registered: Cli, backup: Path, tmp_path: Path, csv_file: CsvFile
) -> None:
    from cli.conftest import Cli
    from conftest import make_enquiry_row

    fresh = Cli(tmp_path / "rebuilt")
    shutil.copytree(registered.home / KEYS_DIR, fresh.home / KEYS_DIR)
    for name in (LINKAGE_FILE, SIGNING_FILE):
        shutil.copy2(registered.home / name, fresh.home / name)
    restored = fresh("restore", backup, "--yes")
    assert restored.exit_code == 0, restored.output
    assert "audit log intact" in restored.stdout
    assert linkage_fingerprint(bytes.fromhex((fresh.home / LINKAGE_FILE).read_text())) in (
        restored.stderr
    )
    output = tmp_path / "signposts.csv"
    enquiry = csv_file("e.csv", [make_enquiry_row()])
    asked = fresh("enquire", "--agency", "NHS-ACH", "--purpose", "emergency care", enquiry,
                  "--output", output)  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert "CSC-LDS" in output.read_text()
