"""The restore's key checks where no command line is involved: a hub that holds no linkage
secret (only its fingerprint, pinned), and backups made before fingerprints were recorded."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from conftest import Scenario
from fingerpost.adapters.crypto import BACKUP_FILE, KEYS_DIR, backup_key
from fingerpost.adapters.db import backup as backups
from fingerpost.adapters.db.restore import HomeKeys, RestoreRefused, refusals, restore
from fingerpost.adapters.keys import LINKAGE_FILE, LINKAGE_PIN_FILE, linkage_fingerprint
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role

OPERATOR = Actor(subject="ops", name="Operator", agency="-", role=Role.OPERATOR)


def _registered(scenario: Scenario) -> None:
    scenario.agency("CSC-LDS")
    scenario.agency("GMP", kind="police")
    scenario.register_one("CSC-LDS", local_ref="LDS-1")
    scenario.register_one("GMP", local_ref="GMP-1", practitioner_email="jo@gmp.example")


def _hub_keys(scenario: Scenario, hub: Path) -> HomeKeys:
    """The installation's keys as a hub would hold them: everything but the linkage secret,
    which lives at the gateways (`hub` is a home holding only a pin, or nothing)."""
    assert scenario.fp.keyring is not None
    public = scenario.fp._signing_key.public_key()
    return HomeKeys(hub, scenario.fp.keyring, public)


def test_a_hub_pinned_to_another_secret_refuses_and_an_unpinned_one_adopts_the_backups(
    scenario: Scenario, tmp_path: Path
) -> None:
    _registered(scenario)
    target = tmp_path / "hub.backup"
    made = scenario.fp.backup(OPERATOR, target)
    home = scenario.fp.settings.home.resolve()
    assert made.linkage == linkage_fingerprint(bytes.fromhex((home / LINKAGE_FILE).read_text()))
    loaded = backups.load(target, backup_key(home))

    pinned = tmp_path / "pinned-hub"
    pinned.mkdir()
    (pinned / LINKAGE_PIN_FILE).write_text(linkage_fingerprint(secrets.token_bytes(32)) + "\n")
    [why] = refusals(loaded, _hub_keys(scenario, pinned))
    assert "every enquiry would find nobody" in why
    assert made.linkage in why

    unpinned = tmp_path / "new-hub"
    unpinned.mkdir()
    assert refusals(loaded, _hub_keys(scenario, unpinned)) == []  # nothing to compare with
    _restore_into(scenario, unpinned, target)
    # It keeps the backup's: its next backups carry it, its next restores are checked with it.
    assert (unpinned / LINKAGE_PIN_FILE).read_text().strip() == made.linkage
    assert not (unpinned / LINKAGE_FILE).exists()


def test_an_older_backup_without_a_fingerprint_is_checked_against_the_encodings(
    scenario: Scenario, tmp_path: Path
) -> None:
    """Backups made before this release name no fingerprint; a home holding a linkage secret can
    still tell whether the stored encodings were made with it."""
    _registered(scenario)
    home = scenario.fp.settings.home.resolve()
    target = tmp_path / "old.backup"
    backups.write(scenario.fp.engine, target, backup_key(home))  # as the last release wrote it
    loaded = backups.load(target, backup_key(home))
    assert "linkage" not in loaded.header
    assert refusals(loaded, _hub_keys(scenario, home)) == []  # its own secret: accepted

    other = tmp_path / "other-gateway"
    other.mkdir()
    (other / LINKAGE_FILE).write_text(secrets.token_hex(32))
    [why] = refusals(loaded, _hub_keys(scenario, other))
    assert "names no linkage fingerprint (it is older)" in why
    scenario.register_one("CSC-LDS", local_ref="LDS-2", given_names="Amelia")
    with pytest.raises(RestoreRefused):
        _restore_into(scenario, other, target)
    assert scenario.count("involvements") == 3  # the newer row is still there


def _restore_into(scenario: Scenario, home: Path, source: Path) -> None:
    """Restore into the installation's database, checked against the keys `home` holds (with
    the installation's backup key, which opens the file)."""
    own = scenario.fp.settings.home.resolve() / KEYS_DIR / BACKUP_FILE
    (home / KEYS_DIR).mkdir(exist_ok=True)
    (home / KEYS_DIR / BACKUP_FILE).write_bytes(own.read_bytes())
    restore(scenario.fp.engine, source, _hub_keys(scenario, home))
