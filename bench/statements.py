"""What one enquiry asks of PostgreSQL (ADR 0043): statements, round trips and the time spent
waiting on the server, per enquiry, in-process and at a hub behind a gateway.

    python -m bench.statements ROWS [ENQUIRIES] [--split]

On a copy of the kept PostgreSQL register of ROWS (`bench/split_cache.py`, built if missing),
ENQUIRIES enquiries (after 20 to warm) are made as `bench.split` makes them: in-process, or with
`--split` through a gateway to the hub's own application served by uvicorn in this process (so
that the hub's statements are counted here; the gateway touches no database). Counted at the
driver (psycopg 3), beneath SQLAlchemy, since the hot path hands some statements to the driver
directly: every statement sent, every round trip (a wait for the server's answer: an implicit
BEGIN is one, so is COMMIT; statements pipelined together are one) and the time spent in them,
by statement (a pipelined statement's time is only its sending).

A diagnostic, not a timing: the counting itself costs a few microseconds a statement.
"""

import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import _cursor_base, _pipeline_base, generators

_lock = threading.Lock()


class Tally:
    """Statements and round trips since the last `take`."""

    def __init__(self) -> None:
        self.statements: Counter[str] = Counter()
        self.round_trips = 0
        self.waited_s = 0.0
        self.waits: dict[str, float] = defaultdict(float)  # seconds, by statement

    def take(self) -> "Tally":
        with _lock:
            taken = Tally()
            taken.__dict__.update(self.__dict__)
            self.__init__()  # type: ignore[misc]
            return taken


TALLY = Tally()


def _shape(query: object) -> str:
    """A statement's kind: its text with literals and lists folded, first 90 characters."""
    text = query.decode() if isinstance(query, bytes) else str(query)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\(%\(\w+\)s(, %\(\w+\)s)+\)", "(…)", text)
    return text[:90]


def _counted_generator(original: Callable[..., Generator[Any, Any, Any]]) -> Any:
    def counted(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        with _lock:
            TALLY.round_trips += 1
        return (yield from original(*args, **kwargs))

    return counted


def _counted_method(name: str, original: Callable[..., Any]) -> Any:
    def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, query, *args, **kwargs)
        finally:
            shape = f"{name}: {_shape(query)}"
            with _lock:
                TALLY.statements[shape] += 1
                TALLY.waited_s += time.perf_counter() - started
                TALLY.waits[shape] += time.perf_counter() - started

    return counted


