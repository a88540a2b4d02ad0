"""`make ons-names` (scripts/ons_names.py) reads the ONS Open Geography Portal's paged answers
and writes the columns fingerpost reads; here the portal is a stand-in, the tests never fetch."""

import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ons_names.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ons_names", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pages(count: int, per_page: int) -> list[dict[str, Any]]:
    codes = [(f"E08{n:06d}", f"Place {n}") for n in range(count)]
    chunks = [codes[i : i + per_page] for i in range(0, count, per_page)]
    return [
        {
            "features": [{"attributes": {"LAD24CD": c, "LAD24NM": n}} for c, n in chunk],
            "exceededTransferLimit": i < len(chunks) - 1,
        }
        for i, chunk in enumerate(chunks)
    ]


def test_the_refresh_follows_every_page_and_writes_the_ons_columns(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = load()
    answers = iter(pages(361, 200))
    asked: list[str] = []

    def urlopen(url: str, timeout: float) -> io.BytesIO:
        asked.append(url)
        return io.BytesIO(json.dumps(next(answers)).encode())

    monkeypatch.setattr(script.urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(script, "TARGET", tmp_path / "lad-names.csv")
    assert script.main() == 0
    lines = (tmp_path / "lad-names.csv").read_text().splitlines()
    assert lines[0] == "LAD24CD,LAD24NM"
    assert len(lines) == 362
    assert "resultOffset=200" in asked[1]
    assert all("LAD_DEC_2024_UK_NC" in url for url in asked)


def test_a_short_answer_writes_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = load()
    monkeypatch.setattr(
        script.urllib.request,
        "urlopen",
        lambda url, timeout: io.BytesIO(json.dumps(pages(5, 200)[0]).encode()),
    )
    monkeypatch.setattr(script, "TARGET", tmp_path / "lad-names.csv")
    assert script.main() == 1
    assert not (tmp_path / "lad-names.csv").exists()
