"""Through the split (ADR 0032): what a gateway in front of the hub costs, over loopback HTTP.

One file of ROWS involvements (synthetic registers joined; one agency registers every row) is
registered twice by the real `fingerpost register` command in a child process:

1. `in_process`: into a single-process (development) home, as today;
2. `through_gateway`: in a gateway's home, the hub a `fingerpost hub serve` process of its own
   on 127.0.0.1 — encoding at the gateway, batches over HTTP with the gateway's service token.

Then ENQUIRIES enquiries by another agency, made from rows spread through the file, are timed
one at a time against both (gateway encoding + the hub's enquiry, audit included): p50/p95/p99.
With `--postgres` the hub's database is a throw-away PostgreSQL database too.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.stream import INVOLVEMENTS_PER_CHILD, _enquirer, _one_file, _picked
from fingerpost.synth import write_dataset

CLI = [str(Path(sys.executable).with_name("fingerpost"))]
# The bench's enquirers ask many times an hour; the hub's limits are not what is measured.
UNLIMITED = {"FINGERPOST_LIMIT_AGENCY_PER_HOUR": str(10**9)}


def _command(home: Path, *args: str | Path, url: str | None = None) -> float:
    """Run `fingerpost …` in `home`; its seconds (exit 0 or 1 only)."""
    env = os.environ | UNLIMITED | {"FINGERPOST_HOME": str(home)}
    if url:
        env["FINGERPOST_DATABASE_URL"] = url
    started = time.perf_counter()
    ran = subprocess.run([*CLI, *map(str, args)], env=env, capture_output=True, check=False)
    if ran.returncode not in {0, 1}:
        raise RuntimeError(f"fingerpost {args[0]} failed: {ran.stderr.decode()[-2000:]}")
    return time.perf_counter() - started


@contextmanager
def _hub(home: Path, url: str) -> Iterator[str]:
    """`fingerpost hub serve` in its own process; yields its address once it is ready."""
    from bench.run import free_port

    port = free_port()
    env = os.environ | UNLIMITED | {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": url}
    process = subprocess.Popen([*CLI, "hub", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    address = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{address}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=30)


def _enrol(
    hub_home: Path, gateway_home: Path, hub_url: str, agencies: list[str], database: str
) -> None:
    """A gateway home for `agencies`, its key registered at the hub (split's commands)."""
    _command(gateway_home, "gateway", "init", "--hub", hub_url, "--name", "bench-gw")
    _command(gateway_home, "gateway", "keys", "new")
    _command(hub_home, "hub", "gateways", "add", "bench-gw", "--agencies", ",".join(agencies),
             "--public-key", gateway_home / "service-token.pub", url=database)  # fmt: skip


def _timed(fp: Any, picked: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    from bench.run import latency_ms, run_enquiries

    run_enquiries(fp, None, picked[:20], timed=False)  # warm: connections, caches, the model
    _, latencies = run_enquiries(fp, None, picked, timed=True)
    return {"enquiries": len(latencies), "enquiry": latency_ms(latencies)}


def run(rows: int, *, enquiries: int = 300, backend: str = "sqlite") -> dict[str, Any]:
    from bench.run import database, pin_linkage_secret
    from fingerpost.bootstrap import bootstrap
    from fingerpost.config import Settings
    from fingerpost.deployables import open_gateway

    work = Path(tempfile.mkdtemp(prefix="fingerpost-split-"))
    data, big = work / "data", work / "register.csv"
    write_dataset(data, seed=13, children=round(rows / INVOLVEMENTS_PER_CHILD) + 100,
                  agencies=2, enquiries=0, as_of=date.today())  # fmt: skip
    written = _one_file(data, big, rows)
    registrant = next(data.glob("register-*.csv")).stem.removeprefix("register-")
    enquirer = _enquirer(data, registrant)
    picked = [(enquirer, row) for row in _picked(big, every=written // enquiries, count=enquiries)]
    figures: dict[str, Any] = {"backend": backend, "rows": written}
    try:
        dev, hub_home, gateway = work / "dev", work / "hub", work / "gateway"
        with database(backend, dev) as url:
            pin_linkage_secret(dev, 13)
            _command(dev, "agencies", "import", data / "agencies.csv", url=url)
            seconds = _command(dev, "register", big, "--agency", registrant, url=url)
            fp = bootstrap(Settings(home=dev, database_url=url, limit_agency_per_hour=10**9))
            figures["in_process"] = {"rows_per_s": round(written / seconds), **_timed(fp, picked)}
            fp.close()
        with database(backend, hub_home) as url:
            _command(hub_home, "hub", "init", url=url)
            _command(hub_home, "agencies", "import", data / "agencies.csv", url=url)
            with _hub(hub_home, url) as hub_url:
                _enrol(hub_home, gateway, hub_url, [registrant, enquirer], url)
                pin_linkage_secret(gateway, 13)
                seconds = _command(gateway, "register", big, "--agency", registrant)
                fp = open_gateway(Settings(home=gateway), create=False)
                timed = _timed(fp, picked)
                fp.close()
                figures["through_gateway"] = {"rows_per_s": round(written / seconds), **timed}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


if __name__ == "__main__":  # python -m bench.split ROWS [ENQUIRIES] [sqlite|postgresql]
    import json

    arguments = sys.argv[1:]
    print(json.dumps(run(int(arguments[0]), enquiries=int(arguments[1]) if len(arguments) > 1
                         else 300, backend=arguments[2] if len(arguments) > 2 else "sqlite"),
                     indent=2))  # fmt: skip
