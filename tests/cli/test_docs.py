"""Every command in `fingerpost --help` and every setting is documented (README.md or docs/)."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

from fingerpost.config import Settings
from fingerpost.entrypoints.cli import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def documentation() -> str:
    pages = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages if page.exists())


def command_paths(command: Any, prefix: str = "fingerpost") -> list[str]:
    """Every runnable command of a (Typer-built) click group, as typed on the command line."""
    if hasattr(command, "commands"):
        return [
            path
            for name, sub in sorted(command.commands.items())
            if not sub.hidden
            for path in command_paths(sub, f"{prefix} {name}")
        ]
    return [prefix]


COMMANDS = command_paths(typer.main.get_command(app))
SETTINGS = [f"FINGERPOST_{name.upper()}" for name in Settings.model_fields]


def test_the_cli_has_the_contract_commands() -> None:
    for command in (
        "fingerpost init",
        "fingerpost agencies import",
        "fingerpost register",
        "fingerpost enquire",
        "fingerpost tokens create",
        "fingerpost audit verify",
    ):
        assert command in COMMANDS


def test_every_command_is_documented() -> None:
    text = documentation()
    assert [command for command in COMMANDS if command not in text] == []


def test_the_command_reference_is_current(tmp_path: Path) -> None:
    """docs/cli.md is generated from the commands themselves (`make docs`): never stale."""
    fresh = tmp_path / "cli.md"
    subprocess.run(
        [sys.executable, "-m", "typer", "fingerpost.entrypoints.cli", "utils", "docs",
         "--name", "fingerpost", "--title", "fingerpost command line", "--output", str(fresh)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    assert fresh.read_text(encoding="utf-8") == (DOCS / "cli.md").read_text(encoding="utf-8"), (
        "docs/cli.md is out of date: run `make docs`"
    )


def test_every_setting_is_documented() -> None:
    text = documentation()
    assert [setting for setting in SETTINGS if f"`{setting}`" not in text] == []
