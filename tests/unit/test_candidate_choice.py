"""Candidate choice (`matching.candidates`) is a pure rule: the rows a probe's keys reach go in,
the rows to score come out, with no database (docs/adr/0013, docs/adr/0030).

`Reference` below is the rule as the SQL repository held it before it moved here, copied as it
was: the moved rule must choose the same candidates in the same order for any register."""

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from hypothesis import example, given, settings
from hypothesis import strategies as st

from fingerpost.matching.candidates import (
    MARGIN,
    best,
    choose,
    ranked,
    ranked_by_rarity,
    rarity,
    shared_keys,
)

Hits = dict[int, list[int]]


# -- the rule as it was (adapters/db/repositories.py, before docs/adr/0030) --------------------


def _old_shared_keys(
    keys: frozenset[int], anchor: frozenset[int], hits: dict[int, list[int]], at_least: int
) -> Counter[int]:
    shared = Counter(i for key in keys for i in hits.get(key, ()))
    if at_least <= 1:
        return shared
    anchored = {i for key in anchor for i in hits.get(key, ())}
    return Counter({i: n for i, n in shared.items() if n >= at_least or i in anchored})


class _OldSealedReader:
    def __init__(self, rows_of: Callable[[list[int]], Iterable[int]]) -> None:
        self._rows_of = rows_of
        self._tried: set[int] = set()
        self.sealed: set[int] = set()

    def read(self, ids: Iterable[int]) -> None:
        todo = sorted(set(ids) - self._tried)
        self._tried.update(todo)
        self.sealed.update(self._rows_of(todo))

    def best(self, shared: Counter[int], most: int, weight: Mapping[int, float]) -> list[int]:
        # Ties by the rarity of the keys shared, then by row id (docs/adr/0039).
        ranked_ = sorted(shared, key=lambda i: (-shared[i], -weight.get(i, 0.0), i))
        present: list[int] = []
        start = 0
        while len(present) < most and start < len(ranked_):
            take = ranked_[start : start + most - len(present) + MARGIN]
            start += len(take)
            self.read(take)
            present += [i for i in take if i in self.sealed]
        return present[:most]


def reference(
    probes: Sequence[Iterable[int]],
    hits: Hits,
    rows_of: Callable[[list[int]], Iterable[int]],
    *,
    at_least: int = 1,
    anchors: Sequence[Iterable[int]] = (),
    most: int | None = None,
) -> tuple[list[list[int]], list[list[int]]]:
    """(candidates of each probe, in the order given; the batches of rows read)."""
    reads: list[list[int]] = []

    def logged(ids: list[int]) -> Iterable[int]:
        reads.append(ids)
        return rows_of(ids)

    wanted = [frozenset(keys) for keys in probes]
    anchored = [frozenset(keys) for keys in anchors] or [frozenset()] * len(wanted)
    shared_of = [
        _old_shared_keys(keys, anchor, hits, at_least)
        for keys, anchor in zip(wanted, anchored, strict=True)
    ]
    reader = _OldSealedReader(logged)
    if most is None:
        reader.read(i for shared in shared_of for i in shared)
        kept = [[i for i in shared if i in reader.sealed] for shared in shared_of]
    else:
        kept = [
            reader.best(shared, most, rarity(keys, hits, shared) if len(shared) > most else {})
            for keys, shared in zip(wanted, shared_of, strict=True)
        ]
    return [sorted(present) for present in kept], reads


def moved(
    probes: Sequence[Collection[int]],
    hits: Hits,
    rows_of: Callable[[list[int]], Iterable[int]],
    **options: object,
) -> tuple[list[list[int]], list[list[int]]]:
    """The same, through `choose` and a reader that reads each row once, as the repository's."""
    reads: list[list[int]] = []
    read: set[int] = set()
    tried: set[int] = set()

    def present(ids: Sequence[int]) -> Collection[int]:
        todo = sorted(set(ids) - tried)
        tried.update(todo)
        reads.append(todo)
        read.update(rows_of(todo))
        return {i for i in ids if i in read}

    return choose(probes, hits, present, **options), reads  # type: ignore[arg-type]


# -- a generated register -----------------------------------------------------------------------

rows = st.integers(min_value=1, max_value=400)
registers = st.dictionaries(
    st.integers(min_value=0, max_value=60), st.lists(rows, min_size=1, max_size=40, unique=True)
)
probe_keys = st.frozensets(st.integers(min_value=0, max_value=70), max_size=25)


