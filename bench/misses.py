"""The misses of one *tuning* dataset, read in clear text beside their comparison levels.

`python -m bench.misses --world independent --seed 1` makes the dataset, runs the matching
engine in memory (normalise → encode → block → choose candidates → score, with the hub's namesake
count) and prints every enquiry whose child is registered at
another agency and that no true signpost answers: whether blocking reached the true record,
whether the candidate budget kept it (`--most`, the hub's by default; `candidates.choose`, the
hub's own rule), and if so its comparison levels and weight. Then the misses by kind and by
pattern of differences (`bench.miss_kinds`), and each blocking rule's pairs completeness: the
share of true pairs one of its keys reaches, and of those only its keys reach. It refuses a
held-out seed (fingerpost.synth.worlds, docs/adr/0023): reading a held-out world's misses would
make it tuning data.
"""

import argparse
import csv
import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from bench.miss_kinds import pattern
from bench.truth import Truth
from fingerpost.domain.errors import DomainError
from fingerpost.gateway.rows import parse_enquiry_row, register_parts
from fingerpost.gateway.secret import Gateway
from fingerpost.matching import candidates, frequency
from fingerpost.matching.encode import EncodedIdentity, EncodedQuery, Encoder
from fingerpost.matching.score import DEFAULT_MODEL, MatchModel, NameFrequency, Verdict, score
from fingerpost.service.candidates import MOST_CANDIDATES
from fingerpost.synth import WORLDS, write_dataset
from fingerpost.synth.worlds import HELD_OUT, split_of

__all__ = ["main"]

_SECRET = b"a linkage secret for reading tuning misses only!"
_FIELDS = ("nhs_number", "given_names", "family_name", "other_names", "date_of_birth", "sex",
           "postcode")  # fmt: skip
_TODAY = date(2026, 11, 1)


def _clear(row: dict[str, str]) -> str:
    return " | ".join(row.get(k, "") or "·" for k in _FIELDS)


def _vector(a: EncodedIdentity, b: EncodedIdentity) -> str:
    levels = DEFAULT_MODEL.levels_of(a, b)
    return " ".join(
        f"{c.field}={c.levels[n].name}"
        for c, n in zip(DEFAULT_MODEL.comparisons, levels, strict=True)
        if n is not None and c.field != "sex"
    )


