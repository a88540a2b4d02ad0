"""Verifying an audit log from its stored rows: a pure function over streams (docs/adr/0030).

The log's store hands over its events in sequence order and its signed checkpoints in size order,
a batch at a time; nothing here holds more than the tree's right edge (`Frontier`, O(log n)) and
the checkpoints due next, so a log of any length is checked in flat memory.
"""

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fingerpost.audit.events import AuditEvent, Checkpoint, leaf_for
from fingerpost.audit.merkle import Frontier
from fingerpost.domain.errors import InvalidValue

__all__ = ["LoggedEvent", "first_damaged", "forged_head", "verify_log"]


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as the log stores it: its position, what it says and the leaf hash kept with it
    (hexadecimal, as stored)."""

    seq: int
    event: AuditEvent
    leaf: str


def _signed(head: Checkpoint, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(head.signature, head.message())
    except InvalidSignature:
        return False
    return True


def forged_head(heads: Iterable[Checkpoint], key: Ed25519PublicKey) -> int | None:
    """The size of the first checkpoint not signed by `key` (forged or altered), or None."""
    return next((head.size for head in heads if not _signed(head, key)), None)


def first_damaged(
    events: Iterable[LoggedEvent],
    heads: Iterable[Checkpoint],
    witnesses: Sequence[Checkpoint] = (),
) -> int | None:
    """Recompute the tree from `events` (in sequence order) and compare it with every checkpoint
    (`heads` in size order, and `witnesses`, kept outside the store). None when they agree;
    else the sequence number of the first event that is wrong: edited, missing, out of order, or
    missing from the end (a checkpoint, or a witness, is newer than the log)."""
    due = _Due(heapq.merge(heads, sorted(witnesses, key=_size), key=_size))
    frontier = Frontier()
    last_good = 0
    for expected, row in enumerate(events, start=1):
        if row.seq != expected:
            return expected
        leaf = leaf_for(expected, row.event)
        if row.leaf != leaf.hex():
            return expected
        frontier.append(leaf)
        signed = due.at(expected)
        if signed:
            root = frontier.root()
            if any(head.root != root for head in signed):
                return last_good + 1
            last_good = expected
    newest = due.newest()
    if newest != frontier.size:
        # Events deleted from the end (newest > size) or appended without a signature.
        return min(newest, frontier.size) + 1
    return None


def verify_log(
    events: Iterable[LoggedEvent],
    heads: Callable[[], Iterable[Checkpoint]],
    key: Ed25519PublicKey,
    witnesses: Sequence[Checkpoint] = (),
) -> int | None:
    """The whole check: witnesses must be the service's own (else InvalidValue), every stored
    checkpoint must be signed (else its size), then `first_damaged`. `heads` is called twice,
    each call a fresh stream, so that no list of them is ever held."""
    for witness in witnesses:
        if not _signed(witness, key):
            raise InvalidValue(
                f"the audit witness of size {witness.size} is not signed by this service"
            )
    forged = forged_head(heads(), key)
    if forged is not None:
        return forged
    return first_damaged(events, heads(), witnesses)


def _size(head: Checkpoint) -> int:
    return head.size


class _Due:
    """The checkpoints of a size-ordered stream, taken as the tree reaches their size."""

    def __init__(self, heads: Iterator[Checkpoint]) -> None:
        self._heads = heads
        self._next = next(heads, None)
        self._newest = 0

    def at(self, size: int) -> list[Checkpoint]:
        """The checkpoints of this size (and any smaller ones, never reached, passed over)."""
        found = []
        while self._next is not None and self._next.size <= size:
            self._newest = max(self._newest, self._next.size)
            if self._next.size == size:
                found.append(self._next)
            self._next = next(self._heads, None)
        return found

    def newest(self) -> int:
        """The largest size of them all (0 for none); reads the rest of the stream."""
        while self._next is not None:
            self._newest = max(self._newest, self._next.size)
            self._next = next(self._heads, None)
        return self._newest
