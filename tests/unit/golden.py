"""Golden encodings and verdicts: what the encoder and the scorer gave, field by field, for a few
hundred generated children and a few thousand pairs of them, under one fixed secret.

Stored encodings at every agency's hub depend on the encoder giving the same bits for the same
child, whatever its code looks like inside (docs/adr/0031). The fixture holds the children
themselves (synthetic), so it does not move when the generator does, and a digest of each output
field. Regenerate it ONLY for an intended change of encoding (a new encoding version):

    .venv/bin/python -m tests.unit.golden

For an intended change of scoring only (m/u, thresholds, rules: the encodings unchanged), re-score
the fixture's own pairs, keeping its children, encodings and pairs:

    .venv/bin/python -m tests.unit.golden --verdicts
"""

import gzip
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from fingerpost.domain.errors import DomainError
from fingerpost.matching.encode import EncodedIdentity, EncodedQuery, Encoder
from fingerpost.matching.normalise import ChildIdentity, normalise
from fingerpost.matching.score import DEFAULT_MODEL, score

FIXTURE = Path(__file__).with_name("data") / "golden.json.gz"
SECRET = hashlib.sha256(b"fingerpost golden encodings").digest()
TODAY = date(2026, 11, 1)
BIRTH_YEARS = range(TODAY.year - 26, TODAY.year + 1)  # as the gateway's, aged under 26
CHILDREN_PER_WORLD = 150
PAIRS = 3000


def child_to_json(child: ChildIdentity) -> dict[str, Any]:
    raw = asdict(child)
    raw["date_of_birth"] = child.date_of_birth.isoformat() if child.date_of_birth else None
    raw["other_names"] = list(child.other_names)
    return raw


def child_from_json(raw: dict[str, Any]) -> ChildIdentity:
    born = raw["date_of_birth"]
    return ChildIdentity(
        **raw
        | {
            "other_names": tuple(raw["other_names"]),
            "date_of_birth": date.fromisoformat(born) if born else None,
        }
    )


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def _canonical(value: object) -> object:
    """A form of a field whose repr does not depend on set or dict order."""
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dict):
        return sorted(((repr(k), _canonical(v)) for k, v in value.items()))
    return value


def identity_fields(prefix: str, identity: EncodedIdentity) -> dict[str, str]:
    """Every field of an encoded identity, the probe-only ones included, and its packed and JSON
    forms and digest: a digest each."""
    fields = {
        f"{prefix}.{name}": _digest(_canonical(getattr(identity, name)))
        for name in EncodedIdentity.__dataclass_fields__
        if not name.startswith("_")
    }
    fields[f"{prefix}:stored"] = _digest(identity.to_stored())
    fields[f"{prefix}:json"] = _digest(identity.to_json())
    fields[f"{prefix}:digest"] = identity.digest()[:16]
    return fields


def query_fields(query: EncodedQuery) -> dict[str, str]:
    return {
        **identity_fields("identity", query.identity),
        **identity_fields("probe", query.probe),
        "probe_keys": _digest(sorted(query.probe_keys)),
        "anchor_keys": _digest(sorted(query.anchor_keys)),
        "name_keys": _digest(sorted(query.name_keys)),
    }


def encode(encoder: Encoder, child: ChildIdentity, *, wide: bool) -> EncodedQuery:
    return encoder.encode(normalise(child), birth_years=BIRTH_YEARS, wide=wide)


# Children the generator rarely makes: each field missing in turn, names of many words, a name of
# vowels only (no sound), particles, previous names, the same word twice.
_EDGES = (
    ChildIdentity(given_names="Aoife", family_name="Ó Briain"),
    ChildIdentity(family_name="Eye", date_of_birth=date(2019, 2, 3), postcode="LS1 4AP"),
    ChildIdentity(given_names="Mohammed Ali", family_name="al-Hassan bin Salman", sex="male"),
    ChildIdentity(
        given_names="Jo",
        family_name="Smith-Jones",
        other_names=("Jo Smith", "Joanne Jones"),
        date_of_birth=date(2012, 12, 12),
        sex="female",
        postcode="M1 1AE",
        nhs_number="9434765919",
    ),
    ChildIdentity(given_names="Łukasz Żółć", family_name="Van der Berg", sex="male"),
    ChildIdentity(given_names="Ann Ann", family_name="Ann", date_of_birth=date(2001, 1, 1)),
    ChildIdentity(given_names="Zoë", nhs_number="9434765919", date_of_birth=date(2020, 2, 29)),
    ChildIdentity(given_names="Bartholomew", family_name="Oyelaran-Adebayo-Okonkwo"),
)


