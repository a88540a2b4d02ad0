"""One FHIR Bundle of involvements through the gateway into the hub, shared by
`fingerpost register --format fhir` and `POST /fhir/R4`.

Each EpisodeOfCare becomes a register row and goes through `parse_register_row` and the hub's
register use case, exactly as a CSV row does. A transaction is all or nothing: one problem
anywhere and nothing is written. A batch stores every involvement that passes and reports each
that does not, as a CSV file does; each involvement is stored whole or not at all.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError
from fingerpost.gateway import RegisterRow, parse_register_row
from fingerpost.gateway.fhir import Episode, Issue, explain, read_bundle, warned
from fingerpost.service.records import Registration

__all__ = ["BundleReport", "register_bundle"]


@dataclass
class BundleReport:
    """The outcome of one Bundle: per entry, the involvement stored (its id) or the issues."""

    kind: str
    entries: int
    dry_run: bool
    stored: dict[int, str] = field(default_factory=dict)  # entry → involvement id
    issues: dict[int | None, list[Issue]] = field(default_factory=lambda: defaultdict(list))
    # Kept with a warning (an NHS number set aside, never a reason to refuse the child), by the
    # EpisodeOfCare's entry: the involvement is stored; the warning says what was left out.
    warnings: dict[int, list[Issue]] = field(default_factory=dict)
    episodes: list[int] = field(default_factory=list)  # the entries that are EpisodeOfCare
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links: int = 0

    def file(self, episode: int, issue: Issue) -> None:
        """The involvement at `episode` fails with `issue`, which may be about another entry
        it refers to (its Patient, say)."""
        if issue not in self.issues[episode]:
            self.issues[episode].append(issue)

    @property
    def all_issues(self) -> list[Issue]:
        """Each issue once, in entry order (one may be filed under several entries)."""
        seen: dict[Issue, None] = {}
        for index in sorted(self.issues, key=lambda i: -1 if i is None else i):
            seen.update(dict.fromkeys(self.issues[index]))
        return list(seen)

    @property
    def refused(self) -> bool:
        """Nothing was written because of a problem (a transaction with any issue)."""
        return self.kind == "transaction" and bool(self.all_issues)

    def summary(self) -> str:
        involvements = len(self.episodes)
        rejected = len([i for i in self.episodes if self.issues.get(i)])
        if self.dry_run:
            return (
                f"register: {self.entries} entries read · {involvements} involvements ·"
                f" {involvements - rejected} valid (dry run: nothing written)"
            )
        if self.refused:
            return (
                f"register: {self.entries} entries read · transaction refused: nothing written"
                f" ({len(self.all_issues)} problems)"
            )
        kept = f" · {len(self.warnings)} kept with a warning" if self.warnings else ""
        return (
            f"register: {self.entries} entries read · {len(self.stored)} involvements accepted"
            f" ({self.created} new, {self.updated} updated, {self.unchanged} unchanged)"
            f"{kept} · {rejected} rejected · {self.links} links to other agencies"
        )

    @property
    def all_warnings(self) -> list[Issue]:
        return [issue for index in sorted(self.warnings) for issue in self.warnings[index]]


def register_bundle(
    fp: Fingerpost, actor: Actor, document: Any, *, dry_run: bool = False
) -> BundleReport:
    """Register the involvements of a transaction or batch Bundle for the actor's agency.
    Raises FhirRefused when the document is not such a Bundle (nothing is read of it)."""
    today = date.today()
    intake = read_bundle(document, agency=actor.agency, max_entries=fp.settings.fhir_max_entries)
    report = BundleReport(kind=intake.kind, entries=intake.entries, dry_run=dry_run)
    report.episodes = intake.episode_entries
    for issue in intake.issues:
        report.issues[issue.index].append(issue)
    for index, issue in intake.failed_episodes.items():
        report.file(index, issue)
    valid: list[tuple[Episode, RegisterRow]] = []
    first: dict[tuple[str, str], int] = {}  # each involvement's key → its first entry
    for episode in intake.episodes:
        try:
            row = parse_register_row(episode.row, today)
        except DomainError as error:
            issue = explain(episode, error)
            report.issues[issue.index].append(issue)
            report.file(episode.index, issue)
            continue
        if (earlier := first.setdefault(_key(row), episode.index)) != episode.index:
            issue = _repeated(episode.index, earlier)
            report.issues[episode.index].append(issue)
            continue
        valid.append((episode, row))
        if row.warnings:
            report.warnings[episode.index] = [warned(episode, w) for w in row.warnings]
    if dry_run or report.refused or not valid:
        return report
    outcome = fp.hub.register(
        actor,
        [
            Registration(
                row.local_ref,
                row.terms,
                fp.gateway.encode(row.child, today=today, wide=False),
                ages_out=row.ages_out,
            )
            for _, row in valid
        ],
    )
    for (episode, _), involvement_id in zip(valid, outcome.ids, strict=True):
        report.stored[episode.index] = involvement_id
    report.created, report.updated = outcome.created, outcome.updated
    report.unchanged, report.links = outcome.unchanged, outcome.links
    return report


def _key(row: RegisterRow) -> tuple[str, str]:
    return row.local_ref, row.terms.kind.value


def _repeated(index: int, earlier: int) -> Issue:
    """A second EpisodeOfCare for one involvement: which is current is not said, and FHIR fails
    a transaction whose entries resolve to one resource. A batch keeps the first."""
    return Issue(
        f"EpisodeOfCare: the same involvement as entry {earlier} (the Patient's local reference"
        " and the type); a Bundle sends each involvement once",
        index,
        f"Bundle.entry[{index}].resource",
        "duplicate",
    )
