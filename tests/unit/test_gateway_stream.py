"""The gateway encodes a file's children as a stream: in order, in bounded memory, and the same
whether it uses one process or several."""

import itertools
import multiprocessing
import os
import secrets
import time
from collections.abc import Iterator
from datetime import date

from fingerpost.gateway import Gateway, enquiry_parts
from fingerpost.gateway.secret import POOL_FROM_ROWS
from fingerpost.matching.encode import EncodedQuery
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


def _row(n: int, *, nhs: str = "") -> dict[str, str]:
    child = next(itertools.islice(children(), n, None))
    return {
        "enquiry_ref": f"E{n}",
        "given_names": child.given_names,
        "family_name": child.family_name,
        "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else "",
        "postcode": child.postcode or "",
        "nhs_number": nhs,
    }


def test_rows_are_parsed_in_the_workers_and_a_refused_row_says_why() -> None:
    gateway = Gateway(secrets.token_bytes(32))
    rows = [(line, _row(line)) for line in range(POOL_FROM_ROWS + 100)]
    rows[7] = (7, _row(7, nhs="1234567890"))  # fails the mod-11 check
    for workers in (1, 2):
        out = list(gateway.parse_stream(rows, enquiry_parts, workers=workers, today=TODAY))
        assert [line for line, _, _ in out] == [line for line, _ in rows]
        refused = [(line, parsed.error) for line, _, parsed in out if parsed.query is None]
        assert refused == [(7, "nhs_number: not a valid NHS number (fails the mod-11 check)")]
        ref, query = out[8][2].value, out[8][2].query
        assert ref == "E8"
        assert query == gateway.encode(next(itertools.islice(children(), 8, None)), today=TODAY)


def _slow_in_workers(row: dict[str, str]) -> tuple[tuple[str, int], ChildIdentity]:
    """`enquiry_parts` that also says which process parsed the row, and is slow in a worker."""
    if multiprocessing.parent_process() is not None:
        time.sleep(0.002)
    ref, child = enquiry_parts(row)
    return (ref, os.getpid()), child


def test_when_the_workers_fall_behind_this_process_encodes_too_and_the_order_holds() -> None:
    gateway = Gateway(secrets.token_bytes(32))
    rows = [(line, _row(line)) for line in range(POOL_FROM_ROWS + 600)]
    out = list(gateway.parse_stream(rows, _slow_in_workers, workers=2, today=TODAY))
    assert [line for line, _, _ in out] == [line for line, _ in rows]
    assert [parsed.value[0] for _, _, parsed in out if parsed.value] == [
        f"E{line}" for line, _ in rows
    ]
    parsed_by = {parsed.value[1] for _, _, parsed in out if parsed.value}
    assert os.getpid() in parsed_by  # this process took chunks the worker had not reached
    assert len(parsed_by) == 2  # and the worker still did its share


def _made_where(value: tuple[str, int], query: EncodedQuery) -> bytes:
    """A `finish`: the row's reference, the process that encoded it, and its encoding's digest."""
    return f"{value[0]}|{os.getpid()}|{query.identity.digest()}".encode()


def test_a_finish_runs_where_the_row_was_encoded_and_this_process_encodes_nothing() -> None:
    gateway = Gateway(secrets.token_bytes(32))
    rows = [(line, _row(line)) for line in range(POOL_FROM_ROWS + 600)]
    rows[7] = (7, _row(7, nhs="1234567890"))  # refused: nothing made for it
    # Workers slower than this process, which would take chunks itself without a `finish`.
    out = list(
        gateway.parse_stream(rows, _slow_in_workers, workers=2, today=TODAY, finish=_made_where)
    )
    assert [line for line, _, _ in out] == [line for line, _ in rows]
    assert [(line, parsed.refused) for line, _, parsed in out if parsed.refused] == [(7, True)]
    made = [parsed.made.decode().split("|") for _, _, parsed in out if not parsed.refused]
    assert [ref for ref, _, _ in made] == [f"E{line}" for line, _ in rows if line != 7]
    assert os.getpid() not in {int(pid) for _, pid, _ in made}
    assert len({pid for _, pid, _ in made}) == 2  # as many encoding workers as it was given
    child = next(itertools.islice(children(), 8, None))
    assert made[7][2] == gateway.encode(child, today=TODAY).identity.digest()


def test_registration_encodes_narrow_probes_that_are_exactly_the_stored_keys() -> None:
    gateway = Gateway(secrets.token_bytes(32))
    for child in itertools.islice(children(), 40):
        narrow = gateway.encode(child, today=TODAY, wide=False)
        wide = gateway.encode(child, today=TODAY)
        assert narrow.identity == wide.identity  # what is stored does not depend on it
        assert narrow.probe_keys == narrow.identity.blocking_keys
        assert wide.probe_keys > narrow.probe_keys


def test_the_anchor_keys_are_the_stored_nhs_and_date_with_sector_keys() -> None:
    gateway = Gateway(secrets.token_bytes(32))
    for child in itertools.islice(children(), 40):
        query = gateway.encode(child, today=TODAY, wide=False)
        expected = (child.nhs_number is not None) + (
            child.date_of_birth is not None and child.postcode is not None
        )
        assert query.anchor_keys <= query.identity.blocking_keys
        assert len(query.anchor_keys) == expected
