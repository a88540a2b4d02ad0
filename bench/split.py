"""Through the split (ADR 0032, 0033): what a gateway in front of the hub costs, over loopback HTTP.

One file of ROWS involvements (synthetic registers joined; one agency registers every row).

Registration (unless `--no-register`): the file is registered twice into empty databases by the
real `fingerpost register` command in a child process, back to back: `in_process`, into a
single-process (development) home as before the split; `through_gateway`, in a gateway's home whose
hub is a `fingerpost hub serve` process of its own on 127.0.0.1 — encoding at the gateway, batches
over HTTP with the gateway's service token. Wall seconds and CPU seconds (the command and its
encoding workers; for the split, the hub process's too).

Enquiries: on a register of ROWS built once and kept (`bench/split_cache.py`), ENQUIRIES enquiries
by the other agency, made from rows spread through the file, are timed one at a time: first
in-process on a copy of it, then through a gateway to a `hub serve` process serving that same
copy (gateway encoding, HTTP, the hub's enquiry with its audit): p50/p95/p99 and CPU seconds.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.provenance import code
from bench.split_cache import (
    Built,
    build,
    children_cpu_s,
    copied,
    load_average,
    self_cpu_s,
    server_checkpoints,
    utc_now,
)

CLI = [str(Path(sys.executable).with_name("fingerpost"))]
# The bench's enquirers ask many times an hour; the hub's limits are not what is measured.
UNLIMITED = {"FINGERPOST_LIMIT_AGENCY_PER_HOUR": str(10**9)}
_TICKS = os.sysconf("SC_CLK_TCK")


def command(home: Path, *args: str | Path, url: str | None = None) -> float:
    """Run `fingerpost …` in `home`; its seconds (exit 0 or 1 only)."""
    env = os.environ | UNLIMITED | {"FINGERPOST_HOME": str(home)}
    if url:
        env["FINGERPOST_DATABASE_URL"] = url
    started = time.perf_counter()
    ran = subprocess.run([*CLI, *map(str, args)], env=env, capture_output=True, check=False)
    if ran.returncode not in {0, 1}:
        raise RuntimeError(f"fingerpost {args[0]} failed: {ran.stderr.decode()[-2000:]}")
    return time.perf_counter() - started


class Served:
    """A `fingerpost hub serve` process: its address and the CPU seconds it has used."""

    def __init__(self, process: "subprocess.Popen[bytes]", address: str) -> None:
        self.process, self.address = process, address

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


@contextmanager
def hub_process(home: Path, url: str) -> Iterator[Served]:
    """`fingerpost hub serve` in its own process, once it is ready."""
    from fingerpost.entrypoints.loopback import free_port

    port = free_port()
    env = os.environ | UNLIMITED | {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": url}
    process = subprocess.Popen([*CLI, "hub", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    address = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{address}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield Served(process, address)
    finally:
        process.terminate()
        process.wait(timeout=60)


def _enrol(hub_home: Path, gateway: Path, hub_url: str, agencies: list[str], url: str) -> None:
    """A gateway home for `agencies` with the bench's linkage secret, its key registered at the
    hub (the split's own commands)."""
    from bench.run import pin_linkage_secret

    command(gateway, "gateway", "init", "--hub", hub_url, "--name", "bench-gw")
    command(gateway, "gateway", "keys", "new")
    command(hub_home, "hub", "gateways", "add", "bench-gw", "--agencies", ",".join(agencies),
            "--public-key", gateway / "service-token.pub", url=url)  # fmt: skip
    pin_linkage_secret(gateway, 13)


def _asked(fp: Any, picked: list[tuple[str, dict[str, str]]]) -> tuple[list[float], int]:
    """As `bench.run.run_enquiries` (encoding and the enquiry timed), counting the signposts:
    the same count both ways says both paths did the same work."""
    from bench.run import PURPOSE, shifts
    from fingerpost.gateway.rows import parse_enquiry_row

    latencies: list[float] = []
    signposts = 0
    for actor, (_, row) in zip(shifts(picked), picked, strict=True):
        child = parse_enquiry_row(row).child
        started = time.perf_counter()
        result = fp.hub.enquire(actor, PURPOSE, fp.gateway.encode(child))
        latencies.append(time.perf_counter() - started)
        signposts += len(result.signposts)
    return latencies, signposts


def _timed(
    fp: Any, picked: list[tuple[str, dict[str, str]]], url: str | None = None
) -> dict[str, Any]:
    from bench.run import latency_ms
    from fingerpost.entrypoints.heap import settle

    _asked(fp, picked[:20])  # warm: connections, caches, the model
    settle()  # as a serving process (the gateway here, or in-process the whole) once started
    cpu, checkpoints = self_cpu_s(), server_checkpoints(url)
    latencies, signposts = _asked(fp, picked)
    return {
        "enquiries": len(latencies),
        "signposts": signposts,
        "enquiry": latency_ms(latencies),
        # Where the tail sits in the run (first enquiries: cold connections; evenly: background).
        "slowest": sorted(
            ((i, round(s * 1000, 1)) for i, s in enumerate(latencies)), key=lambda x: -x[1]
        )[:8],
        "cpu_s": round(self_cpu_s() - cpu, 2),
        "load_average": load_average(),
        # A server checkpoint during the run writes out the pages the copy dirtied: a disk stall
        # that every commit (each enquiry's audit event) waits behind.
        "server_checkpoints_during": server_checkpoints(url) - checkpoints,
    }


def _registered(seconds: float, cpu: float, rows: int) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "cpu_s": round(cpu, 1),
        "rows_per_cpu_s": round(rows / cpu),
        "load_average_after": load_average(),
    }


