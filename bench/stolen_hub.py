"""The stolen hub (issue 16): what a thief who takes the hub's whole server learns of the
children registered there — without the linkage secret, and with it.

What the attacker is given
- the hub's entire home and database: the master key, every agency's data key and the backup
  key (so every sealed column opens: local references, practitioners, the children's keyed
  encodings), the blocking keys, the `ages_out` of every involvement (to the half-year since ADR
  0034; to the month before), the audit log;
  *not* the linkage secret, which after the split lives only at the gateways;
- fingerpost's source code (it is open), so the encoder and its labels are known;
- public name lists: every name of the project's own sources (`fingerpost.synth.names`: Faker's
  en_GB, pl_PL, ro_RO, lt_LT and tr_TR lists, drawn until they stop growing, and the curated
  lists), with their nickname and transliteration forms (the `nicknames` package the matcher
  uses); every date of birth in scope (aged 0 to 26);
- public name and birthday *frequencies*: another dataset drawn from the same sources (as
  national statistics would give them) — or, as a worst case, the register's own exact counts.

What counts as re-identified
- a record, when the attacker's guess of its first given name, its family name *and* its full
  date of birth are all what the agency registered (normalised as the gateway normalises them:
  enough to look the child up in any other system);
- a child, when any of their records is. Weaker leaks are reported beside: both names right
  (ADR 0011's measure), the family name, the full date, the year and month of birth.

The attacks
- *dictionary*: encode every listed name under every birth year, and every date, and look the
  register's encodings up. Without the secret the thief must guess it: one guess is run, to
  show the figure is measured, not assumed.
- *frequency*: group equal encodings (names within the stored year-of-birth token, dates within
  the birth months `ages_out` leaves: the rule is in the open source), rank groups by size and
  pair them with the names and birthdays ranked by frequency (ADR 0011's attack, extended to the
  whole identity).

`python -m bench.stolen_hub --children 10000` (or `make bench BENCH_ARGS="--sizes 0 --no-febrl
--stolen-hub 10000"`).
"""

from __future__ import annotations

import argparse
import csv
import math
import secrets
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from faker import Faker
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, select

from bench.privacy import _guessed, _ranking
from bench.provenance import code
from fingerpost.adapters.crypto import Keyring, master_key
from fingerpost.adapters.db.sealed import open_sealed
from fingerpost.adapters.db.tables import agencies, involvements
from fingerpost.adapters.keys import LINKAGE_FILE
from fingerpost.domain.errors import DomainError
from fingerpost.domain.retention import AGE_LIMIT, CARE_LEAVER_AGE_LIMIT, ages_out
from fingerpost.domain.values import MAX_AGE_YEARS
from fingerpost.gateway.rows import register_parts
from fingerpost.matching.encode import EncodedIdentity, Encoder
from fingerpost.matching.normalise import name_family, normalise, split_names
from fingerpost.synth import write_dataset
from fingerpost.synth.names import CURATED_FAMILY, CURATED_GIVEN, LOCALE_SHARES, SPELLING_VARIANTS

__all__ = ["attack", "run", "table"]

Truth = tuple[str, str, date | None]  # first given name, family name, date of birth


@dataclass(frozen=True, slots=True)
class Stolen:
    """One agency's record of a child as the thief reads it back from the hub, beside (for
    scoring only) what the agency registered and who the child is."""

    identity: EncodedIdentity
    ages_out: date | None
    truth: Truth
    child: str


