"""Which stored involvements a probe looks at, and which first (docs/adr/0013, docs/adr/0030).

Pure: the blocking index's hits (probe key → the rows it reaches) come in, row ids go out. The
caller reads rows; here is only the rule that chooses them, so that it can be read, tested and
changed without a database.
"""

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Literal

__all__ = [
    "MARGIN",
    "Hits",
    "Present",
    "Ranking",
    "best",
    "choose",
    "ranked",
    "ranked_by_rarity",
    "rarity",
    "shared_keys",
]

Hits = Mapping[int, Sequence[int]]
# Of the row ids asked about, those that can be candidates (e.g. not the enquirer's own agency's,
# not unreadable). The caller reads each row at most once; it may be asked again.
Present = Callable[[Sequence[int]], Collection[int]]

# How a capped choice orders the rows: by how many keys they share with the probe (`shared`,
# ADR 0013), or by how rare those keys are (`rarity`, ADR 0030): a key that reaches many rows
# (a common family name with a common year) says less about each than one that reaches few.
Ranking = Literal["shared", "rarity"]

# Extra candidates asked for with each slice of a capped choice, for those not present.
MARGIN = 16


def shared_keys(
    keys: Collection[int], anchor: Collection[int], hits: Hits, at_least: int
) -> Counter[int]:
    """Row id → how many of `keys` reach it; with `at_least` > 1, only the rows reached that
    often or through an `anchor` key (a key rare enough to be worth one look on its own)."""
    shared = Counter(i for key in keys for i in hits.get(key, ()))
    if at_least <= 1:
        return shared
    anchored = {i for key in anchor for i in hits.get(key, ())}
    return Counter({i: n for i, n in shared.items() if n >= at_least or i in anchored})


def ranked(
    shared: Mapping[int, int], keys: Collection[int] = (), hits: Hits | None = None
) -> list[int]:
    """The rows sharing the most keys first (a true match shares many); ties by the rarity of
    the keys shared (`rarity`, given `keys` and their `hits`: among namesakes sharing as many
    keys, those reached through rare keys first, docs/adr/0039), then by row id."""
    weight = rarity(keys, hits, shared) if hits is not None else {}
    return sorted(shared, key=lambda i: (-shared[i], -weight.get(i, 0.0), i))


def rarity(keys: Collection[int], hits: Hits, shared: Mapping[int, int]) -> dict[int, float]:
    """Row id → the sum over the keys it shares of 1/(rows the key reaches): a key shared by a
    whole town's namesakes adds little, one shared by a handful adds much."""
    weight = dict.fromkeys(shared, 0.0)
    for key in sorted(keys):  # a fixed order: the same sums, to the last bit, every time
        reached = hits.get(key, ())
        for i in reached:
            if i in weight:
                weight[i] += 1.0 / len(reached)
    return weight


def ranked_by_rarity(keys: Collection[int], hits: Hits, shared: Mapping[int, int]) -> list[int]:
    """The rows whose shared keys are rarest first (`rarity`); ties by keys shared, then row id.
    A row's weight does not grow with the register unless its own keys become common, so the
    true match stays near the top of a fixed budget."""
    weight = rarity(keys, hits, shared)
    return sorted(shared, key=lambda i: (-weight[i], -shared[i], i))


def best(order: Sequence[int], most: int, present: Present, *, margin: int = MARGIN) -> list[int]:
    """The first `most` rows of `order` that are present, asked about a slice at a time: the
    excluded agency's rows rank high too, and the rest of a large register need never be read."""
    kept: list[int] = []
    start = 0
    while len(kept) < most and start < len(order):
        take = order[start : start + most - len(kept) + margin]
        start += len(take)
        found = present(take)
        kept += [i for i in take if i in found]
    return kept[:most]


def choose(
    probes: Sequence[Collection[int]],
    hits: Hits,
    present: Present,
    *,
    at_least: int = 1,
    anchors: Sequence[Collection[int]] = (),
    most: int | None = None,
    ranking: Ranking = "shared",
) -> list[list[int]]:
    """For each probe, the row ids of its candidates in row-id order: every present row sharing
    a key (or `at_least` keys, or an anchor), or with `most`, only the `most` ranked first."""
    anchored = list(anchors) or [frozenset[int]()] * len(probes)
    shared_of = [
        shared_keys(keys, anchor, hits, at_least)
        for keys, anchor in zip(probes, anchored, strict=True)
    ]
    if most is None:
        found = present(sorted(_union(shared_of)))
        return [sorted(i for i in shared if i in found) for shared in shared_of]
    orders = [
        _order(keys, hits, shared, most, ranking)
        for keys, shared in zip(probes, shared_of, strict=True)
    ]
    return [sorted(best(order, most, present)) for order in orders]


def _order(
    keys: Collection[int], hits: Hits, shared: Mapping[int, int], most: int, ranking: Ranking
) -> list[int]:
    if len(shared) <= most:  # every row is kept whatever the order: none need be weighed
        return sorted(shared)
    if ranking == "rarity":
        return ranked_by_rarity(keys, hits, shared)
    return ranked(shared, keys, hits)


def _union(groups: Iterable[Iterable[int]]) -> set[int]:
    return {i for group in groups for i in group}
