"""Nightly snapshots through `fingerpost sync`, in their own process: how fast is "unchanged", and
does memory stay bounded however long the file is? (`--sync ROWS`, docs/adr/0021.)

One agency's file of ROWS rows (synthetic registers joined, as `--stream` does) is synced four
times by the real command in a child process whose resident memory — the command and its
encoding workers together — is sampled:

1. `first`: into an empty register (every row new: encoded, stored, digested);
2. `unchanged`: the same file again — every row unchanged, decided by the keyed row digest
   without encoding: the figure the issue sets at ≥ 20,000 rows/s;
3. `dry run` of a typical night's file: 1 % of rows changed (another practitioner), 0.5 % gone,
   1 % new — the counts only;
4. `nightly`: that file for real.
"""

import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.stream import INVOLVEMENTS_PER_CHILD, SAMPLE_EVERY_S, _one_file, _tree_rss_kib
from fingerpost.synth import write_dataset

CHANGED, GONE, NEW = 0.01, 0.005, 0.01  # a night's differences, as shares of the file


def _tonight(big: Path, out: Path, spare: Path) -> dict[str, int]:
    """The night after: every 100th row changes hands, every 200th has gone, and rows from a
    spare file (children the agency had not met) are added: 1 % of the file."""
    counts = {"changed": 0, "gone": 0, "new": 0}
    with (
        big.open(encoding="utf-8", newline="") as source,
        out.open("w", encoding="utf-8", newline="") as handle,
    ):
        reader = csv.DictReader(source)
        writer = csv.DictWriter(handle, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        rows = 0
        for n, row in enumerate(reader):
            rows += 1
            if n % round(1 / GONE) == 1:
                counts["gone"] += 1
                continue
            if n % round(1 / CHANGED) == 0:
                row["practitioner_name"] = "Nadia Rahman"
                counts["changed"] += 1
            writer.writerow(row)
        with spare.open(encoding="utf-8", newline="") as extra:
            for n, row in enumerate(csv.DictReader(extra)):
                if n == round(rows * NEW):
                    break
                row["local_ref"] = f"NEW-{n}"
                writer.writerow(row)
                counts["new"] += 1
    return counts


def _timed(cli: list[str], env: dict[str, str], *args: str) -> dict[str, Any]:
    """One command in a child process: wall and CPU seconds (the command and its encoding
    workers: on a shared machine the wall clock says as much about the neighbours), peak
    resident memory, its summary line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [*cli, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kib(process.pid))
        time.sleep(SAMPLE_EVERY_S)
    seconds = time.perf_counter() - started
    _, stderr = process.communicate()
    if process.returncode not in {0, 1}:
        raise RuntimeError(f"{args[0]} failed ({process.returncode}): {stderr.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = stderr.decode().strip().splitlines()[-1] if stderr else ""
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "load_average": round(os.getloadavg()[0], 2),  # the neighbours' share of the 2 cores
        "peak_rss_mib": round(peak / 1024, 1),
        "summary": summary,
    }


def run(rows: int, *, backend: str = "sqlite") -> dict[str, Any]:
    from bench.run import database

    work = Path(tempfile.mkdtemp(prefix="fingerpost-sync-"))
    data, spare_data, home = work / "data", work / "spare", work / "home"
    big, tonight, spare = work / "register.csv", work / "tonight.csv", work / "spare.csv"
    children = round(rows / INVOLVEMENTS_PER_CHILD) + 100
    write_dataset(data, seed=11, children=children, agencies=2, enquiries=0, as_of=date.today())
    written = _one_file(data, big, rows)
    extra = round(rows * NEW) + 10
    write_dataset(spare_data, seed=12, children=extra, agencies=2, enquiries=0, as_of=date.today())
    _one_file(spare_data, spare, extra)
    night = _tonight(big, tonight, spare)
    shutil.rmtree(spare_data, ignore_errors=True)
    cli = [str(Path(sys.executable).with_name("fingerpost"))]  # the installed command
    try:
        with database(backend, home) as url:
            env = os.environ | {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": url}
            subprocess.run([*cli, "agencies", "import", str(data / "agencies.csv")], env=env,
                           check=True, capture_output=True)  # fmt: skip
            agency = next(data.glob("register-*.csv")).stem.removeprefix("register-")
            sync = ("sync", "--agency", agency)
            steps = {
                "first": _timed(cli, env, *sync, str(big)),
                "unchanged": _timed(cli, env, *sync, str(big)),
                "dry_run": _timed(cli, env, *sync, "--dry-run", str(tonight)),
                "nightly": _timed(cli, env, *sync, str(tonight)),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = {"first": written, "unchanged": written}
    lines["dry_run"] = lines["nightly"] = written - night["gone"] + night["new"]
    for name, step in steps.items():
        step["rows"] = lines[name]
        step["rows_per_s"] = round(lines[name] / step["seconds"])
        step["rows_per_cpu_s"] = round(lines[name] / max(step["cpu_seconds"], 0.01))
    return {"backend": backend, "rows": written, "tonight": night, **steps}
