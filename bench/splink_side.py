"""Splink side by side: the same generated register and enquiries, linked in the clear.

Splink (DuckDB backend) gets the clear-text fields fingerpost encodes — first given name, family
name, date of birth, sex, postcode, NHS number — after the same parsing and folding, comparisons
close to fingerpost's (Jaro–Winkler names, a date-of-birth comparison with a one-character level,
UK postcode unit/sector/district, exact sex and NHS number), blocking rules close to fingerpost's
blocking keys, u from random sampling and m by EM on two training blocks (date of birth; names),
as Splink's documentation recommends. `strong` is a match probability of at least 0.995 and
`possible` of at least 0.2 (Splink's own posterior); pairs within one agency are left out, as the
hub never shows an agency its own records. Accuracy is counted per register record (agency, local
reference), and latency is Splink's real-time path for one new record
(`find_matches_to_new_records`) against the same register.
"""

import csv
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from fingerpost.domain.errors import DomainError
from fingerpost.gateway.rows import parse_enquiry_row, register_parts
from fingerpost.matching.normalise import ChildIdentity, fold

__all__ = ["run_splink"]

STRONG = 0.995
POSSIBLE = 0.2
_LATENCY_SAMPLE = 30  # each takes about a second: a few are enough to compare


def _clear(child: ChildIdentity, uid: str, agency: str) -> dict[str, Any]:
    given = fold(child.given_names).split()
    return {
        "unique_id": uid,
        "agency": agency,
        "given_name": given[0] if given else None,
        "family_name": fold(child.family_name).replace(" ", "") or None,
        "dob": child.date_of_birth.isoformat() if child.date_of_birth else None,
        "sex": child.sex or None,
        "postcode": child.postcode,
        "nhs_number": child.nhs_number,
    }


def _tables(data: Path, today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    registrations: dict[str, dict[str, Any]] = {}
    for path in sorted(data.glob("register-*.csv")):
        agency = path.stem.removeprefix("register-")
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                uid = f"{agency}|{row['local_ref']}"
                if uid in registrations:
                    continue
                try:
                    _, child = register_parts(row, today)
                except (ValueError, DomainError):  # a row `register` refuses too
                    continue
                registrations[uid] = _clear(child, uid, agency)
    enquiries = []
    for path in sorted(data.glob("enquiries-*.csv")):
        agency = path.stem.removeprefix("enquiries-")
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                parsed = parse_enquiry_row(row)
                enquiries.append(_clear(parsed.child, parsed.enquiry_ref, agency))
    return list(registrations.values()), enquiries


def _truth(data: Path) -> tuple[dict[str, str], dict[str, str]]:
    child_of_record: dict[str, str] = {}
    child_of_enquiry: dict[str, str] = {}
    with (data / "truth.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == "register":
                child_of_record[f"{row['agency']}|{row['ref']}"] = row["child_id"]
            else:
                child_of_enquiry[row["ref"]] = row["child_id"]
    return child_of_record, child_of_enquiry


def run_splink(data: Path, today: date) -> dict[str, Any]:
    # An optional bench dependency (make bench-install): imported late.
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    registrations, enquiries = _tables(data, today)
    child_of_record, child_of_enquiry = _truth(data)
    blocking: list[Any] = [
        block_on("nhs_number"),
        block_on("given_name", "dob"),
        block_on("family_name", "dob"),
        block_on("dob", "postcode"),
        block_on("given_name", "family_name"),
        block_on("substr(given_name, 1, 1)", "substr(family_name, 1, 1)", "dob"),
        block_on("family_name", "postcode"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.ExactMatch("nhs_number"),
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    started = time.perf_counter()
    register_frame = pd.DataFrame(registrations)
    linker = Linker(
        [register_frame, pd.DataFrame(enquiries)],
        settings,
        db_api=DuckDBAPI(),
        input_table_aliases=["register", "enquiries"],
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number"), block_on("given_name", "family_name", "dob")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "family_name")
    )
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    pairs = linker.inference.predict(threshold_match_probability=POSSIBLE).as_pandas_dataframe()
    predict_s = time.perf_counter() - started
    agency_of_enquiry = {e["unique_id"]: e["agency"] for e in enquiries}
    found: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for row in pairs.itertuples():
        # Either side may be the enquiry: Splink orders a pair by source table name.
        left, right = str(row.unique_id_l), str(row.unique_id_r)
        enquiry, record = (left, right) if left in agency_of_enquiry else (right, left)
        if record.split("|")[0] != agency_of_enquiry[enquiry]:
            found[enquiry].append((record, float(row.match_probability)))
    records_of_child: dict[str, set[str]] = defaultdict(set)
    for record, child in child_of_record.items():
        records_of_child[child].add(record)
    strong = strong_true = possible = possible_true = 0
    true_pairs = found_any = found_strong = with_truth = missed = 0
    for enquiry, own in agency_of_enquiry.items():
        child = child_of_enquiry[enquiry]
        expected = {r for r in records_of_child.get(child, set()) if r.split("|")[0] != own}
        hits = found.get(enquiry, [])
        true_strong = {r for r, p in hits if p >= STRONG and r in expected}
        true_any = {r for r, _ in hits if r in expected}
        for record, probability in hits:
            if probability >= STRONG:
                strong += 1
                strong_true += record in expected
            else:
                possible += 1
                possible_true += record in expected
        if expected:
            with_truth += 1
            true_pairs += len(expected)
            found_any += len(true_any)
            found_strong += len(true_strong)
            missed += not true_any
    latencies = []
    for new_record in enquiries[:_LATENCY_SAMPLE]:
        started = time.perf_counter()
        linker.inference.find_matches_to_new_records(
            [new_record], blocking_rules=blocking, match_weight_threshold=-4
        ).as_pandas_dataframe()
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    total = len(enquiries)

    def share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 1.0

    return {
        "registrations": len(registrations),
        "enquiries": total,
        "strong_precision": share(strong_true, strong),
        "recall_strong": share(found_strong, true_pairs),
        "recall_strong_or_possible": share(found_any, true_pairs),
        "missed_children_share": share(missed, with_truth),
        "false_possibles_per_enquiry": round((possible - possible_true) / total, 4),
        "false_strong": strong - strong_true,
        "train_s": round(train_s, 2),
        "predict_all_s": round(predict_s, 2),
        "one_enquiry_p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "one_enquiry_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
    }
