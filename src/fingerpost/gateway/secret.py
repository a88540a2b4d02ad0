"""Encoding with the linkage secret: the step that turns a child into what the hub may hold."""

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice
from typing import Any, Generic, TypeVar

from fingerpost.domain.errors import DomainError
from fingerpost.domain.values import MAX_AGE_YEARS
from fingerpost.gateway.digest import RowDigester
from fingerpost.gateway.lifeline import die_with_parent
from fingerpost.matching.encode import EncodedQuery, Encoder
from fingerpost.matching.normalise import ChildIdentity, normalise

__all__ = ["Finish", "Gateway", "Parsed"]

K = TypeVar("K")
R = TypeVar("R")
T = TypeVar("T")
Finish = Callable[[T, EncodedQuery], bytes]
CHUNK = 64  # rows per task: the first arrive soon, and pickling stays small beside encoding
# Below this many rows the pool's start and the pickling cost more than they save.
POOL_FROM_ROWS = 512
IN_FLIGHT = 32  # chunks per process: more than a batch of rows, so encoders run ahead
# How long the storing process waits for the oldest chunk before encoding one itself: a worker
# encodes a chunk in about 25 ms, so a wait this long means it is well behind.
STEAL_AFTER_S = 0.005


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    """One row after parsing and encoding: what the parser made of it and the child's encoding,
    or why the row was refused."""

    value: T | None = None
    query: EncodedQuery | None = None
    error: str = ""
    # What `finish` made of the row and its encoding, where it was encoded (in a worker): the
    # row's own wire form for a hub over HTTP, so that the storing process only joins them.
    # The encoding is then not sent back (`query` stays None; `error` says if refused).
    made: bytes = b""

    @property
    def refused(self) -> bool:
        return self.value is None or (self.query is None and not self.made)


def _as_given(item: ChildIdentity) -> tuple[None, ChildIdentity]:
    return None, item


