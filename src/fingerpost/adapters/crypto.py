"""Encryption at rest: one data key per agency, wrapped by a master key (envelope encryption).

What the hub stores about an agency's involvement (local reference, practitioner contact, the
child's encoding) is sealed with AES-256-GCM under the agency's data key. Data keys live in the
home, never in the database, each wrapped by the master key: from `keys/master.key` (0600) or
FINGERPOST_MASTER_KEY, or — through `KeyWrapper` — a key management service. A database file,
a replica or a backup therefore holds only ciphertext, and destroying an agency's data key makes
everything it sealed unreadable wherever a copy lies (crypto-shredding). See docs/adr/0009.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import struct
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "BACKUP_FILE",
    "KEYS_DIR",
    "MASTER_FILE",
    "DataKey",
    "KeyShredded",
    "KeyWrapper",
    "Keyring",
    "LocalMasterKey",
    "backup_key",
    "destroy_file",
    "master_key",
    "sealed_version",
]

KEYS_DIR = "keys"
MASTER_FILE = "master.key"
_NEXT_MASTER = "master.key.next"  # a rotation under way: the new master, not yet in place
_SHREDDED = "shredded"  # an agency's tombstone: its keys are destroyed, none may be made again
_FORMAT = 1
_HEADER = struct.Struct(">BI")  # format, data key version
_NONCE = 12


class KeyShredded(LookupError):
    """The data key was destroyed: what it sealed can no longer be read, by design."""


class KeyWrapper(Protocol):
    """Wraps and unwraps data keys: the master key, here or in a key management service."""

    @property
    def key_id(self) -> str: ...
    def wrap(self, key: bytes, context: bytes) -> bytes: ...
    def unwrap(self, wrapped: bytes, context: bytes) -> bytes: ...


class LocalMasterKey:
    """A 256-bit master key held by this process (from the home or the environment)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the master key must be 32 bytes (64 hexadecimal characters)")
        self._aead = AESGCM(key)
        self._id = hashlib.sha256(b"fingerpost master key id\n" + key).hexdigest()[:16]

    @property
    def key_id(self) -> str:
        return self._id

    def wrap(self, key: bytes, context: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self._aead.encrypt(nonce, key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], context)
        except InvalidTag:
            raise ValueError("a data key does not open with the master key") from None


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write a 0600 file whole: a reader sees no file or all of it, never a part (a crash leaves
    the old or the new). `exclusive` fails with FileExistsError if one is there (two processes
    creating one key, two gateways pinning one hub): the first to link it wins."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staged = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(staged, path)  # atomic, and refuses an existing name
        else:
            os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def destroy_file(path: Path) -> bool:
    """Overwrite a key file with random bytes, then remove it. (On flash storage and copy-on-write
    file systems the overwrite is best effort: the wrapping by the master key is what stops an
    old block being of use.)"""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with path.open("r+b") as handle:
        handle.write(secrets.token_bytes(size))
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
    return True


def _read_master(path: Path) -> LocalMasterKey:
    return LocalMasterKey(bytes.fromhex(path.read_text().strip()))


def master_key(home: Path, from_environment: str = "") -> LocalMasterKey:
    """The master key: FINGERPOST_MASTER_KEY when set, else the home's (created on first use)."""
    if from_environment:
        try:
            return LocalMasterKey(bytes.fromhex(from_environment.strip()))
        except ValueError:
            raise ValueError("FINGERPOST_MASTER_KEY: not 64 hexadecimal characters") from None
    path = home / KEYS_DIR / MASTER_FILE
    following = home / KEYS_DIR / _NEXT_MASTER
    if not path.exists() and following.exists():  # a rotation stopped just before its end
        following.rename(path)
    if not path.exists():
        with suppress(FileExistsError):
            write_private(path, secrets.token_bytes(32).hex().encode(), exclusive=True)
    return _read_master(path)


BACKUP_FILE = "backup.key"


def backup_key(home: Path) -> bytes:
    """The key backups are encrypted with (32 bytes, made on first use). Keep a copy with your
    off-site backups: it opens them. Agencies' data inside stays sealed with their own keys,
    which backups never contain."""
    path = home / KEYS_DIR / BACKUP_FILE
    if not path.exists():
        with suppress(FileExistsError):
            write_private(path, secrets.token_bytes(32).hex().encode(), exclusive=True)
    return bytes.fromhex(path.read_text().strip())


@dataclass(frozen=True, slots=True)
class DataKey:
    """One version of an agency's data key, unwrapped (in memory only)."""

    agency: str
    version: int
    aead: AESGCM
    lookup: bytes  # HMAC key for the blind index of local references

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return (
            _HEADER.pack(_FORMAT, self.version)
            + nonce
            + self.aead.encrypt(nonce, plaintext, context)
        )

    def open(self, sealed: bytes, context: bytes) -> bytes:
        start = _HEADER.size
        return self.aead.decrypt(sealed[start : start + _NONCE], sealed[start + _NONCE :], context)

    def blind(self, value: str) -> str:
        """A keyed hash for equality lookups (local_ref): useless without the data key."""
        return hmac.new(self.lookup, value.encode(), hashlib.sha256).hexdigest()


def sealed_version(sealed: bytes) -> int:
    form, version = _HEADER.unpack_from(sealed)
    if form != _FORMAT:
        raise ValueError(f"unknown sealed format {form}")
    return int(version)


def _derive(key: bytes, label: bytes) -> bytes:
    return hmac.new(key, b"fingerpost data key\n" + label, hashlib.sha256).digest()


