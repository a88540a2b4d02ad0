"""Key and pin files are written whole: a reader never sees half of one, and two writers racing
for one name leave exactly one winner (two gateways pinning an unpinned hub at once)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fingerpost.adapters.crypto import write_private
from fingerpost.adapters.keys import home_linkage_fingerprint
from fingerpost.adapters.linkage import HomeLinkagePin, SecretRefused, pin_fingerprint

FP_A = "FP1-AAAA-BBBB-CCCC-DDDD"
FP_B = "FP1-EEEE-FFFF-0000-1111"


def _race(count: int, work: object) -> list[BaseException]:
    """`count` threads released together, each running `work(index)`; what they raised."""
    start = threading.Barrier(count)
    raised: list[BaseException] = []

    def run(index: int) -> None:
        start.wait()
        try:
            work(index)  # type: ignore[operator]
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            raised.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return raised


def test_an_exclusive_write_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    write_private(path, b"first", exclusive=True)
    with pytest.raises(FileExistsError):
        write_private(path, b"second", exclusive=True)
    assert path.read_bytes() == b"first"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["key"]  # no staged file left behind


def test_a_replacing_write_swaps_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    write_private(path, b"old")
    write_private(path, b"new")
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["key"]


def test_gateways_pinning_one_hub_at_once_all_see_the_whole_fingerprint(tmp_path: Path) -> None:
    pin = HomeLinkagePin(tmp_path)
    seen: list[str | None] = []

    def pin_then_read(_: int) -> None:
        seen.append(pin.expected())
        pin.pin(FP_A)
        seen.append(pin.expected())

    assert _race(16, pin_then_read) == []
    assert set(seen) <= {None, FP_A}  # never an empty or partial fingerprint
    assert home_linkage_fingerprint(tmp_path) == FP_A


def test_two_secrets_racing_to_pin_one_hub_leave_one_pinned_and_refuse_the_other(
    tmp_path: Path,
) -> None:
    raised = _race(8, lambda i: pin_fingerprint(tmp_path, FP_A if i % 2 else FP_B))
    winner = home_linkage_fingerprint(tmp_path)
    assert winner in {FP_A, FP_B}
    assert len(raised) == 4
    assert all(isinstance(error, SecretRefused) for error in raised)
