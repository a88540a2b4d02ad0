"""Which code a result came from: the commit of the checkout the bench runs in, and whether
files it tracks had been changed since. A figure read without it cannot be told apart from one
taken on other code (a held-out seed is read once: it must say by what)."""

import subprocess
from pathlib import Path

__all__ = ["code"]

_HERE = Path(__file__).resolve().parent


def code() -> dict[str, str | bool]:
    """{"commit": sha, "changed": bool}; {"commit": "unknown"} outside a git checkout."""
    try:
        commit = _git("rev-parse", "HEAD")
        changed = bool(_git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown"}
    return {"commit": commit, "changed": changed}


def _git(*arguments: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(_HERE), *arguments], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()
