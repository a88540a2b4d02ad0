"""A register file through a gateway (ADR 0033): the next batch is read and encoded while the one
before it is on the wire, yet batches still go one at a time and in file order, so a hub that
fails mid-file leaves whole batches stored and none half, and the file sent again completes it."""

from __future__ import annotations

import dataclasses
import threading
import time
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


class Wire:
    """A send that holds each item on the wire until it is let go, noting what was on it."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.on_wire: list[set[int]] = []
        self.sending: set[int] = set()
        self.let_go: set[int] = set()

    def send(self, item: set[int]) -> int:
        key = min(item)
        with self.lock:
            self.sending.add(key)
            self.on_wire.append(set(self.sending))
            self.lock.notify_all()
            assert self.lock.wait_for(lambda: key in self.let_go, timeout=10)
            self.sending.discard(key)
        return key

    def release_when(self, count: int, *keys: int, after: float = 0.0) -> None:
        """Once `count` items are on the wire at the same time, and `after` seconds more, let
        `keys` go."""
        with self.lock:
            assert self.lock.wait_for(lambda: len(self.sending) >= count, timeout=10)
        time.sleep(after)  # time for any other item to be sent that would be
        with self.lock:
            self.let_go.update(keys)
            self.lock.notify_all()


def test_two_ahead_puts_two_items_on_the_wire_and_answers_in_order() -> None:
    wire = Wire()
    answers = in_turn(wire.send, iter([{0}, {1}, {2}]), ahead=2)
    # The second item goes out before the first is answered; the first answer is still first.
    threading.Thread(target=wire.release_when, args=(2, 1, 0, 2)).start()
    assert list(answers) == [0, 1, 2]
    assert max(len(keys) for keys in wire.on_wire) == 2


def test_an_item_that_is_not_apart_waits_for_the_one_on_the_wire() -> None:
    wire = Wire()
    items = iter([{0, 7}, {1, 7}])  # both name 7: the second waits for the first's answer

    threading.Thread(target=wire.release_when, args=(1, 0, 1), kwargs={"after": 0.3}).start()
    answers = list(in_turn(wire.send, items, ahead=2, apart=lambda a, b: a.isdisjoint(b)))
    assert answers == [0, 1]
    assert max(len(keys) for keys in wire.on_wire) == 1


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


def test_a_reference_in_two_batches_is_stored_once_and_then_updated(
    fp: Fingerpost, gateways: Gateways
) -> None:
    # Batches of 64, 128, 256…: row 100 (second batch) repeats row 10's reference with another
    # practitioner, so the second batch must not be stored beside the first.
    rows = _rows(700)
    rows[100] = (102, {**rows[10][1], "practitioner_name": "Ann Other"})
    key = gateways.add("leeds-gw", LEEDS)
    gateway = _gateway(fp, gateways, key, httpx.HTTPTransport())
    report = register_rows(gateway, ADMIN, iter(rows), dry_run=False, workers=2)
    assert (report.created, report.updated, report.tally.errors) == (699, 1, [])
    (stored,) = [
        i for i in fp.hub.list_involvements(ADMIN, limit=1000) if i.key.local_ref == "LDS-0010"
    ]
    assert stored.terms.practitioner.name == "Ann Other"
