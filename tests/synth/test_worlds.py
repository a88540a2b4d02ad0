"""The held-out protocol of the benchmark (`fingerpost.synth.worlds`, docs/adr/0023): which data
tuning may read, and that the one tool which reads misses pair by pair refuses held-out data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fingerpost.synth.worlds import HELD_OUT, TUNING, febrl_split, split_of


@pytest.mark.parametrize(
    ("seed", "split"), [(1, TUNING), (2, TUNING), (99, TUNING), (100, HELD_OUT), (199, HELD_OUT),
                        (200, TUNING)],
)  # fmt: skip
def test_seeds_100_to_199_are_held_out(seed: int, split: str) -> None:
    assert split_of(seed) == split


def test_febrl4_was_read_and_is_tuning_the_others_are_held_out() -> None:
    assert [febrl_split(n) for n in (1, 2, 3, 4)] == [HELD_OUT, HELD_OUT, HELD_OUT, TUNING]


def test_the_misses_of_a_held_out_seed_are_never_read() -> None:
    # The benchmark is not an installed package: run it as `make bench` does, from the root.
    done = subprocess.run(
        [sys.executable, "-m", "bench.misses", "--world", "independent", "--seed", "101"],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "held out" in done.stderr