class Gateway:
    def __init__(self, linkage_secret: bytes) -> None:
        self._secret = linkage_secret
        self._encoder = Encoder(linkage_secret)
        self.row_digest = RowDigester(linkage_secret)  # a snapshot row's "unchanged" test

    def encode(
        self, child: ChildIdentity, *, today: date | None = None, wide: bool = True
    ) -> EncodedQuery:
        """`wide=False` for registration: the probe keys are the stored keys (see the encoder)."""
        year = (today or date.today()).year
        # Everyone in scope was born in these years (aged under 26, up to a year-end margin).
        years = range(year - MAX_AGE_YEARS - 1, year + 1)
        return self._encoder.encode(normalise(child), birth_years=years, wide=wide)

    def parse_one(
        self,
        row: R,
        parse: Callable[[R], tuple[T, ChildIdentity]],
        today: date,
        wide: bool,
        finish: "Finish[T] | None" = None,
    ) -> Parsed[T]:
        """One row through `parse` and the encoder (see `parse_stream`)."""
        try:
            value, child = parse(row)
        except DomainError as error:
            return Parsed(error=str(error))
        query = self.encode(child, today=today, wide=wide)
        if finish is None:
            return Parsed(value, query)
        return Parsed(value, made=finish(value, query))

    def encode_stream(
        self,
        items: Iterable[tuple[K, ChildIdentity]],
        *,
        workers: int = 1,
        today: date | None = None,
        wide: bool = True,
    ) -> Generator[tuple[K, EncodedQuery], None, None]:
        """Encode a stream of (tag, child) in order; see `parse_stream`."""
        for tag, _, parsed in self.parse_stream(
            items, _as_given, workers=workers, today=today, wide=wide
        ):
            if parsed.query is not None:
                yield tag, parsed.query

    def parse_stream(
        self,
        items: Iterable[tuple[K, R]],
        parse: Callable[[R], tuple[T, ChildIdentity]],
        *,
        workers: int = 1,
        today: date | None = None,
        wide: bool = True,
        finish: "Finish[T] | None" = None,
    ) -> Generator[tuple[K, R, Parsed[T]], None, None]:
        """Parse and encode a stream of (tag, raw row) in order, using `workers` processes in
        all: this one (which goes on to store what is encoded) and `workers - 1` that parse and
        encode. `parse` (a module-level function, so that it can be sent to a worker) returns
        what it made of the row and the child in it, or raises DomainError to refuse the row.
        `finish` (module-level too), when given, turns each accepted row and its encoding into
        bytes where they were made (`Parsed.made`); this process then encodes nothing itself
        and `workers` processes encode beside it: it is a caller with work of its own (a hub
        over HTTP to feed, ADR 0045), and a chunk encoded here would hold that work up.

        Parsing and encoding are pure CPU work, so they run beside the database work instead
        of before it. Enough chunks are kept in flight that the workers never wait for the
        caller to finish a batch, and no more, so memory stays bounded for any file size.
        """
        today = today or date.today()
        iterator = iter(items)
        head = list(islice(iterator, POOL_FROM_ROWS))
        if workers <= 1 or len(head) < POOL_FROM_ROWS:
            for tag, row in chain(head, iterator):
                yield tag, row, self.parse_one(row, parse, today, wide, finish)
            return
        iterator = chain(head, iterator)
        with ProcessPoolExecutor(
            workers if finish else workers - 1,
            mp_context=_context(),
            initializer=_start_worker,
            initargs=(self._secret, os.getpid()),
        ) as pool:
            in_flight: deque[tuple[list[tuple[K, R]], Future[list[Parsed[T]]]]] = deque()
            chunk = list(islice(iterator, CHUNK))
            while chunk or in_flight:
                while chunk and len(in_flight) < IN_FLIGHT * workers:
                    rows = [row for _, row in chunk]
                    work = pool.submit(_parse_chunk, rows, parse, today, wide, finish)
                    in_flight.append((chunk, work))
                    chunk = list(islice(iterator, CHUNK))
                if (
                    finish is None
                    and self._behind(in_flight[0][1])
                    and self._take_one(in_flight, parse, today, wide)
                ):
                    continue
                sent, future = in_flight.popleft()
                for (tag, row), parsed in zip(sent, future.result(), strict=True):
                    yield tag, row, parsed

    @staticmethod
    def _behind(oldest: Future[Any]) -> bool:
        """The workers are behind if the oldest chunk is not back after a short wait. Only
        then is encoding here a gain: where storing is the slower side, a chunk encoded here
        is storing time lost."""
        done, _ = wait([oldest], timeout=STEAL_AFTER_S)
        return not done

    def _take_one(
        self,
        in_flight: "deque[tuple[list[tuple[K, R]], Future[list[Parsed[T]]]]]",
        parse: Callable[[R], tuple[T, ChildIdentity]],
        today: date,
        wide: bool,
    ) -> bool:
        """The workers are behind (a young database stores faster than they encode): rather
        than wait, encode here the furthest chunk no worker has started. False if none is left."""
        for index in range(len(in_flight) - 1, 0, -1):
            sent, future = in_flight[index]
            if future.cancel():
                parsed = [self.parse_one(row, parse, today, wide) for _, row in sent]
                in_flight[index] = (sent, _done(parsed))
                return True
        return False


def _done(result: T) -> "Future[T]":
    future: Future[T] = Future()
    future.set_result(result)
    return future


def _context() -> multiprocessing.context.BaseContext:
    """fork where the platform has it: a worker starts in milliseconds, where a fork server or
    a fresh interpreter takes most of a second re-importing the command — as long as encoding a
    small file. Workers run only the pure parser and encoder: they never touch the database
    connection, the terminal or a lock they inherit."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


_worker: Gateway | None = None


def _start_worker(secret: bytes, parent: int) -> None:
    global _worker  # noqa: PLW0603 - one gateway per worker process, made once
    die_with_parent(parent)  # a killed command leaves no worker behind (issue 18)
    _worker = Gateway(secret)


def _parse_chunk(
    rows: list[R],
    parse: Callable[[R], tuple[T, ChildIdentity]],
    today: date,
    wide: bool,
    finish: "Finish[T] | None",
) -> list[Parsed[T]]:
    if _worker is None:  # pragma: no cover - the pool's initializer always runs first
        raise RuntimeError("encoding worker not started")
    return [_worker.parse_one(row, parse, today, wide, finish) for row in rows]
