"""Encoding with the linkage secret: the step that turns a child into what the hub may hold."""

import multiprocessing
from collections import deque
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from itertools import chain, islice
from typing import TypeVar

from fingerpost.domain.values import MAX_AGE_YEARS
from fingerpost.matching.encode import EncodedQuery, Encoder
from fingerpost.matching.normalise import ChildIdentity, normalise

__all__ = ["Gateway"]

T = TypeVar("T")
CHUNK = 256  # rows per task: large enough that pickling is small beside encoding
# Starting worker processes costs about a second: below this many rows it does not pay.
POOL_FROM_ROWS = 8 * CHUNK


class Gateway:
    def __init__(self, linkage_secret: bytes) -> None:
        self._secret = linkage_secret
        self._encoder = Encoder(linkage_secret)

    def encode(self, child: ChildIdentity, *, today: date | None = None) -> EncodedQuery:
        year = (today or date.today()).year
        # Everyone in scope was born in these years (aged under 26, up to a year-end margin).
        years = range(year - MAX_AGE_YEARS - 1, year + 1)
        return self._encoder.encode(normalise(child), birth_years=years)

    def encode_stream(
        self,
        items: Iterable[tuple[T, ChildIdentity]],
        *,
        workers: int = 1,
        today: date | None = None,
    ) -> Generator[tuple[T, EncodedQuery], None, None]:
        """Encode a stream of (tag, child) in order, in `workers` processes when more than one.

        Encoding is pure CPU work (keyed hashes), so a large file goes as fast as the cores allow;
        at most two chunks per worker are in flight, so memory stays bounded for any file size.
        """
        today = today or date.today()
        iterator = iter(items)
        head = list(islice(iterator, POOL_FROM_ROWS))
        if workers <= 1 or len(head) < POOL_FROM_ROWS:
            for tag, child in chain(head, iterator):
                yield tag, self.encode(child, today=today)
            return
        iterator = chain(head, iterator)
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(self._secret,)
        ) as pool:
            in_flight: deque[tuple[list[T], Future[list[EncodedQuery]]]] = deque()
            chunk = list(islice(iterator, CHUNK))
            while chunk or in_flight:
                while chunk and len(in_flight) < 2 * workers:
                    tags = [tag for tag, _ in chunk]
                    children = [child for _, child in chunk]
                    in_flight.append((tags, pool.submit(_encode_chunk, children, today)))
                    chunk = list(islice(iterator, CHUNK))
                tags, future = in_flight.popleft()
                yield from zip(tags, future.result(), strict=True)


_worker: Gateway | None = None


def _start_worker(secret: bytes) -> None:
    global _worker  # noqa: PLW0603 - one gateway per worker process, made once
    _worker = Gateway(secret)


def _encode_chunk(children: list[ChildIdentity], today: date) -> list[EncodedQuery]:
    if _worker is None:  # pragma: no cover - the pool's initializer always runs first
        raise RuntimeError("encoding worker not started")
    return [_worker.encode(child, today=today) for child in children]