def steal(home: Path) -> list[tuple[str, str, date | None, EncodedIdentity]]:
    """(agency, local reference, ages_out, encoding) of every record, with the hub's own keys."""
    keyring = Keyring(home, master_key(home))
    engine = create_engine(f"sqlite:///{home / 'fingerpost.db'}")
    query = select(
        agencies.c.code, involvements.c.public_id, involvements.c.sealed, involvements.c.ages_out
    ).join(agencies, agencies.c.id == involvements.c.agency_id)
    seen: dict[tuple[str, str], tuple[str, str, date | None, EncodedIdentity]] = {}
    with engine.connect() as connection:
        for code, public_id, sealed, ages_out in connection.execute(query):
            opened = open_sealed(keyring, code, public_id, sealed)
            identity = EncodedIdentity.from_stored(opened.identity)
            seen.setdefault((code, opened.local_ref), (code, opened.local_ref, ages_out, identity))
    engine.dispose()
    return list(seen.values())


def _registered(data: Path, today: date) -> dict[tuple[str, str], Truth]:
    """What each agency registered, normalised as the gateway normalises it."""
    truths: dict[tuple[str, str], Truth] = {}
    for path in sorted(data.glob("register-*.csv")):
        agency = path.stem.removeprefix("register-")
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                try:
                    _, child = register_parts(row, today)
                except (ValueError, DomainError):
                    continue
                person = normalise(child)
                truths[(agency, row["local_ref"])] = (
                    person.first_given,
                    person.family_joined,
                    person.date_of_birth,
                )
    return truths


def _children(data: Path) -> dict[tuple[str, str], str]:
    with (data / "truth.csv").open(encoding="utf-8") as handle:
        return {
            (row["agency"], row["ref"]): row["child_id"]
            for row in csv.DictReader(handle)
            if row["kind"] == "register"
        }


def records(home: Path, data: Path, today: date) -> list[Stolen]:
    truths, children = _registered(data, today), _children(data)
    return [
        Stolen(identity, ages_out, truths[(agency, ref)], children[(agency, ref)])
        for agency, ref, ages_out, identity in steal(home)
        if (agency, ref) in truths
    ]


# -- what is public -----------------------------------------------------------------------------


def name_lists(draws: int = 20_000) -> tuple[list[str], list[str]]:
    """Every given and family name of the project's sources, normalised, with the nickname and
    transliteration forms of the given names."""
    given: set[str] = {name for name, _ in CURATED_GIVEN}
    family: set[str] = set(CURATED_FAMILY)
    for name, others in SPELLING_VARIANTS.items():
        given.update((name, *others))
    for locale in LOCALE_SHARES:
        if locale == "curated":
            continue
        fake = Faker(locale)
        fake.seed_instance(424242)  # the attacker's own draws, not the register's
        for _ in range(draws):
            given.update((fake.first_name_male(), fake.first_name_female()))
            family.add(fake.last_name())
    firsts = {words[0] for name in given if (words := split_names(name))}
    forms = {form for word in firsts for form in name_family(word)}
    families = {"".join(words) for name in family if (words := split_names(name))}
    return sorted(firsts | forms), sorted(families)


def dates_in_scope(today: date) -> list[date]:
    first = date(today.year - MAX_AGE_YEARS - 1, 1, 1)
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def public_frequencies(data: Path, today: date) -> tuple[list[str], list[str], list[str]]:
    """Given names, family names and days of the month, commonest first, from another dataset."""
    truths = list(_registered(data, today).values())
    return (
        _ranking([g for g, _, _ in truths]),
        _ranking([f for _, f, _ in truths]),
        _ranking([str(d.day) for _, _, d in truths if d]),
    )


# -- the attacks --------------------------------------------------------------------------------


