"""A register file through a gateway (ADR 0033): the next batch is read and encoded while the one
before it is on the wire, yet batches still go one at a time and in file order, so a hub that
fails mid-file leaves whole batches stored and none half, and the file sent again completes it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import make_register_row
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.registering import in_turn, register_rows
from fingerpost.service.unavailable import HubUnavailable
from wire.conftest import LEEDS, Gateways

ADMIN = Actor.system(LEEDS)
BATCH = 64  # the first batch `batches` makes; later ones double


def test_each_item_is_made_while_the_one_before_it_is_sent() -> None:
    made_next = threading.Event()
    sending = 0
    most_at_once = 0
    lock = threading.Lock()

    def items() -> Iterator[int]:
        yield 0
        made_next.set()  # making item 1: while item 0 is still being sent, if the two overlap
        yield 1
        yield 2

    def send(item: int) -> int:
        nonlocal sending, most_at_once
        with lock:
            sending += 1
            most_at_once = max(most_at_once, sending)
        if item == 0:
            assert made_next.wait(timeout=10), "the next items were not made during the send"
        with lock:
            sending -= 1
        return item * 10

    assert list(in_turn(send, items())) == [0, 10, 20]
    assert most_at_once == 1


def test_a_failed_send_stops_everything_after_it() -> None:
    sent: list[int] = []

    def send(item: int) -> int:
        sent.append(item)
        if item == 2:
            raise HubUnavailable("the hub went away")
        return item

    answered: list[int] = []
    with pytest.raises(HubUnavailable):
        answered.extend(in_turn(send, iter(range(10))))
    assert sent == [0, 1, 2]
    assert answered == [0, 1]


class HubGoesDown(httpx.HTTPTransport):
    """Loopback HTTP to the real hub, until `answered` batches of registrations have been
    taken: every later request is answered 503."""

    def __init__(self, answered: int) -> None:
        super().__init__()
        self.left = answered

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/registrations"):
            if self.left == 0:
                return httpx.Response(503, request=request)
            self.left -= 1
        return super().handle_request(request)


def _gateway(
    fp: Fingerpost, gateways: Gateways, key: Ed25519PrivateKey, transport: httpx.BaseTransport
) -> Fingerpost:
    """The test's installation, its hub reached over HTTP as Leeds's gateway reaches it."""
    remote = gateways.remote("leeds-gw", key, retries=0, transport=transport)
    settings = fp.settings.model_copy(update={"batch_size": BATCH * 4})
    return dataclasses.replace(fp, hub=remote, settings=settings)  # type: ignore[arg-type]


def _rows(count: int) -> list[tuple[int, dict[str, str]]]:
    return [
        (n + 2, make_register_row(local_ref=f"LDS-{n:04d}", given_names=f"Child{n:04d}"))
        for n in range(count)
    ]


def test_a_hub_failing_mid_file_keeps_whole_batches_and_the_rerun_completes_it(
    fp: Fingerpost, gateways: Gateways
) -> None:
    rows = _rows(700)  # batches of 64, 128, 256, 252: the hub takes the first two only
    key = gateways.add("leeds-gw", LEEDS)
    gateway = _gateway(fp, gateways, key, HubGoesDown(answered=2))
    with pytest.raises(HubUnavailable):
        register_rows(gateway, ADMIN, iter(rows), dry_run=False, workers=1)
    stored = {i.key.local_ref for i in fp.hub.list_involvements(ADMIN, limit=1000)}
    assert stored == {row["local_ref"] for _, row in rows[: BATCH + 2 * BATCH]}

    again = _gateway(fp, gateways, key, httpx.HTTPTransport())
    report = register_rows(again, ADMIN, iter(rows), dry_run=False, workers=1)
    assert (report.created, report.unchanged) == (len(rows) - 3 * BATCH, 3 * BATCH)
    assert fp.hub.count_involvements() == len(rows)


def test_rows_leave_the_encoding_workers_in_their_wire_form_and_store_as_in_process(
    fp: Fingerpost, gateways: Gateways
) -> None:
    # Enough rows for a pool of encoding workers; one row with no name is refused on its line.
    rows = [*_rows(600), (602, make_register_row(local_ref="LDS-NAMELESS", given_names=""))]
    rows[-1][1]["family_name"] = ""
    in_process = register_rows(fp, ADMIN, iter(rows), dry_run=False, workers=2)
    assert in_process.created == 600

    key = gateways.add("leeds-gw", LEEDS)
    gateway = _gateway(fp, gateways, key, httpx.HTTPTransport())
    report = register_rows(gateway, ADMIN, iter(rows), dry_run=False, workers=2)
    # Every row the same to the hub as when it was encoded in-process: nothing to change.
    assert (report.created, report.updated, report.unchanged) == (0, 0, 600)
    assert [(e.line, e.ref) for e in report.tally.errors] == [(602, "LDS-NAMELESS")]
