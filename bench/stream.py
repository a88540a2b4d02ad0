"""One very large register file through `fingerpost register`, in its own process: does memory
stay bounded however long the file is?

Synthetic registers are joined into one file of the size asked for (one agency registers every
row; local references stay unique), registered by the real command in a child process while its
resident memory — the command and its encoding workers together — is sampled. Reports rows/s
and the peak memory at each tenth of the file: bounded streaming means the later tenths need
no more than the first.

With enquiries asked for, another agency also makes one enquiry a second while the file
registers: each register batch holds SQLite's write lock for its whole transaction, and an
enquiry (which writes its audit event) waits for it. Then the same number of enquiries is timed
against the finished register. With `--postgres` the same run is made on PostgreSQL too (a
throw-away database), where writers lock rows, not the database.
"""

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fingerpost.synth import write_dataset

if TYPE_CHECKING:
    from fingerpost.config import Settings

INVOLVEMENTS_PER_CHILD = 1.3  # with two agencies; the file is cut to size
SAMPLE_EVERY_S = 0.25
ASK_EVERY_S = 1.0  # while registering: one enquiry a second, a busy night's rate and then some


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants (Linux /proc), in KiB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        pending += [int(child) for child in children]
    return total


def _one_file(data: Path, out: Path, rows: int) -> int:
    """Join the agencies' registers into one file of at most `rows` rows; returns rows written."""
    written = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer: Any = None
        for path in sorted(data.glob("register-*.csv")):
            with path.open(encoding="utf-8") as source:
                reader = csv.DictReader(source)
                if writer is None:
                    writer = csv.DictWriter(handle, fieldnames=reader.fieldnames or [])
                    writer.writeheader()
                for row in reader:
                    if written == rows:
                        return written
                    writer.writerow(row)
                    written += 1
    return written


def _enquirer(data: Path, registrant: str) -> str:
    with (data / "agencies.csv").open(encoding="utf-8") as handle:
        return next(r["code"] for r in csv.DictReader(handle) if r["code"] != registrant)


def _picked(big: Path, *, every: int, count: int) -> list[dict[str, str]]:
    """`count` enquiry rows made from every `every`-th register row of the file."""
    with big.open(encoding="utf-8") as handle:
        spread = islice(csv.DictReader(handle), 0, None, max(1, every))
        asked = (
            {"enquiry_ref": f"E{n}", **{k: row[k] for k in ENQUIRY_FIELDS}}
            for n, row in enumerate(spread)
        )
        # A register row may hold too little to be asked about (a name alone): the hub refuses
        # such an enquiry, so it is not one of those timed.
        return list(islice(filter(_askable, asked), count))