def dictionary(
    stolen: list[Stolen], secret: bytes, today: date, names: tuple[list[str], list[str]]
) -> list[Truth | None]:
    """Each record's identity, looked up in the encodings of every listed name and date."""
    encoder = Encoder(secret)
    days = {encoder.token("dob", d.isoformat()): d for d in dates_in_scope(today)}
    years: dict[bytes | None, str] = {
        encoder.token("dob-year", str(y)): str(y) for y in range(today.year - 27, today.year + 1)
    }
    years[None] = "?"  # no date: the names are salted with "?"
    wanted = {(r.identity.dob_year, r.identity.given_bf) for r in stolen}
    wanted |= {(r.identity.dob_year, r.identity.family_bf) for r in stolen}
    salts = {token: years[token] for token, _ in wanted if token in years}
    given_names, family_names = names
    lookup: dict[tuple[bytes | None, int], str] = {}
    for table in (family_names, given_names):  # a given name wins where both encode alike
        for token, salt in salts.items():
            for name in table:
                lookup[(token, encoder.bloom(f"name/{salt}", name))] = name
    guesses: list[Truth | None] = []
    for record in stolen:
        identity = record.identity
        given = lookup.get((identity.dob_year, identity.given_bf), "")
        family = lookup.get((identity.dob_year, identity.family_bf), "")
        born = days.get(identity.dob) if identity.dob else None
        guesses.append((given, family, born) if given or family or born else None)
    return guesses


def window(stored: date | None, limit: int) -> list[tuple[int, int]]:
    """Every (year, month) of birth that fingerpost's own rule (its source is open) turns into
    the stored `ages_out` at the age limit `limit`: the thief's candidates."""
    if stored is None:
        return []
    care_leaver = limit == CARE_LEAVER_AGE_LIMIT
    candidates = []
    # ages_out falls at least one month and at most a year after the birthday's month.
    for back in range(limit * 12, limit * 12 + 13):
        year, month = divmod(stored.year * 12 + stored.month - 1 - back, 12)
        if ages_out(date(year, month + 1, 1), care_leaver=care_leaver) == stored:
            candidates.append((year, month + 1))
    return sorted(candidates)


def _windows(stolen: list[Stolen]) -> list[list[tuple[int, int]]]:
    """The candidate birth months per record: the limit of 18, or of 25 (a care leaver) where
    that agrees with the year most records of the same year-of-birth token give."""
    votes: dict[bytes | None, Counter[int]] = defaultdict(Counter)
    for record in stolen:
        for born, _ in window(record.ages_out, AGE_LIMIT):
            votes[record.identity.dob_year][born] += 1
    windows: list[list[tuple[int, int]]] = []
    for record in stolen:
        common = votes[record.identity.dob_year].most_common(1)
        year = common[0][0] if common and record.identity.dob_year else None
        at_18 = window(record.ages_out, AGE_LIMIT)
        at_25 = window(record.ages_out, CARE_LEAVER_AGE_LIMIT)
        windows.append(at_25 if at_25 and year in {y for y, _ in at_25} else at_18)
    return windows


def _months(stolen: list[Stolen]) -> list[tuple[int, int] | None]:
    """The thief's guess of each record's year and month of birth: the first candidate (births
    are near enough uniform over the months of a window that no other guess does better)."""
    return [found[0] if found else None for found in _windows(stolen)]


def ages_out_leak(stolen: list[Stolen], today: date) -> dict[str, float]:
    """What `ages_out` alone tells the thief of the date of birth: the share of records whose
    birth month it pins (a single candidate, and the right one), the share whose birth month is
    among its candidates, and the bits of the date of birth left to guess (log2 of the days in
    the candidate months, averaged) against the bits of a date in scope with nothing known."""
    dated = [(r, found) for r, found in zip(stolen, _windows(stolen), strict=True) if r.truth[2]]
    pinned = within = 0
    bits_left = 0.0
    for record, found in dated:
        born = record.truth[2]
        assert born is not None
        truth = (born.year, born.month)
        pinned += found == [truth]
        within += truth in found
        days = sum(_days_in(year, month) for year, month in found) or len(dates_in_scope(today))
        bits_left += math.log2(days)
    total = len(dated) or 1
    return {
        "records_with_a_date": len(dated),
        "birth_month_pinned_share": round(pinned / total, 5),
        "birth_month_within_share": round(within / total, 5),
        "candidate_months_mean": round(sum(len(f) for _, f in dated) / total, 3),
        "dob_bits_left_mean": round(bits_left / total, 3),
        "dob_bits_in_scope": round(math.log2(len(dates_in_scope(today))), 3),
    }