def _labelled() -> dict[int, str]:
    """Each blocking key's rule, as the encoder hashes it (for the per-rule figures only)."""
    labels: dict[int, str] = {}
    hashed = Encoder._hashed

    def recording(self: Encoder, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        made = hashed(self, keys)
        labels.update((h, key[0]) for key, h in made.items())
        return made

    Encoder._hashed = recording  # type: ignore[method-assign]
    return labels


@dataclass
class _Register:
    rows: list[tuple[str, str, dict[str, str], EncodedIdentity]] = field(default_factory=list)
    index: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    refused: set[tuple[str, str]] = field(default_factory=set)
    names: Counter[int] = field(default_factory=Counter)  # name token → rows carrying it

    def count(self, keys: Iterable[int]) -> int:
        """The rows indexed under any of `keys`, every agency's (as the hub counts them)."""
        return len({i for key in keys for i in self.index.get(key, ())})

    def count_each(self, tokens: Iterable[int]) -> dict[int, int]:
        """The rows carrying each name token (as the hub counts them, docs/adr/0044)."""
        return {token: self.names[token] for token in tokens if token in self.names}

    def load(self, data: Path, gateway: Gateway) -> None:
        for path in sorted(data.glob("register-*.csv")):
            agency = path.stem.removeprefix("register-")
            with path.open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    try:
                        _, child = register_parts(row, _TODAY)
                    except DomainError:
                        self.refused.add((agency, row["local_ref"]))
                        continue
                    identity = gateway.encode(child, today=_TODAY, wide=False).identity
                    for key in identity.blocking_keys:
                        self.index[key].append(len(self.rows))
                    self.names.update(frequency.tokens(identity))
                    self.rows.append((agency, row["local_ref"], row, identity))


@dataclass
class _Tally:
    asked: int = 0
    pairs: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    patterns: Counter[tuple[str, str]] = field(default_factory=Counter)
    vectors: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    only_rule: Counter[str] = field(default_factory=Counter)
    kept: int = 0
    enquiries: int = 0
    rows_by_rule: Counter[str] = field(default_factory=Counter)  # rows its probe keys reach
    false: Counter[str] = field(default_factory=Counter)
    true: Counter[str] = field(default_factory=Counter)
    false_vectors: Counter[str] = field(default_factory=Counter)  # levels of false signposts
    true_possible_vectors: Counter[str] = field(default_factory=Counter)  # of true possibles
    blocked: int = 0
    m: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    best_true: list[float] = field(default_factory=list)  # per enquiry: its best true weight
    false_weights: list[float] = field(default_factory=list)  # of the false possibles
    reached: list[int] = field(default_factory=list)
    # per enquiry: rows reached, the name counts' move, best true weight (None: no child
    # registered elsewhere), the false possibles' weights
    each: list[dict[str, object]] = field(default_factory=list)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.misses", description=__doc__)
    parser.add_argument("--world", choices=WORLDS, default="independent")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--children", type=int, default=6000)
    parser.add_argument("--enquiries", type=int, default=3000)
    parser.add_argument("--most", type=int, default=MOST_CANDIDATES, help="candidate budget")
    parser.add_argument("--ranking", choices=("shared", "rarity"), default="shared")
    parser.add_argument("--show", type=int, default=60, help="misses printed in full")
    parser.add_argument("--model", type=Path, help="score with this model's JSON (to_json)")
    parser.add_argument(
        "--frequency-bounds", type=float, nargs=2, metavar=("DOWN", "UP"),
        help="bits a name's frequency may move an exact agreement (the model's by default)",
    )  # fmt: skip
    parser.add_argument("--own-involvements", type=float, help="the model's by default")
    parser.add_argument(
        "--weights", type=Path,
        help="write each enquiry's rows reached, best true weight and false possibles' weights"
        " (JSON lines: to weigh a `possible` threshold that moves, docs/adr/0046)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.model = MatchModel.from_json(args.model.read_text()) if args.model else DEFAULT_MODEL
    if args.frequency_bounds:
        args.model = replace(args.model, frequency_bounds=tuple(args.frequency_bounds))
    if args.own_involvements is not None:
        args.model = replace(args.model, own_involvements=args.own_involvements)
    if split_of(args.seed) == HELD_OUT:
        parser.error(f"seed {args.seed} is held out: its misses are never read (docs/adr/0023)")
    with tempfile.TemporaryDirectory(prefix="fingerpost-misses-") as work:
        _read_misses(args, Path(work))


def _read_misses(args: argparse.Namespace, data: Path) -> None:
    write_dataset(
        data, seed=args.seed, children=args.children, enquiries=args.enquiries, as_of=_TODAY,
        world=args.world,
    )  # fmt: skip
    labels = _labelled()
    truth = Truth.load(data)
    gateway = Gateway(_SECRET)
    register = _Register()
    register.load(data, gateway)
    args.model = args.model.for_register(len(register.rows))  # as the hub sizes it
    tally = _Tally()
    for path in sorted(data.glob("enquiries-*.csv")):
        agency = path.stem.removeprefix("enquiries-")
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                expected = {(a, ref) for a, ref, _ in truth.expected(row["enquiry_ref"])}
                _one(args, row, agency, expected, gateway, register, labels, tally)
    _print(args, tally, register)
    if args.weights:
        lines = (json.dumps(each) for each in tally.each)
        args.weights.write_text("".join(line + "\n" for line in lines))


@dataclass
class _Scored:
    """A kept row's verdict as the hub gives it: a possible on the names alone is dropped where
    more registrations than `names_alone_at_most` carry the names (the hub's namesake count,
    docs/adr/0015), counted once per enquiry when first needed."""

    query: EncodedQuery
    register: _Register
    model: MatchModel
    common: bool | None = None
    names: NameFrequency = field(default_factory=NameFrequency)

    def __post_init__(self) -> None:
        tokens = frequency.probe_tokens(self.query)
        self.names = self.model.name_frequency(tokens, self.register.count_each)

    def __call__(self, i: int) -> Verdict | None:
        verdict = score(self.query.probe, self.register.rows[i][3], self.model, self.names)
        if verdict is None or not verdict.names_only or verdict.confidence.value != "possible":
            return verdict
        if self.common is None:
            found = self.register.count(self.query.name_keys)
            self.common = found > self.model.names_alone_at_most
        return None if self.common else verdict


def _one(
    args: argparse.Namespace,
    row: dict[str, str],
    agency: str,
    expected: set[tuple[str, str]],
    gateway: Gateway,
    register: _Register,
    labels: dict[int, str],
    tally: _Tally,
) -> None:
    query = gateway.encode(parse_enquiry_row(row).child, today=_TODAY)
    rows = register.rows
    [kept] = candidates.choose(
        [query.probe_keys],
        register.index,
        lambda ids: {i for i in ids if rows[i][0] != agency},
        most=args.most,
        ranking=args.ranking,
    )
    tally.enquiries += 1
    for key in query.probe_keys:
        tally.rows_by_rule[labels.get(key, "?")] += len(register.index.get(key, ()))
    tally.reached.append(len({i for key in query.probe_keys for i in register.index.get(key, ())}))
    scored = _Scored(query, register, args.model)
    falses = len(tally.false_weights)
    _count_signposts(tally, scored, kept, expected)
    each: dict[str, object] = {
        "reached": tally.reached[-1],
        "moved": [scored.names.given, scored.names.family],
        "false": tally.false_weights[falses:],
        "best_true": None,
    }
    tally.each.append(each)
    if not expected:
        return
    tally.asked += 1
    true = [i for i, s in enumerate(rows) if (s[0], s[1]) in expected]
    rules = {i: set[str]() for i in true}
    for key in query.probe_keys:
        for i in register.index.get(key, ()):
            if i in rules:
                rules[i].add(labels.get(key, "?"))
    _count_rules(tally, rules)
    kept_true = [i for i in true if i in set(kept)]
    tally.kept += len(kept_true)
    verdicts = {i: scored(i) for i in kept_true}
    _count_levels(tally, query, [rows[i][3] for i in kept_true])
    found = [v.weight for v in verdicts.values() if v is not None]
    tally.best_true.append(max(found, default=0.0))
    each["best_true"] = tally.best_true[-1]
    if found:
        return
    kind = "below possible" if verdicts else "not blocked"
    if not verdicts and any(rules[i] for i in true):
        kind = "beyond budget"
    if expected <= register.refused:
        kind = "only rows refused at registration"
    tally.kinds[kind] += 1
    if true:
        tally.patterns[(kind, pattern(row, rows[true[0]][2]))] += 1
    for i in verdicts:
        tally.vectors[_vector(query.probe, rows[i][3])] += 1
    if sum(tally.kinds.values()) <= args.show:
        print(f"\n{kind}: {_clear(row)}")
        for i in true:
            print(f"   registered: {_clear(rows[i][2])}")
            print(f"      {_vector(query.probe, rows[i][3])}  rules={sorted(rules[i])}")


def _count_signposts(
    tally: _Tally, scored: _Scored, kept: Iterable[int], expected: set[tuple[str, str]]
) -> None:
    """The kept rows' signposts, true or false, with the levels and weights of the possibles."""
    rows = scored.register.rows
    for i in kept:
        verdict = scored(i)
        if verdict is None:
            continue
        vector = _vector(scored.query.probe, rows[i][3])
        if (rows[i][0], rows[i][1]) not in expected:
            tally.false[verdict.confidence.value] += 1
            tally.false_vectors[vector] += 1
            if verdict.confidence.value == "possible":
                tally.false_weights.append(verdict.weight)
        else:
            tally.true[verdict.confidence.value] += 1
            if verdict.confidence.value == "possible":
                tally.true_possible_vectors[vector] += 1


def _count_levels(tally: _Tally, query: EncodedQuery, true: list[EncodedIdentity]) -> None:
    """Each level's count among the true pairs kept: what m measures."""
    for identity in true:
        levels = DEFAULT_MODEL.levels_of(query.probe, identity)
        for comparison, n in zip(DEFAULT_MODEL.comparisons, levels, strict=True):
            if n is not None:
                tally.m[comparison.field][comparison.levels[n].name] += 1


def _count_rules(tally: _Tally, rules: dict[int, set[str]]) -> None:
    for found in rules.values():
        tally.pairs += 1
        tally.by_rule.update(found)
        tally.blocked += bool(found)
        if len(found) == 1:
            tally.only_rule.update(found)


def _print_m_and_thresholds(tally: _Tally) -> None:
    print("\nshare of each level among the true pairs kept (m, where the field is known):")
    for comparison in DEFAULT_MODEL.comparisons:
        counted = tally.m[comparison.field]
        known = max(sum(counted.values()), 1)
        shares = (f"{lv.name} {counted[lv.name] / known:.3f} ({lv.m})" for lv in comparison.levels)
        print(f"  {comparison.field:9} " + "  ".join(shares))
    print("\nif `possible` needed more weight: children missed, false possibles per enquiry")
    for at in (12.0, 12.5, 13.0, 13.5, 14.0, 14.5, 15.0, 15.5, 16.0, 17.0, 18.0):
        missed_at = sum(w < at for w in tally.best_true)
        false_at = sum(w >= at for w in tally.false_weights)
        print(f"  {at:5.1f}  {missed_at:4}  {false_at / max(tally.enquiries, 1):.4f}")


def _print(args: argparse.Namespace, tally: _Tally, register: _Register) -> None:
    print("\nlevels of the true pairs kept but not signposted:")
    for vector, count in tally.vectors.most_common():
        print(f"{count:5}  {vector}")
    print("\nlevels of the false signposts (most common):")
    for vector, count in tally.false_vectors.most_common(25):
        print(f"{count:5}  {vector}")
    print("\nlevels of the true possibles (most common; beside: false signposts of those levels):")
    for vector, count in tally.true_possible_vectors.most_common(25):
        print(f"{count:5} {tally.false_vectors[vector]:5}  {vector}")
    print("\nmisses by kind and pattern (enquiry against the first registered record):")
    for (kind, seen), count in sorted(tally.patterns.items(), key=lambda x: (x[0][0], -x[1])):
        print(f"{count:5}  {kind:16} {seen}")
    pairs = max(tally.pairs, 1)
    print(f"\npairs completeness per blocking rule ({tally.pairs} true pairs):")
    for rule, count in tally.by_rule.most_common():
        print(
            f"  {rule:22} {count / pairs:.4f}   only this rule: {tally.only_rule[rule]:3}"
            f"   rows reached per enquiry: {tally.rows_by_rule[rule] / tally.enquiries:.1f}"
        )
    _print_m_and_thresholds(tally)
    reached = sorted(tally.reached) or [0]
    missed = sum(tally.kinds.values())
    print(
        f"\n{args.world} world, seed {args.seed} ({len(register.rows)} registrations):"
        f" {tally.asked} enquiries with a registered child, {missed} missed"
        f" ({missed / max(tally.asked, 1):.2%}): {dict(tally.kinds)};"
        f" pairs completeness {tally.blocked / pairs:.4f}, at budget {args.most}:"
        f" {tally.kept / pairs:.4f};"
        f" candidates reached mean {sum(reached) / len(reached):.1f},"
        f" p99 {reached[int(0.99 * (len(reached) - 1))]};"
        f" false possibles per enquiry {tally.false['possible'] / max(tally.enquiries, 1):.4f},"
        f" strong precision"
        f" {tally.true['strong'] / max(tally.true['strong'] + tally.false['strong'], 1):.4f};"
        f" {len(register.refused)} register records refused"
    )


if __name__ == "__main__":
    main()