@settings(max_examples=300, deadline=None)
@given(
    hits=registers,
    probes=st.lists(probe_keys, min_size=1, max_size=4),
    excluded=st.frozensets(rows, max_size=120),
    at_least=st.integers(min_value=1, max_value=3),
    anchored=st.booleans(),
    most=st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
)
@example(  # ties at a budget of one: the rarer key's row (ADR 0039), which the reference missed
    hits={0: [3], 1: [1, 2]},
    probes=[frozenset({0, 1})],
    excluded=frozenset(),
    at_least=1,
    anchored=False,
    most=1,
)
def test_the_moved_rule_chooses_what_the_repository_chose_reading_the_same_rows(
    hits: Hits,
    probes: list[frozenset[int]],
    excluded: frozenset[int],
    at_least: int,
    anchored: bool,
    most: int | None,
) -> None:
    def rows_of(ids: list[int]) -> list[int]:  # the enquirer's own agency's rows are left out
        return [i for i in ids if i not in excluded]

    anchors = [frozenset(sorted(keys)[:2]) for keys in probes] if anchored else []
    options = {"at_least": at_least, "anchors": anchors, "most": most}
    assert moved(probes, hits, rows_of, **options) == reference(probes, hits, rows_of, **options)  # type: ignore[arg-type]


# -- the rule, spelt out --------------------------------------------------------------------------


def everyone(ids: Sequence[int]) -> Collection[int]:
    return set(ids)


def test_a_row_is_counted_once_for_each_probe_key_that_reaches_it() -> None:
    hits = {1: [10, 11], 2: [10], 3: [12]}
    assert shared_keys({1, 2, 3}, set(), hits, 1) == Counter({10: 2, 11: 1, 12: 1})


def test_with_a_minimum_a_row_sharing_fewer_keys_stays_only_through_an_anchor_key() -> None:
    hits = {1: [10, 11], 2: [10], 3: [12]}
    assert set(shared_keys({1, 2, 3}, set(), hits, 2)) == {10}
    assert set(shared_keys({1, 2, 3}, {3}, hits, 2)) == {10, 12}


def test_rows_sharing_more_keys_rank_first_and_ties_go_to_the_older_row() -> None:
    assert ranked(Counter({7: 1, 3: 2, 5: 2, 1: 1})) == [3, 5, 1, 7]


def test_among_rows_sharing_as_many_keys_those_reached_through_rarer_keys_rank_first() -> None:
    # Rows 1 and 20 share one key each; 20's key reaches two rows, 1's reaches ten: at a budget
    # of one, the namesake of the common key is left out (docs/adr/0039).
    hits = {100: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 102: [20, 21]}
    assert ranked(Counter({1: 1, 20: 1}), {100, 102}, hits) == [20, 1]
    assert choose([{100, 102}], hits, everyone, most=1) == [[20]]


def test_rows_sharing_more_keys_still_beat_rows_sharing_rarer_ones_under_shared() -> None:
    hits = {100: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 101: [1, 11], 102: [20, 21]}
    assert choose([{100, 101, 102}], hits, everyone, most=1) == [[1]]


def test_a_capped_choice_skips_rows_not_present_and_reads_no_further_than_it_needs() -> None:
    order = list(range(1, 101))
    asked: list[Sequence[int]] = []

    def not_even(ids: Sequence[int]) -> Collection[int]:
        asked.append(ids)
        return {i for i in ids if i % 2}

    assert best(order, 3, not_even, margin=2) == [1, 3, 5]
    assert [list(batch) for batch in asked] == [[1, 2, 3, 4, 5]]


def test_candidates_come_out_in_row_order_whatever_their_rank() -> None:
    hits = {1: [30, 20], 2: [30], 3: [10]}
    # 30 shares two keys; 10 and 20 one each, and 10 is the older row.
    assert choose([{1, 2, 3}], hits, everyone, most=2) == [[10, 30]]
    assert choose([{1, 2, 3}], hits, everyone) == [[10, 20, 30]]


def test_ranked_by_rarity_a_row_sharing_one_rare_key_beats_one_sharing_two_common_keys() -> None:
    common_a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    common_b = [1, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    hits = {100: common_a, 101: common_b, 102: [20, 21]}
    # Row 1 shares two keys each reaching ten rows (0.2); row 20 one reaching two (0.5).
    assert choose([{100, 101, 102}], hits, everyone, most=1) == [[1]]
    assert choose([{100, 101, 102}], hits, everyone, most=1, ranking="rarity") == [[20]]


def test_ranked_by_rarity_ties_go_to_more_keys_shared_then_the_older_row() -> None:
    hits = {1: [5, 6], 2: [5, 6], 3: [7, 8, 9, 10], 4: [7, 8, 9, 10]}
    probe = {1, 2, 3, 4}
    assert ranked_by_rarity(probe, hits, shared_keys(probe, set(), hits, 1)) == [
        5, 6, 7, 8, 9, 10,
    ]  # fmt: skip


def test_without_a_cap_the_ranking_changes_nothing() -> None:
    hits = {1: [30, 20], 2: [30], 3: [10]}
    assert choose([{1, 2, 3}], hits, everyone, ranking="rarity") == choose(
        [{1, 2, 3}], hits, everyone
    )
