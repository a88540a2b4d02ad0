"""Running `fingerpost` as a real process — to kill it — and finding what it left running."""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

FINGERPOST = Path(sys.executable).with_name("fingerpost")
GIVEN = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Noah", "Oliver", "Arthur", "Leo", "Muhammad"]
FAMILY = ["Harrison", "Smith", "Khan", "Okafor", "Wright", "Nowak", "Patel", "Evans", "Byrne"]


def register_rows(count: int, phone: str = "0113 496 0000") -> list[dict[str, str]]:
    """`count` valid register rows, each a different child (varied enough to encode and block
    like real ones), all with the practitioner's `phone`."""
    return [
        {
            "local_ref": f"K-{n:05d}",
            "given_names": GIVEN[n % len(GIVEN)],
            "family_name": f"{FAMILY[(n // len(GIVEN)) % len(FAMILY)]}-{n // 90}",
            "date_of_birth": f"{2008 + n % 15}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "postcode": f"LS{1 + n % 20} {n % 10}AB",
            "involvement": "child-in-need",
            "practitioner_name": "Priya Shah",
            "practitioner_phone": phone,
            "practitioner_email": "priya.shah@leeds.example.org",
            "start_date": "2024-02-01",
        }
        for n in range(count)
    ]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def start(
    home: Path, *args: str | Path, workers: int = 3, batch: int = 5_000
) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "FINGERPOST_HOME": str(home),
        "FINGERPOST_ENCODE_WORKERS": str(workers),
        "FINGERPOST_BATCH_SIZE": str(batch),
    }
    return subprocess.Popen(
        [str(FINGERPOST), *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    state = _stat(pid)
    return state is not None and state[0] not in {"Z", "X"}  # a zombie has finished


def children(pid: int) -> list[int]:
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and (state := _stat(int(entry.name))) and state[1] == pid
    ]


def wait_for_children(
    process: subprocess.Popen[bytes], *, count: int = 1, timeout: float = 30
) -> list[int]:
    """The encoding workers of a running command, once it has started `count` of them (fewer if
    it ends first)."""
    deadline = time.monotonic() + timeout
    found: list[int] = []
    while time.monotonic() < deadline and process.poll() is None:
        if len(found := children(process.pid)) >= count:
            break
        time.sleep(0.02)
    return found


def left_running(pids: Iterable[int], timeout: float = 5) -> list[int]:
    """Those of `pids` still running after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    pids = list(pids)
    while (running := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return running


def kill(pids: Iterable[int]) -> None:
    """Stop processes this test started (clean-up after a failure)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
