"""How a `possible` threshold that moves would have answered, read from `bench.misses --weights`.

`python -m bench.possible_rule own-100k.jsonl=100000 own-1m.jsonl=1000000` reads each
dump (one line an enquiry: rows its keys reached, the name counts' move, its child's best true
weight, the false possibles' weights, all scored at the model's own `possible`) with the register
size it was made at, and prints, for each rule, children missed and false possibles per enquiry:

- `fixed T`: `possible` at T bits whatever the register;
- `size B S R`: B + S × log2(size / R) bits where the register is larger than R (a prior that
  falls as the register grows: ADR 0046);
- `reached B S R0`: B + S × log2(rows the enquiry's keys reached / R0), never below B (a prior
  by how many involvements look like the child).

A rule can only ask more than the dump's own threshold: what scored below it was not kept. Reads
tuning dumps only (`bench.misses` refuses a held-out seed).
"""

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["main"]

Enquiry = dict[str, Any]
Rule = Callable[[Enquiry, int], float]


def _fixed(at: float) -> Rule:
    return lambda _enquiry, _size: at


def _by_size(base: float, slope: float, reference: float) -> Rule:
    return lambda _enquiry, size: base + slope * max(math.log2(size / reference), 0.0)


def _by_reached(base: float, slope: float, reference: float) -> Rule:
    return lambda enquiry, _size: (
        base + slope * max(math.log2(max(enquiry["reached"], 1) / reference), 0.0)
    )


def _rule(text: str) -> Rule:
    kind, *numbers = text.split()
    values = [float(n) for n in numbers]
    if kind == "fixed":
        return _fixed(*values)
    return (_by_size if kind == "size" else _by_reached)(*values)


def outcome(enquiries: list[Enquiry], size: int, rule: Rule) -> tuple[int, int, float]:
    """(children with a registered child, of them missed, false possibles per enquiry)."""
    asked = missed = false = 0
    for enquiry in enquiries:
        at = rule(enquiry, size)
        false += sum(weight >= at for weight in enquiry["false"])
        if enquiry["best_true"] is not None:
            asked += 1
            missed += enquiry["best_true"] < at
    return asked, missed, false / max(len(enquiries), 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.possible_rule", description=__doc__)
    parser.add_argument("dumps", nargs="+", help="PATH=REGISTER_SIZE")
    parser.add_argument(
        "--rule", action="append", default=[],
        help="fixed T | size B S R | reached B S R0 (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    loaded = []
    for given in args.dumps:
        path, size = given.rsplit("=", 1)
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        loaded.append((Path(path).stem, int(size), [json.loads(line) for line in lines]))
    for text in args.rule or ["fixed 12.5"]:
        rule = _rule(text)
        cells = []
        for name, size, enquiries in loaded:
            asked, missed, false = outcome(enquiries, size, rule)
            cells.append(f"{name}: {missed}/{asked} ({missed / max(asked, 1):.2%}) {false:.4f}")
        print(f"{text:24} " + "  ".join(cells))


if __name__ == "__main__":
    main()
