"""The cycle collector in fingerpost's processes (ADR 0042).

A full collection scans every object a process holds: some 250,000 once FastAPI, SQLAlchemy,
pydantic and the matcher are loaded, which took 240-330 ms on the project's 2-core machines.
With the default thresholds one falls due about every 300 enquiries, and the enquiry it lands on
waits for it: the split bench's 99th-percentile stalls. Two remedies, one per kind of work:

- a serving process *settles* once it has started: one collection, then what is left (modules,
  the app, the loaded settings and keys) is set aside for good, so later full collections scan
  only what the process made since;
- bulk work (a register file, a batch at the hub) makes and drops millions of short-lived objects
  in no cycle that matters: while any is running, young objects are collected less often and,
  in a process that has not settled, what is loaded is set aside until the last one ends.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["bulk_memory", "settle", "settled"]

# During bulk work: a young collection every 50,000 allocations, not 700.
BULK_THRESHOLDS = (50_000, 50, 100)

_lock = threading.Lock()
_bulk_running = 0
_thresholds: tuple[int, int, int] = gc.get_threshold()
_settled = False


def settle() -> None:
    """Collect once, then set aside everything still alive from every later collection. For a
    serving process when it has started: what it holds then lives as long as it does."""
    global _settled  # noqa: PLW0603 - one process-wide state
    with _lock:
        gc.collect()
        gc.freeze()
        _settled = True


def settled() -> bool:
    return _settled


@contextmanager
def bulk_memory() -> Iterator[None]:
    """Thresholds (and, unless settled, the frozen set) are the process's, shared by its
    threads: counted, so they are put back only when the last bulk job ends."""
    global _bulk_running, _thresholds  # noqa: PLW0603 - one process-wide setting, counted
    with _lock:
        if _bulk_running == 0:
            _thresholds = gc.get_threshold()
            if not _settled:
                gc.freeze()
            gc.set_threshold(*BULK_THRESHOLDS)
        _bulk_running += 1
    try:
        yield
    finally:
        with _lock:
            _bulk_running -= 1
            if _bulk_running == 0:
                gc.set_threshold(*_thresholds)
                if not _settled:
                    # A settled process keeps its set-aside objects aside; unfreezing here would
                    # hand the whole loaded heap back to every full collection.
                    gc.unfreeze()