def _enquiries(
    settings: "Settings", data: Path, big: Path, *, written: int, registrant: str, count: int
) -> dict[str, Any]:
    """`count` enquiries by another agency, made from rows spread through the file, against the
    home just registered: how enquiry cost grows with the register's size."""
    from bench.run import latency_ms, matching_only, run_enquiries
    from fingerpost.bootstrap import bootstrap

    enquirer = _enquirer(data, registrant)
    picked = [(enquirer, row) for row in _picked(big, every=written // count, count=count)]
    fp = bootstrap(settings)
    try:
        _, whole = run_enquiries(fp, None, picked, timed=True)
        alone = matching_only(fp, picked)
    finally:
        fp.close()
    return {
        "enquiries": len(picked),
        "enquiry": latency_ms(whole),
        "matching_only": latency_ms(alone),
    }


class _WhileRegistering:
    """Enquiries by another agency, one every ASK_EVERY_S, while the file registers."""

    def __init__(self, settings: "Settings", data: Path, big: Path, *, registrant: str) -> None:
        from fingerpost.bootstrap import bootstrap

        self._fp = bootstrap(settings)
        self._agency = _enquirer(data, registrant)
        self._rows = _picked(big, every=1, count=1000)  # the file's first rows: found soon
        self._next = time.perf_counter() + ASK_EVERY_S
        self.latencies: list[float] = []
        self.failed: list[str] = []

    def maybe_ask(self) -> None:
        from bench.run import ENQUIRIES_PER_USER, PURPOSE, practitioner
        from fingerpost.gateway import parse_enquiry_row

        if time.perf_counter() < self._next or not self._rows:
            return
        n = len(self.latencies) + len(self.failed)
        row = self._rows[n % len(self._rows)]
        actor = practitioner(self._agency, 100_000 + n // ENQUIRIES_PER_USER)
        started = time.perf_counter()
        try:
            query = self._fp.gateway.encode(parse_enquiry_row(row).child)
            self._fp.hub.enquire(actor, PURPOSE, query)
        except Exception as error:  # noqa: BLE001 - a refused or timed-out enquiry is a finding
            self.failed.append(type(error).__name__)
        else:
            self.latencies.append(time.perf_counter() - started)
        self._next = time.perf_counter() + ASK_EVERY_S

    def figures(self) -> dict[str, Any]:
        from bench.run import latency_ms

        self._fp.close()
        return {
            "enquiries": len(self.latencies),
            "enquiry": latency_ms(self.latencies) if self.latencies else None,
            "max_ms": round(max(self.latencies, default=0.0) * 1000, 1),
            "failed": len(self.failed),
            "failures": sorted(set(self.failed)),
        }


def _askable(row: dict[str, str]) -> bool:
    from fingerpost.domain.errors import DomainError
    from fingerpost.gateway import parse_enquiry_row

    try:
        parse_enquiry_row(row)
    except DomainError:
        return False
    return True


ENQUIRY_FIELDS = (
    "nhs_number", "given_names", "family_name", "other_names", "date_of_birth", "sex", "postcode",
)  # fmt: skip


def run(rows: int, *, enquiries: int = 0, backend: str = "sqlite") -> dict[str, Any]:
    from bench.run import database

    work = Path(tempfile.mkdtemp(prefix="fingerpost-stream-"))
    data, home, big = work / "data", work / "home", work / "register.csv"
    write_dataset(
        data,
        seed=11,
        children=round(rows / INVOLVEMENTS_PER_CHILD) + 100,
        agencies=2,
        enquiries=0,
        as_of=date.today(),
    )
    written = _one_file(data, big, rows)
    try:
        with database(backend, home) as url:
            figures = _registered(data, home, big, url, written=written, enquiries=enquiries)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"backend": backend, "rows": written, **figures}


def _registered(
    data: Path, home: Path, big: Path, url: str, *, written: int, enquiries: int
) -> dict[str, Any]:
    from fingerpost.config import Settings

    cli = [str(Path(sys.executable).with_name("fingerpost"))]  # the installed command
    env = os.environ | {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": url}
    settings = Settings(home=home, database_url=url, limit_agency_per_hour=10**9)
    subprocess.run([*cli, "agencies", "import", str(data / "agencies.csv")], env=env,
                   check=True, capture_output=True)  # fmt: skip
    agency = next(data.glob("register-*.csv")).stem.removeprefix("register-")
    during = _WhileRegistering(settings, data, big, registrant=agency) if enquiries else None
    started = time.perf_counter()
    process = subprocess.Popen(
        [*cli, "register", str(big), "--agency", agency],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    samples: list[tuple[float, int]] = []
    while process.poll() is None:
        samples.append((time.perf_counter() - started, _tree_rss_kib(process.pid)))
        if during is not None:
            during.maybe_ask()
        time.sleep(SAMPLE_EVERY_S)
    seconds = time.perf_counter() - started
    while_registering = during.figures() if during is not None else None
    _, stderr = process.communicate()
    if process.returncode not in {0, 1}:
        raise RuntimeError(f"register failed ({process.returncode}): {stderr.decode()[-2000:]}")
    asked = (
        _enquiries(settings, data, big, written=written, registrant=agency, count=enquiries)
        if enquiries
        else None
    )
    tenths = [
        round(max((rss for at, rss in samples if at <= seconds * t / 10), default=0) / 1024, 1)
        for t in range(1, 11)
    ]
    return {
        "seconds": round(seconds, 1),
        "rows_per_s": round(written / seconds),
        "peak_rss_mib": max(tenths),
        "peak_rss_mib_by_tenth": tenths,
        "summary": stderr.decode().strip().splitlines()[-1] if stderr else "",
        "enquiries_while_registering": while_registering,
        "enquiries_against_it": asked,
    }
