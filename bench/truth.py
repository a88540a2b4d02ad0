"""The generator's truth, and scoring signposts against it."""

import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from fingerpost.service.records import SignpostView

__all__ = ["Accuracy", "Truth"]


@dataclass
class Truth:
    """Who is who: register rows and enquiries mapped to invented children."""

    child_of_enquiry: dict[str, str]
    enquirer: dict[str, str]
    # (agency, practitioner_email, involvement, start_date) → child ids; near-unique by design.
    child_of_signpost_key: dict[tuple[str, str, str, str], set[str]]
    involvements_of_child: dict[str, set[tuple[str, str, str]]]  # child → {(agency, ref, kind)}

    @classmethod
    def load(cls, data: Path) -> "Truth":
        child_of_ref: dict[tuple[str, str], str] = {}
        child_of_enquiry: dict[str, str] = {}
        enquirer: dict[str, str] = {}
        with (data / "truth.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["kind"] == "register":
                    child_of_ref[(row["agency"], row["ref"])] = row["child_id"]
                else:
                    child_of_enquiry[row["ref"]] = row["child_id"]
                    enquirer[row["ref"]] = row["agency"]
        keys: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        involvements: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        for path in sorted(data.glob("register-*.csv")):
            agency = path.stem.removeprefix("register-")
            with path.open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    child = child_of_ref[(agency, row["local_ref"])]
                    key = (agency, row["practitioner_email"], row["involvement"], row["start_date"])
                    keys[key].add(child)
                    involvements[child].add((agency, row["local_ref"], row["involvement"]))
        return cls(child_of_enquiry, enquirer, dict(keys), dict(involvements))

    def expected(self, enquiry_ref: str) -> set[tuple[str, str, str]]:
        """The involvements a perfect answer would signpost: the child's, at other agencies."""
        child = self.child_of_enquiry[enquiry_ref]
        own = self.enquirer[enquiry_ref]
        return {i for i in self.involvements_of_child.get(child, set()) if i[0] != own}

    def is_true(self, enquiry_ref: str, signpost: SignpostView) -> bool:
        key = (
            signpost.agency,
            signpost.practitioner_email,
            signpost.involvement,
            signpost.start_date.isoformat(),
        )
        return self.child_of_enquiry[enquiry_ref] in self.child_of_signpost_key.get(key, set())


@dataclass
class Accuracy:
    enquiries: int = 0
    with_truth: int = 0
    missed_children: int = 0
    true_involvements: int = 0
    found_strong: int = 0
    found_any: int = 0
    strong: int = 0
    strong_true: int = 0
    possible: int = 0
    possible_true: int = 0
    false_on_negatives: int = 0  # signposts for children registered nowhere (incl. siblings)
    negatives: int = 0
    candidates: list[int] = field(default_factory=list)
    true_pairs: int = 0
    true_pairs_blocked: int = 0

    def add(self, truth: Truth, ref: str, signposts: list[SignpostView]) -> None:
        self.enquiries += 1
        expected = truth.expected(ref)
        true = [s for s in signposts if truth.is_true(ref, s)]
        for s in signposts:
            is_true = s in true
            if s.confidence == "strong":
                self.strong += 1
                self.strong_true += is_true
            else:
                self.possible += 1
                self.possible_true += is_true
        if expected:
            self.with_truth += 1
            self.true_involvements += len(expected)
            self.found_any += min(len(true), len(expected))
            self.found_strong += min(sum(s.confidence == "strong" for s in true), len(expected))
            self.missed_children += not true
        else:
            self.negatives += 1
            self.false_on_negatives += len(signposts)

    def figures(self) -> dict[str, float]:
        def share(part: int, whole: int) -> float:
            return round(part / whole, 4) if whole else 1.0

        cands = sorted(self.candidates) or [0]
        return {
            "enquiries": self.enquiries,
            "enquiries_with_a_true_involvement": self.with_truth,
            "strong_precision": share(self.strong_true, self.strong),
            "possible_precision": share(self.possible_true, self.possible),
            "recall_strong": share(self.found_strong, self.true_involvements),
            "recall_strong_or_possible": share(self.found_any, self.true_involvements),
            "missed_children_share": share(self.missed_children, self.with_truth),
            "false_possibles_per_enquiry": round(
                (self.possible - self.possible_true) / max(self.enquiries, 1), 4
            ),
            "false_strong": self.strong - self.strong_true,
            "false_signposts_for_unregistered_or_siblings": self.false_on_negatives,
            "pairs_completeness": share(self.true_pairs_blocked, self.true_pairs),
            "candidates_mean": round(statistics.fmean(cands), 2),
            "candidates_p99": cands[min(len(cands) - 1, int(len(cands) * 0.99))],
        }
