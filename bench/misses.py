"""The misses of one *tuning* dataset, read in clear text beside their comparison levels.

`python -m bench.misses --world independent --seed 1` makes the dataset, runs the matching
engine in memory (normalise → encode → block → score, as `bench/febrl.py` does, without the
hub's candidate cap or namesake count) and prints every enquiry whose child is registered at
another agency and that no true signpost answers: whether blocking reached the true record, and
if so its comparison levels and weight. It refuses a held-out seed (fingerpost.synth.worlds,
docs/adr/0023): reading a held-out world's misses would make it tuning data.
"""

import argparse
import csv
import tempfile
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from bench.truth import Truth
from fingerpost.domain.errors import DomainError
from fingerpost.gateway.rows import parse_enquiry_row, register_parts
from fingerpost.gateway.secret import Gateway
from fingerpost.matching.encode import EncodedIdentity
from fingerpost.matching.score import DEFAULT_MODEL, score
from fingerpost.synth import WORLDS, write_dataset
from fingerpost.synth.worlds import HELD_OUT, split_of

__all__ = ["main"]

_SECRET = b"a linkage secret for reading tuning misses only!"
_FIELDS = ("nhs_number", "given_names", "family_name", "other_names", "date_of_birth", "sex",
           "postcode")  # fmt: skip


def _clear(row: dict[str, str]) -> str:
    return " | ".join(row.get(k, "") or "·" for k in _FIELDS)


def _vector(a: EncodedIdentity, b: EncodedIdentity) -> str:
    levels = DEFAULT_MODEL.levels_of(a, b)
    return " ".join(
        f"{c.field}={c.levels[n].name}"
        for c, n in zip(DEFAULT_MODEL.comparisons, levels, strict=True)
        if n is not None and c.field != "sex"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.misses", description=__doc__)
    parser.add_argument("--world", choices=WORLDS, default="independent")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--children", type=int, default=6000)
    parser.add_argument("--enquiries", type=int, default=3000)
    parser.add_argument("--show", type=int, default=60, help="misses printed in full")
    args = parser.parse_args(argv)
    if split_of(args.seed) == HELD_OUT:
        parser.error(f"seed {args.seed} is held out: its misses are never read (docs/adr/0023)")
    with tempfile.TemporaryDirectory(prefix="fingerpost-misses-") as work:
        _read_misses(args, Path(work))


def _read_misses(args: argparse.Namespace, data: Path) -> None:
    today = date(2026, 11, 1)
    write_dataset(
        data, seed=args.seed, children=args.children, enquiries=args.enquiries, as_of=today,
        world=args.world,
    )  # fmt: skip
    truth = Truth.load(data)
    gateway = Gateway(_SECRET)
    stored: list[tuple[str, str, dict[str, str], EncodedIdentity]] = []
    index: dict[int, list[int]] = defaultdict(list)
    refused: set[tuple[str, str]] = set()  # rows `register` refuses: not in the register
    for path in sorted(data.glob("register-*.csv")):
        agency = path.stem.removeprefix("register-")
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                try:
                    _, child = register_parts(row, today)
                except DomainError:
                    refused.add((agency, row["local_ref"]))
                    continue
                identity = gateway.encode(child, today=today, wide=False).identity
                for key in identity.blocking_keys:
                    index[key].append(len(stored))
                stored.append((agency, row["local_ref"], row, identity))
    kinds: Counter[str] = Counter()
    vectors: Counter[str] = Counter()  # the levels of true pairs reached but not signposted
    shown = asked = 0
    for path in sorted(data.glob("enquiries-*.csv")):
        agency = path.stem.removeprefix("enquiries-")
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                expected = {(a, ref) for a, ref, _ in truth.expected(row["enquiry_ref"])}
                if not expected:
                    continue
                asked += 1
                query = gateway.encode(parse_enquiry_row(row).child, today=today)
                reached = {i for key in query.probe_keys for i in index.get(key, ())}
                true = [i for i, s in enumerate(stored) if (s[0], s[1]) in expected]
                verdicts = {i: score(query.probe, stored[i][3]) for i in true if i in reached}
                if any(v is not None for v in verdicts.values()):
                    continue
                kind = "not blocked" if not verdicts else "below possible"
                if expected <= refused:
                    kind = "only rows refused at registration"
                kinds[kind] += 1
                for i in verdicts:
                    vectors[_vector(query.probe, stored[i][3])] += 1
                if shown < args.show:
                    shown += 1
                    print(f"\n{kind}: {_clear(row)}")
                    for i in true:
                        print(f"   registered: {_clear(stored[i][2])}")
                        print(f"      {_vector(query.probe, stored[i][3])}  reached={i in reached}")
    print("\nlevels of the true pairs reached but not signposted:")
    for vector, count in vectors.most_common():
        print(f"{count:5}  {vector}")
    missed = sum(kinds.values())
    print(
        f"\n{args.world} world, seed {args.seed}: {asked} enquiries with a registered child,"
        f" {missed} missed ({missed / max(asked, 1):.2%}): {dict(kinds)};"
        f" {len(refused)} register records refused"
    )


if __name__ == "__main__":
    main()
