"""One snapshot file through the gateway into the hub, shared by `fingerpost sync` and
`POST /api/v1/sync` (docs/adr/0021).

The file is read twice and never held whole. The first pass digests each row with the
gateway's key; the hub says which rows are new, changed or unchanged; the changed ones, and the
new ones whose verdict can change the plan (or all new ones in a dry run), are parsed
(validated); and the hub counts the open involvements the snapshot leaves out — a dry run stops
there, and so does a snapshot the safety brake refuses. The second pass parses the other new
rows (once: docs/adr/0037), encodes and registers the new and changed rows, each with its row
digest (stored in the same transaction); the hub then ends what was left out and audits the
sync. An unchanged row is neither parsed nor encoded: it was valid, and warned about, when it
was stored.
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError
from fingerpost.domain.vocabulary import InvolvementKind
from fingerpost.entrypoints.csvio import Rows, Unreadable
from fingerpost.entrypoints.registering import GrowingLoad, Tally, batches, each_sent
from fingerpost.gateway import RegisterRow, parse_register_row, plain_value, register_parts
from fingerpost.service.records import Registration, RegistrationOutcome
from fingerpost.service.rowset import RowSet
from fingerpost.service.sync import RowState, Snapshot, SnapshotRow, SyncCounts

__all__ = ["SyncReport", "sync_rows"]

# Rows the hub classifies per lookup: one statement each, a few MB of parameters at most.
_CLASSIFY_BATCH = 2000
_MAX_REF = 64  # the contract's longest local_ref (a longer one is rejected by parsing)

OpenRows = Callable[[], AbstractContextManager[Rows]]


@dataclass
class SyncReport:
    """The outcome of one snapshot: the first pass's counts, then what the second did."""

    on: date
    dry_run: bool
    tally: Tally = field(default_factory=Tally)
    counts: SyncCounts = field(default_factory=SyncCounts)
    written: bool = False
    links: int = 0
    ended: int = 0

    def summary(self) -> str:
        tally, counts = self.tally, self.counts
        ended = counts.to_end if self.dry_run else self.ended
        line = (
            f"sync: {tally.read} rows read · {tally.valid} accepted ({counts.new} new,"
            f" {counts.changed} changed, {counts.unchanged} unchanged)"
            f" · {ended} {'to end' if self.dry_run else 'ended'} on {self.on.isoformat()}"
            f" · {tally.counted()}"
        )
        if self.dry_run:
            return f"{line} (dry run: nothing written)"
        return f"{line} · {self.links} links to other agencies"


def sync_rows(
    fp: Fingerpost,
    actor: Actor,
    open_rows: OpenRows,
    *,
    on: date | None = None,
    dry_run: bool,
    allow_mass_end: bool,
    workers: int,
    progress: Callable[[str, int], None] | None = None,
) -> SyncReport:
    """Sync the actor's agency to the snapshot `open_rows` reads (it is opened twice).
    Raises MassEnd, with nothing written, when the brake refuses it; `progress` is told the
    pass ("reading", "writing") and the rows read so far in it."""
    snapshot = fp.snapshots.begin(actor, on)
    report = SyncReport(on=snapshot.on, dry_run=dry_run)
    lines = _first_pass(fp, snapshot, report.tally, open_rows, progress, dry_run=dry_run)
    report.counts = fp.snapshots.plan(snapshot)
    fp.snapshots.check_brake(report.counts, allow_mass_end=allow_mass_end)
    if dry_run:
        return report
    load = GrowingLoad(fp, actor)
    _second_pass(fp, actor, open_rows, lines, report, workers, progress, load=load)
    report.ended = fp.snapshots.finish(
        snapshot,
        rows=report.tally.read,
        rejected=len(report.tally.errors),
        warnings=len(report.tally.warnings),
    )
    report.written = True
    load.done(also_changed=report.ended)
    return report


@dataclass
class _Lines:
    """What the first pass leaves the second: the lines to encode and write, a bit each (a first
    sync of a million rows writes them all), and of those, the new rows not yet parsed."""

    to_write: RowSet = field(default_factory=RowSet)
    unparsed: RowSet = field(default_factory=RowSet)
    # The hub is older than docs/adr/0037 (its classify named no namesakes): it takes no digest
    # with a registration, so the digests are marked after each batch, as it expects.
    digests_apart: bool = False


def _first_pass(
    fp: Fingerpost,
    snapshot: Snapshot,
    tally: Tally,
    open_rows: OpenRows,
    progress: Callable[[str, int], None] | None,
    *,
    dry_run: bool,
) -> _Lines:
    """Classify every row by its key and digest; parse (validate) only the new and changed ones
    — an unchanged row was valid when it was stored. A new row is parsed here only if its
    verdict can change the plan (its reference is held under another kind: a rejected row
    protects those) or in a dry run (which reports every rejection); the others are parsed
    once, in the second pass, where they are encoded (docs/adr/0037)."""
    classifier = _Classifier(fp, snapshot, tally, progress, dry_run=dry_run)
    with open_rows() as rows:
        for line, row in tally.readable(rows):
            key = _key(row)
            if key is None:  # no usable reference or involvement: parsing says why
                classifier.check(line, row)
                continue
            if classifier.repeats(line, key):
                continue
            classifier.pending.append((line, row, SnapshotRow(*key, fp.gateway.row_digest(row))))
            if len(classifier.pending) >= _CLASSIFY_BATCH:
                classifier.flush()
        classifier.flush()
    classifier.lines.digests_apart = snapshot.namesakes is None
    return classifier.lines


