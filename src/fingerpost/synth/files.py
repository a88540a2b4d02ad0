"""The generator's files: agencies.csv, the registers, the enquiries and truth.csv, written
from its plans."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fingerpost.synth.generator import AgencyPlan, Child, _Generator

__all__ = [
    "ENQUIRY_MESS",
    "ENQUIRY_SHARES",
    "enquiries_of",
    "write",
    "write_agencies",
    "write_files",
]

# Enquiries are made in a hurry: each kind of mess is this much likelier than in a register.
ENQUIRY_MESS = 2.0
ENQUIRY_SHARES = {"registered": 0.7, "unregistered": 0.2, "sibling": 0.1}
REGISTER_COLUMNS = [
    "local_ref", "nhs_number", "given_names", "family_name", "other_names", "date_of_birth",
    "sex", "postcode", "involvement", "practitioner_name", "practitioner_role",
    "practitioner_phone", "practitioner_email", "start_date", "end_date",
]  # fmt: skip
ENQUIRY_COLUMNS = [
    "enquiry_ref", "nhs_number", "given_names", "family_name", "other_names", "date_of_birth",
    "sex", "postcode",
]  # fmt: skip


def write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


# What each kind's out-of-hours line is, and who always answers (the night answer, ADR 0020).
_OUT_OF_HOURS = {
    "social-care": "Emergency Duty Team, 24 hours",
    "police": "Force control room, 24 hours",
    "health": "Hospital switchboard, ask for the on-call safeguarding lead",
    "youth-justice": "Emergency Duty Team, 24 hours",
}
_ALWAYS_OPEN = {"police"}


def write_agencies(path: Path, plans: list[AgencyPlan], rng: random.Random) -> Path:
    def phone() -> str:
        return f"0300 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"

    rows = [
        {
            "code": p.code,
            "name": p.name,
            "authority_area": p.area,
            "kind": p.kind,
            "duty_phone": phone(),
            "duty_email": f"duty@{p.code.lower()}.example.org",
            "out_of_hours_phone": phone(),
            "out_of_hours_name": _OUT_OF_HOURS.get(p.kind, "Out-of-hours service"),
            "office_hours": "24/7" if p.kind in _ALWAYS_OPEN else "Mon-Fri 09:00-17:00",
        }
        for p in plans
    ]
    columns = ["code", "name", "authority_area", "kind", "duty_phone", "duty_email"]
    added = ["out_of_hours_name", "office_hours"]  # optional columns, after the contract's
    write(path, [*columns, "out_of_hours_phone", *added], rows)
    return path


def enquiries_of(
    gen: _Generator,
    plans: list[AgencyPlan],
    registered: list[Child],
    unregistered_siblings: list[Child],
    enquiries: int,
) -> tuple[dict[str, list[dict[str, str]]], list[tuple[str, ...]]]:
    rng = gen.rng
    # Enquiries come from the police and health agencies (A&E at night), or the first two.
    enquirers = [p for p in plans if p.kind in {"police", "health"}][:2] or plans[:2]
    by_agency = {plan.code: {cid for _, cid in plan.truth} for plan in plans}
    enquiry_rows: dict[str, list[dict[str, str]]] = {p.code: [] for p in enquirers}
    truth: list[tuple[str, ...]] = []
    for number in range(enquiries):
        plan = enquirers[number % len(enquirers)]
        kind = rng.choices(list(ENQUIRY_SHARES), list(ENQUIRY_SHARES.values()))[0]
        if kind == "registered":
            # A child some *other* agency knows (the enquirer's own records are never shown).
            child = rng.choice(registered)
            for _ in range(20):
                if any(child.id in ids for code, ids in by_agency.items() if code != plan.code):
                    break
                child = rng.choice(registered)
        elif kind == "sibling" and unregistered_siblings:
            child = rng.choice(unregistered_siblings)
        else:
            kind = "unregistered"
            child = gen.household()[0]
            child.registered = False
        ref = f"ENQ-{plan.code}-{number + 1:06d}"
        row = {"enquiry_ref": ref, **gen.view(child, plan.kind, ENQUIRY_MESS)}
        # At least two of NHS number, a name, date of birth, postcode: restore the date if needed.
        present = sum(bool(row[k]) for k in ("nhs_number", "date_of_birth", "postcode")) + 1
        if present < 2:
            row["date_of_birth"] = child.born.isoformat()
        enquiry_rows[plan.code].append(row)
        truth.append(("enquiry", plan.code, ref, child.id, kind))
    return enquiry_rows, truth


def write_files(
    out_dir: Path,
    plans: list[AgencyPlan],
    enquiry_rows: dict[str, list[dict[str, str]]],
    truth: list[tuple[str, ...]],
    rng: random.Random,
) -> list[Path]:
    """agencies.csv, each agency's register and enquiries, and truth.csv (the register's rows
    added to the enquiries' truth)."""
    files: list[Path] = [write_agencies(out_dir / "agencies.csv", plans, rng)]
    for plan in plans:
        path = out_dir / f"register-{plan.code}.csv"
        write(path, REGISTER_COLUMNS, plan.rows)
        files.append(path)
        truth.extend(
            ("register", plan.code, ref, cid, "") for ref, cid in dict.fromkeys(plan.truth)
        )
    for code, rows in enquiry_rows.items():
        path = out_dir / f"enquiries-{code}.csv"
        write(path, ENQUIRY_COLUMNS, rows)
        files.append(path)
    truth_path = out_dir / "truth.csv"
    with truth_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        # enquiry_for: whom an enquiry is about — a `registered` child, an unregistered
        # `sibling` of one, or a child `unregistered` anywhere (empty on register rows).
        writer.writerow(["kind", "agency", "ref", "child_id", "enquiry_for"])
        writer.writerows(truth)
    files.append(truth_path)
    return files
