"""The audit witness: the newest verified tree head, kept in FINGERPOST_HOME beside the keys.

A log that lost its newest events *and* their checkpoints still verifies on its own; the head
kept here (outside the database on PostgreSQL, and in any backup of the home) shows that it
once was longer. Read a witness another party kept with `read_witness`.
"""

import json
import os
import tempfile
from pathlib import Path

from fingerpost.audit.events import Checkpoint, DamagedCheckpoint

__all__ = ["WITNESS_FILE", "FileWitness", "read_witness"]

WITNESS_FILE = "audit-witness.json"


def read_witness(path: Path) -> Checkpoint:
    """A signed checkpoint from a file: one JSON object (this module's file, or a checkpoint
    printed by `audit proof`), or the newest checkpoint of an `audit export` (JSON Lines).
    ValueError when the file holds none."""
    text = path.read_text(encoding="utf-8").strip()
    try:
        return Checkpoint.from_json(json.loads(text))
    except json.JSONDecodeError:
        pass  # JSON Lines
    heads = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            body = json.loads(line)
            if isinstance(body, dict) and body.get("type") == "checkpoint":
                heads.append(Checkpoint.from_json(body))
        except ValueError as error:
            raise ValueError(f"{path.name}, line {number}: {error}") from None
    if not heads:
        raise ValueError(f"{path.name} holds no signed checkpoint")
    return max(heads, key=lambda head: head.size)


class FileWitness:
    def __init__(self, path: Path) -> None:
        self._path = path

    def load(self) -> Checkpoint | None:
        if not self._path.exists():
            return None
        try:
            return read_witness(self._path)
        except ValueError as error:  # JSONDecodeError is one too
            raise DamagedCheckpoint(
                f"the audit witness kept in {self._path} is damaged: {error}"
            ) from None

    def save(self, head: Checkpoint) -> None:
        # Written aside and renamed: a crash never leaves half a witness.
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self._path.parent, prefix=".witness-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(head.to_json(), handle)
        Path(temporary).replace(self._path)
