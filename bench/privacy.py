"""A frequency attack on the stored encodings, as an insider holding the database would run it.

The attacker has every stored encoding but not the linkage secret, and knows how often each
family name and given name occurs: either the *public* distribution (here: the name frequencies
of another dataset drawn from the same sources as the register, as national statistics would
give them) or, as a worst case, the *exact* counts of the register attacked. Encodings of a name
that are byte-for-byte equal can be grouped and counted; the attacker ranks the groups by size,
ranks the names by frequency, and pairs them off rank by rank. When encodings are salted with
another attribute that is itself stored as a keyed token (the year or the date of birth), the
attacker partitions the records by that token first and attacks each part with the same ranking.

A record is *re-identified* when its family name and its first given name are both guessed right;
the share whose family name alone is guessed is reported too.
"""

import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from datetime import date
from pathlib import Path
from typing import Any

from fingerpost.domain.errors import DomainError
from fingerpost.gateway.rows import register_parts
from fingerpost.gateway.secret import Gateway
from fingerpost.matching.encode import UNSALTED, EncodedIdentity, NameFilters
from fingerpost.matching.normalise import normalise

__all__ = ["frequency_attack"]

_SECRET = b"a linkage secret the attacker does not hold, bench only"


def _register(data: Path, today: date) -> list[tuple[EncodedIdentity, NameFilters, str, str]]:
    """(stored encoding, the names' filters as version 2 stored them, first given name, family
    name) of every register record, once each."""
    gateway = Gateway(_SECRET)
    records = []
    seen: set[tuple[str, str]] = set()
    for path in sorted(data.glob("register-*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                key = (path.stem, row["local_ref"])
                if key in seen:
                    continue
                seen.add(key)
                try:
                    _, child = register_parts(row, today)
                except (ValueError, DomainError):  # a row `register` refuses too
                    continue
                person = normalise(child)
                query = gateway.encode(child, today=today, wide=False)
                unsalted = query.probe.name_variants[UNSALTED]
                records.append((query.identity, unsalted, person.first_given, person.family_joined))
    return records


def _guessed(
    values: list[Hashable], partitions: list[Hashable], truths: list[str], ranking: list[str]
) -> list[bool]:
    """Within each partition, the i-th commonest encoding is taken to be the i-th commonest name."""
    members: dict[Hashable, list[int]] = defaultdict(list)
    for i, part in enumerate(partitions):
        members[part].append(i)
    right = [False] * len(values)
    for indices in members.values():
        groups = Counter(values[i] for i in indices).most_common()
        guess = {value: name for (value, _), name in zip(groups, ranking, strict=False)}
        for i in indices:
            right[i] = guess.get(values[i]) == truths[i]
    return right


def _ranking(names: list[str]) -> list[str]:
    return [name for name, _ in Counter(names).most_common()]


def frequency_attack(data: Path, public: Path, today: date) -> dict[str, Any]:
    """Attack the register in `data`, knowing the name distribution of the dataset in `public`.
    Reports, per encoding scheme and attacker knowledge, the attacker's best strategy (all
    records at once, or partitioned by the stored year-of-birth token)."""
    records = _register(data, today)
    known = _register(public, today)
    given = [g for *_, g, _ in records]
    family = [f for *_, f in records]
    knowledge = {
        "public": (_ranking([g for *_, g, _ in known]), _ranking([f for *_, f in known])),
        "exact": (_ranking(given), _ranking(family)),
    }
    schemes: dict[str, Callable[[EncodedIdentity, NameFilters], tuple[int, int]]] = {
        "v2_unsalted": lambda _, unsalted: (unsalted[0], unsalted[1]),
        "v3_salted_by_year": lambda identity, _: (identity.given_bf, identity.family_bf),
    }
    strategies: dict[str, Callable[[EncodedIdentity], Hashable]] = {
        "all_at_once": lambda _: None,
        "by_year_token": lambda identity: identity.dob_year,
    }
    total = len(records)
    figures: dict[str, Any] = {"records": total}
    for scheme, filters in schemes.items():
        values = [filters(identity, unsalted) for identity, unsalted, _, _ in records]
        for who, (given_rank, family_rank) in knowledge.items():
            best: dict[str, Any] = {}
            for strategy, partition in strategies.items():
                parts = [partition(identity) for identity, *_ in records]
                family_right = _guessed([v[1] for v in values], parts, family, family_rank)
                given_right = _guessed([v[0] for v in values], parts, given, given_rank)
                both = sum(f and g for f, g in zip(family_right, given_right, strict=True))
                if not best or both / total > best["reidentified_share"]:
                    best = {
                        "strategy": strategy,
                        "family_name_guessed_share": round(sum(family_right) / total, 4),
                        "reidentified_share": round(both / total, 4),
                    }
            figures[f"{scheme}/{who}_frequencies"] = best
    return figures
