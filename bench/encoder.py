"""The encoder alone: rows per CPU-second of `Gateway.encode`, for registration (`wide=False`)
and enquiry (`wide=True`), over generated children (docs/adr/0031).

    .venv/bin/python -m bench.encoder [--children 3000] [--seed 5] [--repeat 3] [--profile]

The children are made first (synthetic, both worlds, as agencies record them); then each pass
encodes all of them with a fresh gateway (its caches empty, as a new command's are) and the best
pass's CPU time is reported: the machine is shared, and CPU time, unlike the wall clock, does not
count the neighbours. `--profile` prints where one registration pass spends its time.
"""

import argparse
import cProfile
import pstats
import time
from datetime import date

from fingerpost.domain.errors import DomainError
from fingerpost.gateway.rows import parse_child
from fingerpost.gateway.secret import Gateway
from fingerpost.matching.normalise import ChildIdentity
from fingerpost.synth.generator import _Generator

TODAY = date(2026, 11, 1)
SECRET = bytes(range(32))


def children(count: int, seed: int) -> list[ChildIdentity]:
    """`count` records of children, half from each generated world, one agency's view each."""
    made: list[ChildIdentity] = []
    for world in ("own", "independent"):
        gen = _Generator(seed, TODAY, world)
        while len(made) < count * (1 if world == "independent" else 0.5):
            for person in gen.household():
                try:
                    made.append(parse_child(gen.view(person, "council")))
                except DomainError:
                    continue
    return made[:count]


def rows_per_cpu_second(records: list[ChildIdentity], *, wide: bool, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gateway = Gateway(SECRET)
        started = time.process_time()
        for child in records:
            gateway.encode(child, today=TODAY, wide=wide)
        best = min(best, time.process_time() - started)
    return len(records) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    records = children(args.children, args.seed)
    if args.profile:
        gateway = Gateway(SECRET)
        profile = cProfile.Profile()
        profile.enable()
        for child in records:
            gateway.encode(child, today=TODAY, wide=False)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return
    for wide in (False, True):
        rate = rows_per_cpu_second(records, wide=wide, repeat=args.repeat)
        kind = "enquiry (wide)" if wide else "registration (narrow)"
        print(f"{kind:<24} {len(records):>6} children  {rate:>8,.0f} rows per CPU-second")


if __name__ == "__main__":
    main()