def generated_children(seed: int = 31) -> list[ChildIdentity]:
    """Children as agencies and enquirers record them, from both generated worlds, each seen
    twice or three times (the generator's mess: nicknames, transliterations, typos, swapped
    dates, missing fields, middle names), and the edge cases above."""
    from fingerpost.gateway.rows import parse_child
    from fingerpost.synth.generator import _Generator

    children: list[ChildIdentity] = list(_EDGES)
    for world in ("own", "independent"):
        gen = _Generator(seed, TODAY, world, names="locales")  # as when the fixture was made
        made = 0
        while made < CHILDREN_PER_WORLD:
            for person in gen.household():
                for kind in gen.rng.sample(["council", "police", "health"], 2):
                    try:
                        children.append(parse_child(gen.view(person, kind)))
                    except DomainError:
                        continue
                    made += 1
    return children


def _indexed(queries: list[EncodedQuery]) -> dict[int, list[int]]:
    index: dict[int, list[int]] = {}
    for number, query in enumerate(queries):
        for key in query.identity.blocking_keys:
            index.setdefault(key, []).append(number)
    return index


def pairs(
    stored: list[EncodedQuery], asked: list[EncodedQuery], seed: int = 7
) -> list[tuple[int, int]]:
    """(probe, stored) index pairs: every pair blocking brings together, then random ones."""
    index = _indexed(stored)
    found: dict[tuple[int, int], None] = {}
    for a, query in enumerate(asked):
        for key in sorted(query.probe_keys):
            for b in index.get(key, ()):
                found.setdefault((a, b))
    rng = random.Random(seed)
    chosen = list(found)
    rng.shuffle(chosen)
    chosen = chosen[: PAIRS * 2 // 3]
    while len(chosen) < PAIRS:
        chosen.append((rng.randrange(len(asked)), rng.randrange(len(stored))))
    return chosen


def verdict_of(probe: EncodedIdentity, other: EncodedIdentity) -> list[Any]:
    verdict = score(probe, other)
    levels = list(DEFAULT_MODEL.levels_of(probe, other))
    if verdict is None:
        return [None, levels]
    return [
        [verdict.confidence.value, verdict.why, verdict.weight.hex(), verdict.names_only],
        levels,
    ]


def build() -> dict[str, Any]:
    encoder = Encoder(SECRET)
    children = generated_children()
    stored = [encode(encoder, child, wide=False) for child in children]
    asked = [encode(encoder, child, wide=True) for child in children]
    chosen = pairs(stored, asked)
    return {
        "children": [child_to_json(c) for c in children],
        "encodings": [
            {"narrow": query_fields(s), "wide": query_fields(w)}
            for s, w in zip(stored, asked, strict=True)
        ],
        "pairs": [[a, b, verdict_of(asked[a].probe, stored[b].identity)] for a, b in chosen],
    }


def load() -> dict[str, Any]:
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def differences(expected: dict[str, str], actual: dict[str, str]) -> Iterator[str]:
    for name in sorted(expected.keys() | actual.keys()):
        if expected.get(name) != actual.get(name):
            yield name


def write(data: dict[str, Any], path: Path = FIXTURE) -> None:
    path.parent.mkdir(exist_ok=True)
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    # mtime 0: the same fixture gives the same bytes
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write(text.encode())


def rescored(data: dict[str, Any]) -> dict[str, Any]:
    """The fixture with its pairs' verdicts made again by today's scorer (nothing else)."""
    encoder = Encoder(SECRET)
    children = [child_from_json(raw) for raw in data["children"]]
    stored = [encode(encoder, child, wide=False) for child in children]
    asked = [encode(encoder, child, wide=True) for child in children]
    pairs = [[a, b, verdict_of(asked[a].probe, stored[b].identity)] for a, b, _ in data["pairs"]]
    return data | {"pairs": pairs}


if __name__ == "__main__":
    import sys

    fixture = rescored(load()) if "--verdicts" in sys.argv[1:] else build()
    write(fixture)
    print(f"{len(fixture['children'])} children, {len(fixture['pairs'])} pairs -> {FIXTURE}")  # noqa: T201
