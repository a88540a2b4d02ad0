"""A restore that checks every key it needs before it changes anything (issue 16, ADR 0027).

A backup holds only ciphertext and keyed encodings; what makes it useful lies outside it, in
the home: the backup key that opens the file, the master key that unwraps the agencies' data
keys, those data keys, the signing key that signed the audit log's checkpoints, and — at the
gateways — the linkage secret the encodings were made with. Restored into a home whose keys
differ, the data is there but nothing works: an audit log that no longer verifies, rows nobody
can read, enquiries that find nobody. So each is checked against the backup first, and any
missing or different key refuses the restore with the database untouched.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine

from fingerpost.adapters.crypto import BACKUP_FILE, KEYS_DIR, Keyring, KeyShredded, sealed_version
from fingerpost.adapters.db import backup as backups
from fingerpost.adapters.db.sealed import open_about, open_sealed
from fingerpost.adapters.keys import (
    LINKAGE_PIN_FILE,
    SIGNING_FILE,
    home_linkage_fingerprint,
    read_linkage_secret,
)
from fingerpost.audit.events import Checkpoint
from fingerpost.matching.encode import EncodedIdentity, Encoder

__all__ = ["HomeKeys", "RestoreRefused", "backup_header", "refusals", "restore"]


class RestoreRefused(backups.BackupError):
    """The home lacks a key the backup needs, or holds another: nothing was changed."""


@dataclass(frozen=True, slots=True)
class HomeKeys:
    """The keys a home holds, as the restore checks them."""

    home: Path
    keyring: Keyring
    public_key: Ed25519PublicKey

    @property
    def linkage(self) -> str | None:
        return home_linkage_fingerprint(self.home)

    def public_hex(self) -> str:
        return self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def backup_header(keys: HomeKeys) -> dict[str, str | None]:
    """What a backup records of the keys it will need: public values only."""
    return {"linkage": keys.linkage, "signing_key": keys.public_hex()}


def _linkage(loaded: backups.Loaded, keys: HomeKeys) -> list[str]:
    recorded, held = loaded.header.get("linkage"), keys.linkage
    if "linkage" not in loaded.header:  # a backup from before fingerprints were recorded
        return _linkage_by_encodings(loaded, keys)
    if recorded is None or held is None or recorded == held:
        return []
    return [_other_linkage(recorded, held)]


def _other_linkage(recorded: str, held: str) -> str:
    return (
        f"the backup's encodings were made with the linkage secret {recorded}, and this home's"
        f" is {held}: every enquiry would find nobody. Import the deployment's secret"
        " (`fingerpost gateway secret import`) or restore into the home it belongs to"
    )


_ENCODINGS_TRIED = 20  # rows whose year token matches no year: enough to call it another secret


def _linkage_by_encodings(loaded: backups.Loaded, keys: HomeKeys) -> list[str]:
    """An older backup names no fingerprint; a home holding the secret can still tell: a stored
    year-of-birth token made with this secret is one of the few it makes for the years a
    child in scope may be born in (a token made with another secret is none of them)."""
    secret = read_linkage_secret(keys.home)
    if secret is None:
        return []
    encoder = Encoder(secret)
    this_year = datetime.now(UTC).year
    years = {encoder.token("dob-year", str(y)) for y in range(this_year - 40, this_year + 2)}
    seen = 0
    for agency, public_id, sealed, involvement in _sealed_rows(loaded):
        if not involvement:
            continue
        try:
            opened = open_sealed(keys.keyring, agency, public_id, sealed)
        except (KeyShredded, ValueError, InvalidTag):
            continue  # an unreadable row: `_data_keys` says why
        year = EncodedIdentity.from_stored(opened.identity).dob_year
        if year is not None:
            if year in years:
                return []
            seen += 1
            if seen == _ENCODINGS_TRIED:
                break
    if not seen:
        return []
    return [
        "the backup names no linkage fingerprint (it is older), and its encodings were not made"
        f" with this home's linkage secret ({keys.linkage}): every enquiry would find nobody."
        " Import the deployment's secret (`fingerpost gateway secret import`) first"
    ]


def _signing(loaded: backups.Loaded, keys: HomeKeys) -> list[str]:
    recorded = loaded.header.get("signing_key")
    if recorded is not None and recorded != keys.public_hex():
        return [_other_signing_key()]
    for row in loaded.rows("audit_checkpoints"):
        try:
            at = datetime.fromisoformat(row["at"])
            at = at if at.tzinfo else at.replace(tzinfo=UTC)  # as the log signed it
            head = Checkpoint.from_parts(row["size"], row["root"], at, row["signature"])
            keys.public_key.verify(head.signature, head.message())
        except (ValueError, InvalidSignature):
            return [_other_signing_key()]
    return []


def _other_signing_key() -> str:
    return (
        "the backup's audit checkpoints are signed with another key than this home's"
        f" {SIGNING_FILE}: its audit log would not verify. Restore {SIGNING_FILE} from escrow"
    )


def _sealed_rows(loaded: backups.Loaded) -> Iterator[tuple[str, str, bytes, bool]]:
    """(agency, public id, sealed value, is an involvement) of every sealed value."""
    codes = {row["id"]: row["code"] for row in loaded.rows("agencies")}
    for row in loaded.rows("involvements"):
        yield codes[row["agency_id"]], row["public_id"], base64.b64decode(row["sealed"]), True
    for row in loaded.rows("notifications"):
        about = base64.b64decode(row["sealed_about"])
        yield codes[row["about_agency_id"]], row["public_id"], about, False


def _data_keys(loaded: backups.Loaded, keys: HomeKeys) -> list[str]:
    """One sealed value per data key the backup uses must open with the home's copy of that
    key, unwrapped by the home's master key. A key destroyed since (a rotation retired it, or
    the agency was decommissioned) is no refusal: that is crypto-shredding working, and the
    restore warns what stays unreadable."""
    keyring, tried, problems = keys.keyring, set(), []
    for agency, public_id, sealed, involvement in _sealed_rows(loaded):
        version = sealed_version(sealed)
        if (agency, version) in tried or keyring.shredded(agency):
            continue
        tried.add((agency, version))
        held = keyring.versions(agency)
        if version not in held:
            if not any(v > version for v in held):
                problems.append(
                    f"agency {agency}'s data key v{version} is not in this home"
                    f" ({KEYS_DIR}/agencies): restore {KEYS_DIR}/ from escrow"
                )
            continue
        try:
            if involvement:
                open_sealed(keyring, agency, public_id, sealed)
            else:
                open_about(keyring, agency, public_id, sealed)
        except KeyShredded:
            continue
        except ValueError:  # the master key does not unwrap the data key
            problems.append(
                f"this home's master key does not unwrap agency {agency}'s data key v{version}:"
                f" restore {KEYS_DIR}/master.key (or FINGERPOST_MASTER_KEY) from escrow"
            )
        except InvalidTag:
            problems.append(
                f"agency {agency}'s data key v{version} in this home is not the one that sealed"
                f" the backup's rows: restore {KEYS_DIR}/ from the same escrow as the backup"
            )
    return problems


def refusals(loaded: backups.Loaded, keys: HomeKeys) -> list[str]:
    """Every reason the home cannot take this backup (empty: it can)."""
    return [*_linkage(loaded, keys), *_signing(loaded, keys), *_data_keys(loaded, keys)]


def _backup_key(home: Path) -> bytes:
    """The home's backup key, never made here: a new one would only fail to open the file."""
    path = home / KEYS_DIR / BACKUP_FILE
    if not path.exists():
        raise RestoreRefused(
            f"this home has no {KEYS_DIR}/{BACKUP_FILE}, which opens backups: restore"
            f" {KEYS_DIR}/ from escrow"
        )
    return bytes.fromhex(path.read_text().strip())


def restore(engine: Engine, source: Path, keys: HomeKeys) -> backups.Summary:
    """Check the backup against the home's keys, then replace the database with it. A hub home
    with no linkage fingerprint yet takes the backup's as its pin (it holds no secret to check
    it against: the operator compares it with the gateways', which the command prints)."""
    loaded = backups.load(source, _backup_key(keys.home))
    problems = refusals(loaded, keys)
    if problems:
        raise RestoreRefused("; ".join(problems))
    summary = backups.replace(engine, loaded)
    recorded = summary.linkage
    home = keys.home
    if recorded and keys.linkage is None and read_linkage_secret(home) is None:
        (home / LINKAGE_PIN_FILE).write_text(recorded + "\n")
        (home / LINKAGE_PIN_FILE).chmod(0o600)
    return summary
