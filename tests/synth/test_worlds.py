"""The held-out protocol of the benchmark (`bench/worlds.py`, docs/adr/0023): which data tuning
may read, and that the one tool which reads misses pair by pair refuses held-out data."""

from __future__ import annotations

import pytest
from bench import misses
from bench.worlds import HELD_OUT, TUNING, febrl_split, split_of


@pytest.mark.parametrize(
    ("seed", "split"), [(1, TUNING), (2, TUNING), (99, TUNING), (100, HELD_OUT), (199, HELD_OUT),
                        (200, TUNING)],
)  # fmt: skip
def test_seeds_100_to_199_are_held_out(seed: int, split: str) -> None:
    assert split_of(seed) == split


def test_febrl4_was_read_and_is_tuning_the_others_are_held_out() -> None:
    assert [febrl_split(n) for n in (1, 2, 3, 4)] == [HELD_OUT, HELD_OUT, HELD_OUT, TUNING]


def test_the_misses_of_a_held_out_seed_are_never_read(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        misses.main(["--world", "independent", "--seed", "101"])
    assert stopped.value.code == 2
    assert "held out" in capsys.readouterr().err