def registration(kept: Built, work: Path) -> dict[str, Any]:
    """The kept file into empty databases: in-process, then through a gateway."""
    from bench.run import database, pin_linkage_secret

    rows = int(kept.figures["rows"])
    dev, hub_home, gateway = work / "dev", work / "hub", work / "gateway"
    figures: dict[str, Any] = {"load_average_before": load_average()}
    with database(kept.backend, dev) as url:
        pin_linkage_secret(dev, 13)
        command(dev, "agencies", "import", kept.data / "agencies.csv", url=url)
        cpu = children_cpu_s()
        seconds = command(dev, "register", kept.file, "--agency", kept.registrant, url=url)
        figures["in_process"] = _registered(seconds, children_cpu_s() - cpu, rows)
    with database(kept.backend, hub_home) as url:
        command(hub_home, "hub", "init", url=url)
        command(hub_home, "agencies", "import", kept.data / "agencies.csv", url=url)
        with hub_process(hub_home, url) as hub:
            _enrol(hub_home, gateway, hub.address, [kept.registrant, kept.enquirer], url)
            cpu, hub_cpu = children_cpu_s(), hub.cpu_s()
            seconds = command(gateway, "register", kept.file, "--agency", kept.registrant)
            used = children_cpu_s() - cpu
            figures["through_gateway"] = _registered(seconds, used + hub.cpu_s() - hub_cpu, rows)
            figures["through_gateway"] |= {
                "gateway_cpu_s": round(used, 1),
                "hub_cpu_s": round(hub.cpu_s() - hub_cpu, 1),
            }
    return figures


def _hub_home(home: Path, hub_home: Path) -> None:
    """The kept single-process home as a hub's: its keys, no linkage secret, no database (the
    hub is pointed at the copy's)."""
    from fingerpost.adapters.keys import LINKAGE_FILE, LINKAGE_PIN_FILE
    from fingerpost.deployables.homes import Deployable, mark

    left_out = {LINKAGE_FILE, LINKAGE_PIN_FILE, "fingerpost.db", "fingerpost.db-wal",
                "fingerpost.db-shm"}  # fmt: skip
    hub_home.mkdir(mode=0o700)
    for path in home.iterdir():
        if path.name in left_out:
            continue
        if path.is_dir():  # the keyring
            shutil.copytree(path, hub_home / path.name)
        else:
            shutil.copy2(path, hub_home / path.name)
    mark(hub_home, Deployable.HUB)


def timed_enquiries(kept: Built, work: Path, count: int) -> dict[str, Any]:
    """`count` enquiries on a copy of the kept register: in-process, then through the split."""
    from bench.stream import _picked
    from fingerpost.bootstrap import bootstrap
    from fingerpost.config import Settings
    from fingerpost.deployables import open_gateway

    rows = int(kept.figures["rows"])
    picked = [(kept.enquirer, row) for row in _picked(kept.file, every=rows // count, count=count)]
    figures: dict[str, Any] = {}
    with copied(kept, work) as (home, url):
        fp = bootstrap(Settings(home=home, database_url=url, limit_agency_per_hour=10**9))
        figures["in_process"] = _timed(fp, picked, url)
        fp.close()
        hub_home, gateway = work / "hub-of-copy", work / "gateway-of-copy"
        _hub_home(home, hub_home)
        with hub_process(hub_home, url) as hub:
            _enrol(hub_home, gateway, hub.address, [kept.registrant, kept.enquirer], url)
            fp = open_gateway(Settings(home=gateway))
            hub_cpu = hub.cpu_s()
            timed = _timed(fp, picked, url)
            timed["hub_cpu_s"] = round(hub.cpu_s() - hub_cpu, 2)
            fp.close()
            figures["through_gateway"] = timed
    return figures


def run(
    rows: int, *, enquiries: int = 300, backend: str = "sqlite", register: bool = True
) -> dict[str, Any]:
    kept = build(rows, backend=backend)
    figures: dict[str, Any] = {
        "when": utc_now(),
        "backend": backend,
        "rows": kept.figures["rows"],
        "kept_register_built": kept.figures,
    }
    work = Path(tempfile.mkdtemp(prefix="fingerpost-split-"))
    try:
        if register:
            figures["registration"] = registration(kept, work / "registration")
        (work / "enquiries").mkdir()
        figures["enquiries"] = timed_enquiries(kept, work / "enquiries", enquiries)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def main(arguments: list[str]) -> None:
    """python -m bench.split ROWS [ENQUIRIES] [sqlite|postgresql] [--no-register] [--out FILE]"""
    import json

    out = arguments[arguments.index("--out") + 1] if "--out" in arguments else None
    register = "--no-register" not in arguments
    positional = [a for a in arguments if not a.startswith("--") and a != out]
    started_cpu = self_cpu_s() + children_cpu_s()
    figures = {
        "command": "python -m bench.split " + " ".join(arguments),
        "code": code(),
        "load_average_at_start": load_average(),
        **run(
            int(positional[0]),
            enquiries=int(positional[1]) if len(positional) > 1 else 300,
            backend=positional[2] if len(positional) > 2 else "sqlite",
            register=register,
        ),
    }
    figures["load_average_at_end"] = load_average()
    figures["bench_cpu_s"] = round(self_cpu_s() + children_cpu_s() - started_cpu, 1)
    text = json.dumps(figures, indent=2)
    print(text)
    if out:
        Path(out).write_text(text + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