def _days_in(year: int, month: int) -> int:
    return (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days


def frequency(
    stolen: list[Stolen], ranks: tuple[list[str], list[str], list[str]]
) -> dict[str, list[bool]]:
    """Which parts of each record a frequency attack gets right."""
    given_rank, family_rank, day_rank = ranks
    tokens: list[Hashable] = [r.identity.dob_year for r in stolen]
    given = _guessed(
        [r.identity.given_bf for r in stolen], tokens, [r.truth[0] for r in stolen], given_rank
    )
    family = _guessed(
        [r.identity.family_bf for r in stolen], tokens, [r.truth[1] for r in stolen], family_rank
    )
    months = _months(stolen)
    month_right = [
        m is not None and r.truth[2] is not None and m == (r.truth[2].year, r.truth[2].month)
        for r, m in zip(stolen, months, strict=True)
    ]
    days = _guessed(
        [r.identity.dob for r in stolen],
        list(months),
        [str(r.truth[2].day) if r.truth[2] else "" for r in stolen],
        day_rank,
    )
    born = [m and d for m, d in zip(month_right, days, strict=True)]
    return {"given": given, "family": family, "born": born, "born_month": month_right}


def _checked(stolen: list[Stolen], guesses: Iterable[Truth | None]) -> dict[str, list[bool]]:
    parts: dict[str, list[bool]] = {"given": [], "family": [], "born": [], "born_month": []}
    for record, guess in zip(stolen, guesses, strict=True):
        given, family, born = guess or ("", "", None)
        truth = record.truth
        parts["given"].append(bool(given) and given == truth[0])
        parts["family"].append(bool(family) and family == truth[1])
        parts["born"].append(born is not None and born == truth[2])
        month = truth[2] and (truth[2].year, truth[2].month)
        parts["born_month"].append(born is not None and (born.year, born.month) == month)
    return parts


def _figures(stolen: list[Stolen], parts: dict[str, list[bool]], seconds: float) -> dict[str, Any]:
    total = len(stolen)
    full = [
        g and f and b
        for g, f, b in zip(parts["given"], parts["family"], parts["born"], strict=True)
    ]
    names = [g and f for g, f in zip(parts["given"], parts["family"], strict=True)]
    children = {r.child for r in stolen}
    named = {r.child for r, right in zip(stolen, full, strict=True) if right}
    return {
        "children": len(children),
        "children_reidentified": len(named),
        "children_reidentified_share": round(len(named) / len(children), 5),
        "records": total,
        "records_reidentified_share": round(sum(full) / total, 5),
        "both_names_share": round(sum(names) / total, 5),
        "family_name_share": round(sum(parts["family"]) / total, 5),
        "date_of_birth_share": round(sum(parts["born"]) / total, 5),
        "birth_month_share": round(sum(parts["born_month"]) / total, 5),
        "seconds": round(seconds, 1),
    }


def attack(
    home: Path, data: Path, public: Path, today: date, secret: bytes | None
) -> dict[str, dict[str, Any]]:
    """Every attack on the stolen hub in `home`, scored against the register in `data`."""
    stolen = records(home, data, today)
    names = name_lists()
    ranks = public_frequencies(public, today)
    truths = [r.truth for r in stolen]
    exact = (
        _ranking([t[0] for t in truths]),
        _ranking([t[1] for t in truths]),
        _ranking([str(t[2].day) for t in truths if t[2]]),
    )
    runs: dict[str, Callable[[], dict[str, list[bool]]]] = {
        "hub/dictionary, a guessed secret": lambda: _checked(
            stolen, dictionary(stolen, secrets.token_bytes(32), today, names)
        ),
        "hub/frequency, public frequencies": lambda: frequency(stolen, ranks),
        "hub/frequency, the register's exact frequencies": lambda: frequency(stolen, exact),
    }
    if secret is not None:
        runs["hub + secret/dictionary"] = lambda: _checked(
            stolen, dictionary(stolen, secret, today, names)
        )
    figures: dict[str, dict[str, Any]] = {}
    for name, run_attack in runs.items():
        started = time.perf_counter()
        parts = run_attack()
        figures[name] = _figures(stolen, parts, time.perf_counter() - started)
    figures["ages_out"] = ages_out_leak(stolen, today)
    figures["dictionary_sizes"] = {
        "given_names": len(names[0]),
        "family_names": len(names[1]),
        "dates": len(dates_in_scope(today)),
    }
    return figures


def run(children: int, *, seed: int = 1, world: str = "own") -> dict[str, Any]:
    """Register `children` synthetic children in a hub, steal it, attack it."""
    from bench.run import pin_linkage_secret, register_all  # run.py imports this module

    today = date.today()
    with tempfile.TemporaryDirectory(prefix="fingerpost-stolen-") as tmp:
        work = Path(tmp)
        data, public, home = work / "data", work / "public", work / "home"
        summary = write_dataset(
            data, seed=seed, children=children, enquiries=1, as_of=today, world=world
        )
        write_dataset(
            public, seed=seed + 1000, children=children, enquiries=1, as_of=today, world=world
        )
        pin_linkage_secret(home, seed)
        url = f"sqlite:///{home / 'fingerpost.db'}"
        rows, seconds = register_all(
            data, {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": url}
        )
        # The hub holds no linkage secret (issue 16): the thief's copy has none.
        stolen = work / "stolen"
        shutil.copytree(home, stolen, ignore=shutil.ignore_patterns(LINKAGE_FILE))
        secret = bytes.fromhex((home / LINKAGE_FILE).read_text().strip())
        figures = attack(stolen, data, public, today, secret)
    return {
        "children": summary.children,
        "involvements": summary.involvements,
        "registered_rows": rows,
        "register_s": round(seconds, 1),
        "seed": seed,
        "world": world,
        "attacks": figures,
    }


def table(result: dict[str, Any]) -> Table:
    """The attacks side by side: what the split buys is the distance between the rows."""
    view = Table(
        title=f"Stolen hub: {result['children']:,} registered children"
        f" ({result['involvements']:,} involvements), seed {result['seed']}"
    )
    columns = (
        "attacker",
        "attack",
        "children re-identified",
        "records: both names",
        "family name",
        "date of birth",
        "birth year and month",
        "seconds",
    )
    for column in columns:
        view.add_column(column, justify="left" if column in columns[:2] else "right")
    for name, figures in result["attacks"].items():
        if "/" not in name:
            continue
        who, how = name.split("/", 1)
        view.add_row(
            who,
            how,
            f"{figures['children_reidentified']:,} ({figures['children_reidentified_share']:.2%})",
            f"{figures['both_names_share']:.2%}",
            f"{figures['family_name_share']:.2%}",
            f"{figures['date_of_birth_share']:.2%}",
            f"{figures['birth_month_share']:.2%}",
            f"{figures['seconds']}",
        )
    leak = result["attacks"].get("ages_out")
    if leak:
        view.caption = (
            f"ages_out alone: birth month pinned for {leak['birth_month_pinned_share']:.2%}"
            f" of dated records ({leak['candidate_months_mean']} candidate months on average);"
            f" {leak['dob_bits_left_mean']} of {leak['dob_bits_in_scope']} bits of the date of"
            " birth left to guess"
        )
    return view


def main() -> None:
    import json
    import os
    import platform
    import resource
    import sys
    from datetime import UTC, datetime

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="also write the result here (JSON)")
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args.children, seed=args.seed)
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    Console().print(table(result))
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.stolen_hub " + " ".join(sys.argv[1:]),
        "code": code(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(sum(u.ru_utime + u.ru_stime for u in usage), 1),
        "stolen_hub": result,
    }
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