@dataclass
class _Classifier:
    """The first pass's state: rows waiting for the hub's verdict, and the references of
    rejected rows (their involvements stay open: a row refused is not a case closed)."""

    fp: Fingerpost
    snapshot: Snapshot
    tally: Tally
    progress: Callable[[str, int], None] | None
    dry_run: bool
    today: date = field(default_factory=date.today)
    lines: _Lines = field(default_factory=_Lines)
    pending: list[tuple[int, dict[str, str], SnapshotRow]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # Each key's first line, by the key's hash: 8 bytes of key for each row rather than its text.
    first_lines: dict[int, int] = field(default_factory=dict)

    def repeats(self, line: int, key: tuple[str, InvolvementKind]) -> bool:
        """A second row for one involvement is rejected: the snapshot does not say which row is
        current, and writing both in turn would flip the involvement between them every night
        (each night's digest is the last row's). The first is used; the involvement stays open."""
        first = self.first_lines.setdefault(hash(key), line)
        if first == line:
            return False
        self.tally.reject(
            line,
            key[0],
            f"local_ref and involvement: the same as line {first}'s; a snapshot has one row per"
            " involvement (this row is not used)",
        )
        self.refused.append(key[0])
        return True

    def check(self, line: int, row: dict[str, str]) -> RegisterRow | None:
        try:
            parsed = parse_register_row(row, self.today)
        except DomainError as error:
            ref = row.get("local_ref", "").strip()
            self.tally.reject(line, ref, str(error))
            self.refused.append(ref)
            return None
        self.tally.valid += 1
        self.tally.warn(line, parsed)
        return parsed

    def flush(self) -> None:
        snapshot, lines = self.snapshot, self.lines
        states = self.fp.snapshots.classify(snapshot, [key for _, _, key in self.pending])
        namesakes = snapshot.namesakes
        for index, ((line, row, _), state) in enumerate(zip(self.pending, states, strict=True)):
            if state is RowState.UNCHANGED:
                self.tally.valid += 1
            elif state is RowState.NEW and not (
                self.dry_run or namesakes is None or index in namesakes
            ):
                lines.to_write.add(line)  # parsed, counted (or rejected) in the second pass
                lines.unparsed.add(line)
                continue
            elif self.check(line, row) is None:
                continue
            else:
                lines.to_write.add(line)
            snapshot.counts.add(state)
        self.fp.snapshots.protect(snapshot, self.refused)
        self.pending.clear()
        self.refused.clear()
        if self.progress is not None:
            self.progress("reading", self.tally.read)


def _key(row: dict[str, str]) -> tuple[str, InvolvementKind] | None:
    """The contract key, read without parsing the rest of the row."""
    ref = row.get("local_ref", "").strip()
    try:
        kind = InvolvementKind(plain_value(row, "involvement").lower())
    except ValueError:
        return None
    return (ref, kind) if ref and len(ref) <= _MAX_REF else None


def _sender(
    fp: Fingerpost, actor: Actor, *, digests_apart: bool
) -> Callable[[list[Registration]], RegistrationOutcome]:
    """How a batch goes to the hub: each row's digest with it, stored in the registration's own
    transaction — or, to a hub older than docs/adr/0037, the batch without them and then its
    digests marked (a second commit, as before)."""

    def send(batch: list[Registration]) -> RegistrationOutcome:
        if not digests_apart:
            return fp.hub.register(actor, batch)
        outcome = fp.hub.register(actor, [replace(r, row_digest=None) for r in batch])
        digests = [r.row_digest or "" for r in batch]
        fp.snapshots.record_digests(actor, list(zip(outcome.ids, digests, strict=True)))
        return outcome

    return send


def _second_pass(  # noqa: PLR0917 - one snapshot's context
    fp: Fingerpost,
    actor: Actor,
    open_rows: OpenRows,
    lines: _Lines,
    report: SyncReport,
    workers: int,
    progress: Callable[[str, int], None] | None,
    *,
    load: GrowingLoad,
) -> None:
    """Encode and register the new and changed rows (unchanged ones are skipped unparsed),
    telling `load` how many each batch wrote. A new row the first pass left unparsed is counted
    here, or rejected: it protects nothing (the agency holds nothing under its reference)."""
    to_write, unparsed = lines.to_write, lines.unparsed
    if not to_write:
        return
    tally, counts = report.tally, report.counts  # `plan`'s counts: the snapshot's own
    today = date.today()
    read = 0

    def wanted(rows: Rows) -> Iterator[tuple[int, dict[str, str]]]:
        nonlocal read
        for line, row in rows:
            read += 1
            if not isinstance(row, Unreadable) and line in to_write:
                yield line, row

    with open_rows() as rows:
        stream = fp.gateway.parse_stream(
            wanted(rows), partial(register_parts, today=today), workers=workers, wide=False
        )

        def accepted() -> Iterator[Registration]:
            for line, row, result in stream:
                parsed, encoded = result.value, result.query
                if parsed is None or encoded is None:
                    if line in unparsed:
                        tally.reject(line, row.get("local_ref", "").strip(), result.error)
                    continue  # a checked row cannot fail now: it was parsed the same way
                if line in unparsed:
                    tally.valid += 1
                    tally.warn(line, parsed)
                    counts.add(RowState.NEW)
                yield Registration(
                    parsed.local_ref,
                    parsed.terms,
                    encoded,
                    ages_out=parsed.ages_out,
                    row_digest=fp.gateway.row_digest(row),
                )

        sent = batches(accepted(), fp.settings.batch_size)
        register = _sender(fp, actor, digests_apart=lines.digests_apart)
        for outcome in each_sent(fp, register, sent):
            load.wrote(outcome.created + outcome.updated)
            report.links += outcome.links
            if progress is not None:
                progress("writing", read)
