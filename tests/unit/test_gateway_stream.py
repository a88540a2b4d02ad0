"""The gateway encodes a file's children as a stream: in order, in bounded memory, and the same
whether it uses one process or several."""

import itertools
import secrets
from collections.abc import Iterator
from datetime import date

from fingerpost.gateway import Gateway
from fingerpost.gateway.secret import POOL_FROM_ROWS
from fingerpost.matching.normalise import ChildIdentity

TODAY = date(2026, 11, 25)
GIVEN = ["Amelia", "Oliver", "Zoë", "Mohammed", "Aisha", "Jakub", "Ffion", "Tyrone"]
FAMILY = ["Smith", "O'Brien", "Nowak", "Khan", "Jones", "Van der Berg", "Okafor", "Li"]


def children() -> Iterator[ChildIdentity]:
    """An endless supply of distinct invented children."""
    for n in itertools.count():
        yield ChildIdentity(
            given_names=GIVEN[n % len(GIVEN)],
            family_name=FAMILY[(n // len(GIVEN)) % len(FAMILY)],
            date_of_birth=date(2010 + n % 15, 1 + n % 12, 1 + n % 28),
            postcode=f"M{n % 40} {n % 9}AB",
        )


def test_a_stream_keeps_each_childs_tag_with_its_encoding() -> None:
    gateway = Gateway(secrets.token_bytes(32))
    batch = list(itertools.islice(children(), 50))
    streamed = list(gateway.encode_stream(enumerate(batch), workers=1, today=TODAY))
    assert [tag for tag, _ in streamed] == list(range(50))
    assert [encoded for _, encoded in streamed] == [
        gateway.encode(child, today=TODAY) for child in batch
    ]


def test_worker_processes_give_exactly_what_one_process_gives() -> None:
    gateway = Gateway(secrets.token_bytes(32))
    batch = list(itertools.islice(children(), POOL_FROM_ROWS + 300))
    one = list(gateway.encode_stream(enumerate(batch), workers=1, today=TODAY))
    two = list(gateway.encode_stream(enumerate(batch), workers=2, today=TODAY))
    assert two == one


def test_a_stream_is_lazy_so_a_huge_file_never_sits_in_memory() -> None:
    gateway = Gateway(secrets.token_bytes(32))
    for workers in (1, 2):
        endless = gateway.encode_stream(enumerate(children()), workers=workers, today=TODAY)
        first = list(itertools.islice(endless, 10))
        endless.close()
        assert [tag for tag, _ in first] == list(range(10))