def _counted_wait(original: Callable[..., Any]) -> Any:
    def wait(self: Any, gen: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(gen, "__name__", "") or getattr(gen, "__qualname__", "")
        started = time.perf_counter()
        try:
            return original(self, gen, *args, **kwargs)
        finally:
            if "commit" in name or "rollback" in name:
                with _lock:
                    shape = name.strip("_").removesuffix("_gen").upper()
                    TALLY.statements[shape] += 1
                    TALLY.waited_s += time.perf_counter() - started
                    TALLY.waits[shape] += time.perf_counter() - started

    return wait


def _counted_pipeline() -> None:
    """A pipeline's round trips: its closing sync, and each fetch that flushes before it."""
    base = _pipeline_base.BasePipeline
    exit_gen, fetch_gen = base._exit_gen, base._fetch_gen
    closing = threading.local()

    def counted_exit(self: Any) -> Generator[Any, Any, Any]:
        with _lock:
            TALLY.round_trips += 1
        closing.now = True
        try:
            return (yield from exit_gen(self))
        finally:
            closing.now = False

    def counted_fetch(self: Any, *, flush: bool) -> Generator[Any, Any, Any]:
        if flush and self.result_queue and not getattr(closing, "now", False):
            with _lock:
                TALLY.round_trips += 1
        return (yield from fetch_gen(self, flush=flush))

    base._exit_gen = counted_exit  # type: ignore[method-assign]
    base._fetch_gen = counted_fetch  # type: ignore[method-assign]


def install() -> None:
    """Count from now on, in every thread of this process."""
    _counted_pipeline()
    _cursor_base.execute = _counted_generator(_cursor_base.execute)  # type: ignore[attr-defined]
    generators.execute = _counted_generator(generators.execute)
    cursor = psycopg.Cursor
    cursor.execute = _counted_method("execute", cursor.execute)  # type: ignore[method-assign]
    cursor.executemany = _counted_method("executemany", cursor.executemany)  # type: ignore[method-assign]
    cursor.copy = _counted_method("copy", cursor.copy)  # type: ignore[method-assign]
    psycopg.Connection.wait = _counted_wait(psycopg.Connection.wait)  # type: ignore[method-assign]


@contextmanager
def _hub_in_this_process(home: Path, url: str) -> Iterator[str]:
    """`fingerpost hub serve`'s application on loopback, in a thread of this process."""
    from fingerpost.config import Settings
    from fingerpost.deployables.hub import open_hub
    from fingerpost.entrypoints.hub_app import create_hub_app
    from fingerpost.entrypoints.logs import configure
    from fingerpost.entrypoints.loopback import serving

    configure("warning")
    fp = open_hub(Settings(home=home, database_url=url, limit_agency_per_hour=10**9))
    try:
        with serving(create_hub_app(fp)) as address:
            yield address
    finally:
        fp.close()


def _per_enquiry(fp: Any, picked: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    from bench.run import PURPOSE, shifts
    from fingerpost.gateway.rows import parse_enquiry_row

    actors = shifts(picked)
    for actor, (_, row) in zip(actors[:20], picked[:20], strict=True):  # warm
        fp.hub.enquire(actor, PURPOSE, fp.gateway.encode(parse_enquiry_row(row).child))
    TALLY.take()
    total = Tally()
    per: list[tuple[int, int, float]] = []
    for actor, (_, row) in zip(actors[20:], picked[20:], strict=True):
        child = fp.gateway.encode(parse_enquiry_row(row).child)
        TALLY.take()
        fp.hub.enquire(actor, PURPOSE, child)
        one = TALLY.take()
        per.append((sum(one.statements.values()), one.round_trips, one.waited_s))
        total.statements.update(one.statements)
        for shape, seconds in one.waits.items():
            total.waits[shape] += seconds
        total.round_trips += one.round_trips
        total.waited_s += one.waited_s
    n = len(per)
    return {
        "enquiries": n,
        "statements_per_enquiry": round(sum(p[0] for p in per) / n, 2),
        "round_trips_per_enquiry": round(sum(p[1] for p in per) / n, 2),
        "waited_ms_per_enquiry": round(1000 * sum(p[2] for p in per) / n, 2),
        "by_statement (per enquiry: count, ms)": {
            k: [round(v / n, 2), round(1000 * total.waits[k] / n, 2)]
            for k, v in total.statements.most_common()
        },
    }


def run(rows: int, count: int, *, split: bool) -> dict[str, Any]:
    from bench.split import _enrol, _hub_home
    from bench.split_cache import build, copied
    from bench.stream import _picked
    from fingerpost.bootstrap import bootstrap
    from fingerpost.config import Settings
    from fingerpost.deployables import open_gateway

    kept = build(rows, backend="postgresql")
    every = int(kept.figures["rows"]) // (count + 20)
    picked = [(kept.enquirer, row) for row in _picked(kept.file, every=every, count=count + 20)]
    work = Path(tempfile.mkdtemp(prefix="fingerpost-statements-"))
    install()
    with copied(kept, work) as (home, url):
        if not split:
            fp = bootstrap(Settings(home=home, database_url=url, limit_agency_per_hour=10**9))
            try:
                return {"path": "in-process", **_per_enquiry(fp, picked)}
            finally:
                fp.close()
        hub_home, gateway = work / "hub", work / "gateway"
        _hub_home(home, hub_home)
        with _hub_in_this_process(hub_home, url) as address:
            _enrol(hub_home, gateway, address, [kept.registrant, kept.enquirer], url)
            fp = open_gateway(Settings(home=gateway))
            try:
                return {"path": "at the hub, through a gateway", **_per_enquiry(fp, picked)}
            finally:
                fp.close()


def main(arguments: list[str]) -> None:
    import json

    positional = [a for a in arguments if not a.startswith("--")]
    rows = int(positional[0])
    count = int(positional[1]) if len(positional) > 1 else 100
    found = run(rows, count, split="--split" in arguments)
    if "--json" in arguments:
        print(json.dumps(found, indent=1))
        return
    by = found.pop("by_statement (per enquiry: count, ms)")
    print(json.dumps(found))
    for shape, (times, ms) in by.items():
        print(f"{times:6.2f} {ms:7.2f} ms  {shape}")


if __name__ == "__main__":
    main(sys.argv[1:])
