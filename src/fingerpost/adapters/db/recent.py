"""Rows read lately, used again for a few seconds instead of read again (docs/adr/0043).

Every call of the hub reads its gateway's registration and the agencies it meets, and on
PostgreSQL each read is a round trip that costs more than the matching of several candidates.
What is kept here is used for at most `fresh_for` seconds after it was read; a change made
through this process (`forget`) takes effect at once, one made by another process (the command
line, another worker) within `fresh_for` seconds.

A read that was under way while a change was made could hand back what the change replaced:
each read takes a ticket (`ticket()`) before it asks the database, and what it read is kept
only if nothing was forgotten since.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Recent"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Values by key, each used for `fresh_for` seconds (of `clock`, monotonic) after it
    was read. `fresh_for` 0 keeps nothing."""

    def __init__(self, fresh_for: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._fresh_for = fresh_for
        self._clock = clock
        self._kept: dict[K, tuple[float, V]] = {}
        self._changes = 0  # how many times something was forgotten
        self._lock = threading.Lock()

    def get(self, key: K) -> tuple[V] | None:
        """(value,) while it is fresh, else None."""
        found = self._kept.get(key)
        if found is None or self._clock() - found[0] >= self._fresh_for:
            return None
        return (found[1],)

    def ticket(self) -> tuple[int, float]:
        """Taken before reading the database: `keep` then refuses what a change overtook, and
        counts a value's age from before it was read."""
        return self._changes, self._clock()

    def keep(self, ticket: tuple[int, float], key: K, value: V) -> None:
        """`value`, read after `ticket` was taken, unless something was forgotten since."""
        changes, read_at = ticket
        if self._fresh_for <= 0:
            return
        with self._lock:
            if changes == self._changes:
                self._kept[key] = (read_at, value)

    def forget(self, *keys: K) -> None:
        """These keys (none given: every key) were changed: read them again next time."""
        with self._lock:
            self._changes += 1
            if not keys:
                self._kept.clear()
            for key in keys:
                self._kept.pop(key, None)
