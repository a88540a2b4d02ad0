"""Registers the size of a real one, built once and kept, for timing enquiries through the split.

A million rows through `fingerpost register` takes the better part of an hour on a shared
machine: too long to repeat for every run of `bench/split.py`. The register is built once per
(rows, seed, backend) by the real command in a single-process home whose linkage secret is pinned
from the seed (`bench.run.pin_linkage_secret`, which every gateway of the bench then holds too),
and kept under the bench's cache directory: the home with its keys, and the database — a file for
SQLite, a database of its own for PostgreSQL. Each run works on a copy, so its enquiries' audit
events never reach the kept one. That build is itself the in-process registration figure at that
size (an empty database filled by one file), and is kept beside it in `built.json`.

Nothing here shortcuts what is timed: the copy is served by a real `fingerpost hub serve`, whose
home is the kept one without its linkage secret, and reached by a gateway over loopback HTTP.
"""

import json
import os
import resource
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.stream import INVOLVEMENTS_PER_CHILD, _enquirer, _one_file
from fingerpost.synth import write_dataset

CACHE_ENV = "FINGERPOST_BENCH_CACHE"
BUILT = "built.json"


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "fingerpost-bench")


def children_cpu_s() -> float:
    """CPU seconds of the child processes waited for so far (the commands and their workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def self_cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True)
class Built:
    """A kept register: its data, its single-process home, and how it was built."""

    root: Path
    backend: str
    figures: dict[str, Any]

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def file(self) -> Path:
        return self.root / "register.csv"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def registrant(self) -> str:
        return str(self.figures["registrant"])

    @property
    def enquirer(self) -> str:
        return str(self.figures["enquirer"])

    @property
    def database(self) -> str:
        """The kept database's name (PostgreSQL) or file (SQLite)."""
        return str(self.figures["database"])


def _postgres_url(name: str) -> str:
    from bench.run import POSTGRES_ADMIN_URL

    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def server_checkpoints(url: str | None) -> int:
    """How many checkpoints the PostgreSQL server has made so far (0 for SQLite)."""
    if not url or not url.startswith("postgresql"):
        return 0
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            made = connection.execute(
                text("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")
            ).scalar_one()
    finally:
        engine.dispose()
    return int(made)


def _admin(statement: str) -> None:
    from bench.run import POSTGRES_ADMIN_URL

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def build(rows: int, *, backend: str = "sqlite", seed: int = 13) -> Built:
    """The kept register of `rows` rows, built now if it is not kept yet."""
    from bench.run import pin_linkage_secret
    from bench.split import command

    root = cache_root() / f"split-{rows}-seed{seed}-{backend}"
    if (root / BUILT).exists():
        return Built(root, backend, json.loads((root / BUILT).read_text()))
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    kept = Built(root, backend, {})
    write_dataset(kept.data, seed=seed, children=round(rows / INVOLVEMENTS_PER_CHILD) + 100,
                  agencies=2, enquiries=0, as_of=date.today())  # fmt: skip
    written = _one_file(kept.data, kept.file, rows)
    registrant = next(kept.data.glob("register-*.csv")).stem.removeprefix("register-")
    database = f"fingerpost_bench_split_{rows}_{seed}"
    if backend == "sqlite":
        url = f"sqlite:///{kept.home / 'fingerpost.db'}"
    else:
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{database}"')
        url = _postgres_url(database)
    pin_linkage_secret(kept.home, seed)
    command(kept.home, "agencies", "import", kept.data / "agencies.csv", url=url)
    figures = {"when": utc_now(), "load_average": load_average(), "rows": written}
    cpu = children_cpu_s()
    seconds = command(kept.home, "register", kept.file, "--agency", registrant, url=url)
    cpu = children_cpu_s() - cpu
    figures |= {
        "registrant": registrant,
        "enquirer": _enquirer(kept.data, registrant),
        "database": database if backend != "sqlite" else "fingerpost.db",
        "seed": seed,
        "in_process_build": {
            "seconds": round(seconds, 1),
            "rows_per_s": round(written / seconds),
            "cpu_s": round(cpu, 1),
            "rows_per_cpu_s": round(written / cpu),
            "load_average_after": load_average(),
        },
    }
    (root / BUILT).write_text(json.dumps(figures, indent=2))
    return Built(root, backend, figures)


@contextmanager
def copied(kept: Built, work: Path) -> Iterator[tuple[Path, str]]:
    """A copy of the kept home (linkage secret and all) and of its database, for one run:
    (home, database URL). The kept ones are never written to."""
    home = work / "copy"
    shutil.copytree(kept.home, home)
    if kept.backend == "sqlite":
        yield home, f"sqlite:///{home / 'fingerpost.db'}"
        return
    name = f"{kept.database}_copy_{os.getpid()}_{int(time.time())}"
    # FILE_COPY, not PostgreSQL 15's default WAL_LOG: the copy is not written through the WAL,
    # so no checkpoint falls due in the middle of the timed enquiries to write it out again.
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{kept.database}" STRATEGY FILE_COPY')
    try:
        yield home, _postgres_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
