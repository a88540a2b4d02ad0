"""Candidate ranking side by side (docs/adr/0030): one register, enquiries under each ranking.

`.venv/bin/python -m bench.ranking --size 100000 --seed 101 --world independent` generates one
dataset, registers it once (ranking plays no part in registration), then makes the same
enquiries with `FINGERPOST_CANDIDATE_RANKING=shared` and `=rarity`: missed children, false
possibles, pairs completeness at the enquiry's budget and at smaller ones, and candidates reached
per enquiry. Held-out seeds (100-199) are only reported, never tuned on (docs/adr/0023).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.run import (
    INVOLVEMENTS_PER_CHILD,
    database,
    enquiry_rows,
    pin_linkage_secret,
    register_all,
    run_enquiries,
)
from bench.truth import Truth
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.gateway.rows import parse_enquiry_row
from fingerpost.service.hub import MOST_CANDIDATES
from fingerpost.synth import write_dataset
from fingerpost.synth.worlds import split_of

BUDGETS = (1, 2, 4, 8, 16, 32, MOST_CANDIDATES)


def completeness(
    fp: Fingerpost, truth: Truth, rows: list[tuple[str, dict[str, str]]]
) -> dict[str, Any]:
    """Share of true pairs among the candidates kept, for each budget; candidates reached."""
    kept = dict.fromkeys(BUDGETS, 0)
    pairs = 0
    reached: list[int] = []
    with fp.unit_of_work() as uow:
        for agency, row in rows:
            parsed = parse_enquiry_row(row)
            query = fp.gateway.encode(parsed.child)
            expected = {(a, ref) for a, ref, _ in truth.expected(parsed.enquiry_ref)}
            pairs += len(expected)
            reached.append(len(uow.involvements.candidates(query.probe_keys, agency)))
            for budget in BUDGETS:
                found = uow.involvements.candidates(query.probe_keys, agency, most=budget)
                got = {
                    (c.agency.code, c.involvement.key.local_ref)
                    for c in uow.involvements.resolve(found).values()
                }
                kept[budget] += len(expected & got)
    reached.sort()
    return {
        "pairs_completeness_at_budget": {
            str(b): round(n / pairs, 4) if pairs else 1.0 for b, n in kept.items()
        },
        "candidates_reached_mean": round(sum(reached) / len(reached), 2),
        "candidates_reached_p99": reached[int(0.99 * (len(reached) - 1))],
        "candidates_scored_mean": round(
            sum(min(n, MOST_CANDIDATES) for n in reached) / len(reached), 2
        ),
        "enquiries_over_budget": sum(n > MOST_CANDIDATES for n in reached),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--world", default="independent")
    parser.add_argument("--enquiries", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    figures: dict[str, Any] = {
        "command": " ".join(["python -m bench.ranking", *sys.argv[1:]]),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "involvements": args.size,
        "seed": args.seed,
        "world": args.world,
        "split": split_of(args.seed),
    }
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        data, home = work / "data", work / "home"
        write_dataset(
            data,
            seed=args.seed,
            children=max(50, round(args.size / INVOLVEMENTS_PER_CHILD)),
            agencies=6,
            enquiries=args.enquiries,
            as_of=date.today(),
            world=args.world,
        )
        pin_linkage_secret(home, args.seed)
        with database("sqlite", home) as url:
            env = {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": url}
            figures["register_rows"], _ = register_all(data, env)
            truth = Truth.load(data)
            rows = enquiry_rows(data, args.enquiries)
            for ranking in ("shared", "rarity"):
                settings = Settings(
                    home=home,
                    database_url=url,
                    limit_agency_per_hour=10**9,
                    candidate_ranking=ranking,
                )
                fp = bootstrap(settings)
                try:
                    started = time.perf_counter()
                    accuracy, _ = run_enquiries(fp, truth, rows, timed=False)
                    seconds = time.perf_counter() - started
                    measured = accuracy.figures()
                    figures[ranking] = {
                        "missed_children_share": measured["missed_children_share"],
                        "false_possibles_per_enquiry": measured["false_possibles_per_enquiry"],
                        "strong_precision": measured["strong_precision"],
                        "recall_strong_or_possible": measured["recall_strong_or_possible"],
                        "enquiry_mean_ms": round(1000 * seconds / len(rows), 2),
                        **completeness(fp, truth, rows),
                    }
                finally:
                    fp.close()
                print(ranking, json.dumps(figures[ranking]), flush=True)
    usage = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["cpu_s"] = round(sum(u.ru_utime + u.ru_stime for u in usage), 1)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
