"""A snapshot remembers the rows it has seen one bit each (`RowSet`): it must behave as a set."""

import random
import tracemalloc

import pytest

from fingerpost.service.rowset import RowSet


def test_holds_what_was_added_and_nothing_else() -> None:
    ids = random.Random(7).sample(range(200_000), 5_000)
    rows = RowSet(ids[:2_500])
    rows.update(ids[2_500:])
    rows.add(ids[0])  # again: still once
    assert len(rows) == len(set(ids))
    assert all(i in rows for i in ids)
    absent = set(range(200_100)) - set(ids)
    assert not any(i in rows for i in absent)


def test_iterates_in_ascending_order_as_a_sorted_set_would() -> None:
    ids = random.Random(11).sample(range(1, 50_000), 3_000)
    assert list(RowSet(ids)) == sorted(ids)


def test_cleared_it_holds_nothing() -> None:
    rows = RowSet([3, 8, 1_000_000])
    rows.clear()
    assert len(rows) == 0
    assert list(rows) == []
    assert 8 not in rows


def test_refuses_negative_ids_and_never_holds_them_or_other_values() -> None:
    rows = RowSet([0, 1])
    with pytest.raises(ValueError, match="never negative"):
        rows.add(-1)
    assert -1 not in rows
    assert "1" not in rows


def test_a_million_rows_take_about_a_bit_each() -> None:
    tracemalloc.start()
    try:
        rows = RowSet(range(1, 1_000_001))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rows) == 1_000_000
    assert held < 2 * 1_000_000 // 8  # a Python set of them: some 60 MB
