"""Several match settings on one *tuning* dataset, its register encoded once (docs/adr/0044).

`python -m bench.tuning_grid --world own --seed 1 --children 63000 -- -3,0,12.5 0,0,12.5`
makes the dataset, encodes its register in memory once (as `bench.misses` does: the hub's
candidate choice at its budget, its namesake count and its name counts), then makes every
enquiry under each setting `DOWN,UP,POSSIBLE_AT` (the bits a name's frequency may move an exact
agreement, and the weight a `possible` needs): children missed, false possibles per enquiry,
strong precision, rows reached and candidates scored per enquiry (mean, p99), pairs
completeness. The model is sized for the register (`MatchModel.for_register`), as at the hub.
It refuses a held-out seed (docs/adr/0023); `--out` writes the figures as JSON.
"""

import argparse
import builtins
import csv
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import misses
from bench.truth import Truth
from fingerpost.gateway.secret import Gateway
from fingerpost.matching import candidates
from fingerpost.matching.score import DEFAULT_MODEL
from fingerpost.service.candidates import MOST_CANDIDATES
from fingerpost.synth import WORLDS, write_dataset
from fingerpost.synth.worlds import HELD_OUT, split_of

__all__ = ["main"]

Enquiry = tuple[dict[str, str], str, set[tuple[str, str]]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tuning_grid", description=__doc__)
    parser.add_argument("--world", choices=WORLDS, default="own")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--children", type=int, default=6000)
    parser.add_argument("--enquiries", type=int, default=2000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("settings", nargs="+", help="DOWN,UP,POSSIBLE_AT (after --)")
    args = parser.parse_args(argv)
    if split_of(args.seed) == HELD_OUT:
        parser.error(f"seed {args.seed} is held out: never tuned on (docs/adr/0023)")
    with tempfile.TemporaryDirectory(prefix="fingerpost-grid-") as work:
        results = _grid(args, Path(work))
    if args.out:
        given = sys.argv[1:] if argv is None else argv
        command = "python -m bench.tuning_grid " + " ".join(given)
        args.out.write_text(json.dumps({"command": command, "results": results}, indent=2))


def _grid(args: argparse.Namespace, data: Path) -> list[dict[str, Any]]:
    write_dataset(
        data, seed=args.seed, children=args.children, enquiries=args.enquiries,
        as_of=misses._TODAY, world=args.world,
    )  # fmt: skip
    labels = misses._labelled()
    truth = Truth.load(data)
    gateway = Gateway(misses._SECRET)
    register = misses._Register()
    register.load(data, gateway)
    asked: list[Enquiry] = []
    for path in sorted(data.glob("enquiries-*.csv")):
        agency = path.stem.removeprefix("enquiries-")
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                expected = {(a, ref) for a, ref, _ in truth.expected(row["enquiry_ref"])}
                asked.append((row, agency, expected))
    results = []
    for setting in args.settings:
        down, up, possible_at = (float(x) for x in setting.split(","))
        model = replace(
            DEFAULT_MODEL.for_register(len(register.rows)),
            frequency_bounds=(down, up),
            possible_at=possible_at,
        )
        found = _one_setting(model, asked, gateway, register, labels)
        found |= {"world": args.world, "seed": args.seed, "setting": setting}
        print(json.dumps(found), flush=True)
        results.append(found)
    return results


def _one_setting(
    model: Any,
    asked: Sequence[Enquiry],
    gateway: Gateway,
    register: Any,
    labels: dict[int, str],
) -> dict[str, Any]:
    options = argparse.Namespace(most=MOST_CANDIDATES, ranking="shared", model=model, show=0)
    tally = misses._Tally()
    scored: list[int] = []
    chosen = candidates.choose

    def choose(*given: Any, **named: Any) -> list[list[int]]:
        kept = chosen(*given, **named)
        scored.append(len(kept[0]))
        return kept

    started = time.perf_counter()
    quiet: Callable[..., None] = lambda *_, **__: None  # noqa: E731 - the misses' own listing
    printing = builtins.print
    vars(candidates)["choose"] = choose  # what `bench.misses` calls: counts what it keeps
    builtins.print = quiet
    try:
        for row, agency, expected in asked:
            misses._one(options, row, agency, expected, gateway, register, labels, tally)
    finally:
        builtins.print = printing
        vars(candidates)["choose"] = chosen
    missed = sum(tally.kinds.values())
    reached, kept = sorted(tally.reached) or [0], sorted(scored) or [0]
    pairs = max(tally.pairs, 1)
    strong = tally.true["strong"] + tally.false["strong"]
    return {
        "registrations": len(register.rows),
        "enquiries": tally.enquiries,
        "with_a_registered_child": tally.asked,
        "missed": missed,
        "missed_share": round(missed / max(tally.asked, 1), 4),
        "missed_by_kind": dict(tally.kinds),
        "false_possibles_per_enquiry": round(tally.false["possible"] / tally.enquiries, 4),
        "strong_precision": round(tally.true["strong"] / max(strong, 1), 4),
        "rows_reached_mean": round(sum(reached) / len(reached), 1),
        "rows_reached_p99": reached[int(0.99 * (len(reached) - 1))],
        "candidates_scored_mean": round(sum(kept) / len(kept), 1),
        "candidates_scored_p99": kept[int(0.99 * (len(kept) - 1))],
        "pairs_completeness": round(tally.blocked / pairs, 4),
        "pairs_completeness_at_budget": round(tally.kept / pairs, 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    main()