class Keyring:
    """Agency data keys as files `keys/agencies/<agency, hex>/<version>.key` in the home, each
    holding the key wrapped by the master key. Unwrapped keys are cached in memory: the enquiry
    path never touches the disk for a key it has used before."""

    def __init__(self, home: Path, master: KeyWrapper) -> None:
        self._root = home / KEYS_DIR / "agencies"
        self._home = home
        self._masters: dict[str, KeyWrapper] = {master.key_id: master}
        self._master = master
        following = home / KEYS_DIR / _NEXT_MASTER
        if following.exists():  # an interrupted rotation: keys may be wrapped by either
            upcoming = _read_master(following)
            self._masters[upcoming.key_id] = upcoming
        self._cache: dict[tuple[str, int], DataKey] = {}

    def _dir(self, agency: str) -> Path:
        return self._root / agency.encode().hex()

    @staticmethod
    def _context(agency: str, version: int) -> bytes:
        return f"fingerpost data key v1\n{agency}\n{version}".encode()

    def versions(self, agency: str) -> list[int]:
        directory = self._dir(agency)
        if not directory.is_dir():
            return []
        return sorted(int(p.stem) for p in directory.glob("*.key") if p.stem.isdigit())

    def shredded(self, agency: str) -> bool:
        return (self._dir(agency) / _SHREDDED).exists()

    def agencies(self) -> list[str]:
        if not self._root.is_dir():
            return []
        return sorted(bytes.fromhex(p.name).decode() for p in self._root.iterdir() if p.is_dir())

    def get(self, agency: str, version: int) -> DataKey:
        cached = self._cache.get((agency, version))
        if cached is not None:
            return cached
        path = self._dir(agency) / f"{version}.key"
        try:
            record = json.loads(path.read_text())
        except FileNotFoundError:
            raise KeyShredded(
                f"the data key of agency {agency} (v{version}) is destroyed"
            ) from None
        master = self._masters.get(record["master"])
        if master is None:
            raise ValueError(f"the data keys of agency {agency} need another master key")
        raw = master.unwrap(bytes.fromhex(record["wrapped"]), self._context(agency, version))
        key = DataKey(agency, version, AESGCM(raw), _derive(raw, b"blind index"))
        self._cache[(agency, version)] = key
        return key

    def current(self, agency: str) -> DataKey:
        """The newest data key of the agency, made on first use."""
        versions = self.versions(agency)
        return self.get(agency, versions[-1]) if versions else self.new_version(agency)

    def live(self, agency: str) -> list[DataKey]:
        """Every data key of the agency that still exists (more than one during a rotation)."""
        return [self.get(agency, v) for v in self.versions(agency)]

    def rotate(self, agency: str) -> int:
        """Make a new data key version for the agency (its rows are then re-sealed)."""
        return self.new_version(agency).version

    def new_version(self, agency: str) -> DataKey:
        if self.shredded(agency):
            raise KeyShredded(f"the data keys of agency {agency} were destroyed (decommissioned)")
        versions = self.versions(agency)
        version = (versions[-1] + 1) if versions else 1
        raw = secrets.token_bytes(32)
        with suppress(FileExistsError):  # another process made this version first: use theirs
            write_private(
                self._dir(agency) / f"{version}.key",
                self._record(agency, version, raw, self._master),
                exclusive=True,
            )
        return self.get(agency, version)

    def _record(self, agency: str, version: int, raw: bytes, master: KeyWrapper) -> bytes:
        wrapped = master.wrap(raw, self._context(agency, version))
        return json.dumps(
            {
                "agency": agency,
                "version": version,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "master": master.key_id,
                "wrapped": wrapped.hex(),
            }
        ).encode()

    def retire(self, agency: str, *, keep: int) -> int:
        """Destroy the agency's key versions older than `keep` (after re-sealing its rows)."""
        destroyed = 0
        for version in self.versions(agency):
            if version < keep:
                self._cache.pop((agency, version), None)
                destroyed += destroy_file(self._dir(agency) / f"{version}.key")
        return destroyed

    def shred(self, agency: str) -> int:
        """Destroy every data key of the agency, for good: returns how many were destroyed."""
        directory = self._dir(agency)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        (directory / _SHREDDED).touch(mode=0o600)  # first: no new key may appear meanwhile
        destroyed = 0
        for version in self.versions(agency):
            self._cache.pop((agency, version), None)
            destroyed += destroy_file(directory / f"{version}.key")
        return destroyed

    def rotate_master(self) -> tuple[str, int]:
        """Wrap every data key with a new master key in the home, then destroy the old one.
        Safe to interrupt and run again. Returns the new master key id and keys re-wrapped."""
        keys = self._home / KEYS_DIR
        current, following = keys / MASTER_FILE, keys / _NEXT_MASTER
        if not current.exists():
            raise ValueError(
                "the master key comes from FINGERPOST_MASTER_KEY (or a key service): rotate it"
                " there, with the old key still readable, not here"
            )
        if not following.exists():
            write_private(following, secrets.token_bytes(32).hex().encode(), exclusive=True)
        upcoming = _read_master(following)
        self._masters[upcoming.key_id] = upcoming
        rewrapped = 0
        for agency in self.agencies():
            for version in self.versions(agency):
                path = self._dir(agency) / f"{version}.key"
                record = json.loads(path.read_text())
                if record["master"] == upcoming.key_id:
                    continue
                master = self._masters[record["master"]]
                raw = master.unwrap(
                    bytes.fromhex(record["wrapped"]), self._context(agency, version)
                )
                write_private(path, self._record(agency, version, raw, upcoming))
                rewrapped += 1
        # Every key opens with the new master now: the old one is destroyed, the new put in place
        # (`master_key` finishes this step if a crash comes between the two).
        destroy_file(current)
        following.rename(current)
        self._masters = {upcoming.key_id: upcoming}
        self._master = upcoming
        return upcoming.key_id, rewrapped
