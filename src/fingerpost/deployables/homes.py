"""Which deployable a home belongs to: a hub's, a gateway's, or (no mark) the single-process
development installation. The mark is a small JSON file the `init` commands write; the commands
that open a home read it, so `fingerpost register` in a gateway's home reaches its hub."""

import json
import os
from enum import StrEnum
from pathlib import Path

from fingerpost.adapters.keys import LINKAGE_FILE

__all__ = ["MARK_FILE", "Deployable", "LinkageAtHub", "WrongHome", "mark", "marked", "read_mark"]

MARK_FILE = "deployable.json"


class Deployable(StrEnum):
    HUB = "hub"
    GATEWAY = "gateway"


class WrongHome(Exception):
    """The home belongs to another deployable (or to none): opening it as this one would mix
    what the split keeps apart."""


class LinkageAtHub(WrongHome):
    """A hub's home holds a linkage secret: the hub must never start beside one (ADR 0032)."""


def read_mark(home: Path) -> dict[str, str]:
    """The home's mark ({} when it has none)."""
    path = home / MARK_FILE
    if not path.exists():
        return {}
    content = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(content, dict):
        raise WrongHome(f"{path} is not a fingerpost deployable mark")
    return {str(k): str(v) for k, v in content.items()}


def marked(home: Path) -> Deployable | None:
    kind = read_mark(home).get("deployable")
    return Deployable(kind) if kind in set(Deployable) else None


def mark(home: Path, kind: Deployable, **fields: str) -> None:
    """Mark `home` as `kind`'s (with its settings); refuses a home marked for the other one."""
    found = marked(home)
    if found not in {None, kind}:
        raise WrongHome(f"{home} is a {found}'s home, not a {kind}'s")
    if kind is Deployable.HUB:
        refuse_linkage(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = json.dumps({**read_mark(home), "deployable": kind.value, **fields}, indent=2)
    staged = home / f".{MARK_FILE}.tmp"
    staged.write_text(body + "\n", encoding="utf-8")
    os.replace(staged, home / MARK_FILE)  # a crash leaves the old mark or the new, never half


def refuse_linkage(home: Path) -> None:
    if (home / LINKAGE_FILE).exists():
        raise LinkageAtHub(
            f"{home} holds a linkage secret ({LINKAGE_FILE}): a hub must never run beside one."
            " Move it to the gateways' escrow (docs/key-ceremony.md) and remove it from here"
        )
