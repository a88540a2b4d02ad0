"""One register file through the gateway into the hub, shared by `fingerpost register` and the
web upload: the same validation, encoding, batching and counts, whichever door the file came in.
"""

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TypeVar

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError
from fingerpost.entrypoints.csvio import RowError, Rows, Unreadable
from fingerpost.gateway import Parsed, RegisterRow, parse_register_row, register_parts
from fingerpost.matching.encode import EncodedQuery
from fingerpost.service.hub_port import RegistersSent
from fingerpost.service.records import Registration, RegistrationOutcome
from fingerpost.wire.models import registration_json

__all__ = [
    "LARGE_LOAD",
    "RegisterReport",
    "Rows",
    "Tally",
    "batches",
    "each_sent",
    "in_turn",
    "register_rows",
]

T = TypeVar("T")
U = TypeVar("U")


@dataclass
class Tally:
    """What happened to the rows of one file, for the summary and the exit status."""

    read: int = 0
    valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # rows accepted with a warning

    def reject(self, line: int, ref: str, reason: str) -> None:
        self.errors.append(RowError(line, ref, reason))

    def warn(self, line: int, value: object) -> None:
        """A register row accepted with warnings (an NHS number set aside) has them noted."""
        if isinstance(value, RegisterRow):
            self.warnings += [RowError(line, value.local_ref, w, kept=True) for w in value.warnings]

    def readable(self, rows: Rows) -> Iterator[tuple[int, dict[str, str]]]:
        """Every row is counted; one that could not be read is rejected here."""
        for line, row in rows:
            self.read += 1
            if isinstance(row, Unreadable):
                self.reject(line, "", row.reason)
                continue
            yield line, row

    def parse(
        self, rows: Rows, parse: Callable[[dict[str, str]], T], ref_column: str
    ) -> Iterator[T]:
        """The rows `parse` accepts; each other row is rejected with its line and reason."""
        for line, row in self.readable(rows):
            try:
                parsed = parse(row)
            except DomainError as error:
                self.reject(line, row.get(ref_column, ""), str(error))
                continue
            self.valid += 1
            self.warn(line, parsed)
            yield parsed

    def kept(
        self, stream: Iterator[tuple[int, dict[str, str], Parsed[T]]], ref_column: str
    ) -> Iterator[tuple[T, Parsed[T]]]:
        """What the gateway parsed and encoded; each refused row is rejected with its reason."""
        for line, row, parsed in stream:
            if parsed.value is None or parsed.refused:
                self.reject(line, row.get(ref_column, ""), parsed.error)
                continue
            self.valid += 1
            self.warn(line, parsed.value)
            yield parsed.value, parsed

    def accepted(
        self, stream: Iterator[tuple[int, dict[str, str], Parsed[T]]], ref_column: str
    ) -> Iterator[tuple[T, EncodedQuery]]:
        """`kept`, each row with its encoding."""
        for value, parsed in self.kept(stream, ref_column):
            if parsed.query is not None:  # always, unless the stream was asked to `finish`
                yield value, parsed.query

    def sorted_errors(self) -> list[RowError]:
        # Unreadable rows are found on reading, the others after parsing: report in file order.
        return sorted(self.errors, key=lambda problem: problem.line)

    def sorted_problems(self) -> list[RowError]:
        """Rejections and warnings together, in file order (for `--errors`)."""
        return sorted([*self.errors, *self.warnings], key=lambda problem: problem.line)

    def counted(self) -> str:
        """The end of a summary: rejected rows, and warnings when there are any."""
        warned = f" · {len(self.warnings)} warnings (rows kept)" if self.warnings else ""
        return f"{len(self.errors)} rejected{warned}"


@dataclass
class RegisterReport:
    """The outcome of one register file."""

    dry_run: bool
    tally: Tally = field(default_factory=Tally)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links: int = 0

    def summary(self) -> str:
        tally = self.tally
        if self.dry_run:
            return (
                f"register: {tally.read} rows read · {tally.valid} valid"
                f"{f' ({len(tally.warnings)} with warnings)' if tally.warnings else ''}"
                " (dry run: nothing written)"
            )
        return (
            f"register: {tally.read} rows read · {tally.valid} accepted"
            f" ({self.created} new, {self.updated} updated, {self.unchanged}"
            f" unchanged) · {tally.counted()}"
            f" · {self.links} links to other agencies"
        )


def batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """Batches of `size`, the first ones smaller: the database starts on the first rows while
    the encoding workers are still on the next, instead of waiting for a whole batch."""
    batch: list[T] = []
    wanted = min(size, 64)
    for item in items:
        batch.append(item)
        if len(batch) >= wanted:
            yield batch
            batch = []
            wanted = min(size, wanted * 2)
    if batch:
        yield batch


# Rows written by one file after which the database's statistics are refreshed (a few hundred
# milliseconds on PostgreSQL; see `InvolvementRepository.refresh_statistics`).
LARGE_LOAD = 10_000


class GrowingLoad:
    """The database's statistics while one file grows the register: refreshed at `LARGE_LOAD`
    rows written and again each time that count doubles, and once at the end of a large load.
    Refreshed only at the end, a first load of a million rows on PostgreSQL was planned for an
    empty register all the way: its register-time look-ups became scans and it fell to ~80 rows/s
    at a quarter of a million (ADR 0042). A doubling schedule costs a handful of refreshes."""

    def __init__(self, fp: Fingerpost, actor: Actor) -> None:
        self._fp, self._actor = fp, actor
        self._written = 0
        self._next = LARGE_LOAD

    def wrote(self, rows: int) -> None:
        self._written += rows
        if self._written >= self._next:
            self._fp.hub.refresh_statistics(self._actor)
            self._next = 2 * self._written

    def done(self, *, also_changed: int = 0) -> None:
        """The load is over (`also_changed`: rows it changed besides those written, e.g. ended)."""
        if self._written + also_changed >= LARGE_LOAD:
            self._fp.hub.refresh_statistics(self._actor)


_PROGRESS_EVERY = 500  # rows between progress reports in a dry run (no batches to report on)


def register_rows(
    fp: Fingerpost,
    actor: Actor,
    rows: Rows,
    *,
    dry_run: bool,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> RegisterReport:
    """Validate (and unless `dry_run`, encode and register) the rows of one register file for the
    actor's agency. `progress` is told how many rows have been read so far."""
    today = date.today()
    report = RegisterReport(dry_run=dry_run)
    tally = report.tally
    if dry_run:  # a dry run validates only: nothing is encoded
        for _ in tally.parse(rows, lambda row: parse_register_row(row, today), "local_ref"):
            if progress is not None and tally.read % _PROGRESS_EVERY == 0:
                progress(tally.read)
        return report
    load = GrowingLoad(fp, actor)
    for outcome in _registered(fp, actor, tally, rows, workers=workers, today=today):
        report.created += outcome.created
        report.updated += outcome.updated
        report.unchanged += outcome.unchanged
        report.links += outcome.links
        load.wrote(outcome.created + outcome.updated)
        if progress is not None:
            progress(tally.read)
    load.done()
    return report


# Batches of a register file on the wire at once to a hub over HTTP: while the hub stores one it
# reads and decodes the next (ADR 0045).
REGISTER_AHEAD = 2


def _registered(
    fp: Fingerpost, actor: Actor, tally: Tally, rows: Rows, *, workers: int, today: date
) -> Iterator[RegistrationOutcome]:
    """Each batch of the file registered, its outcome in file order. To a hub over HTTP each
    row leaves the encoding worker in its wire form (`_wired`) and this process only joins
    them into requests: it has batches on the wire to serve, so it neither encodes nor
    re-shapes (ADR 0045)."""
    parse = partial(register_parts, today=today)
    readable = tally.readable(rows)
    hub, size = fp.hub, fp.settings.batch_size
    if isinstance(hub, RegistersSent):
        stream = fp.gateway.parse_stream(
            readable, parse, workers=workers, today=today, wide=False, finish=_wired
        )
        made = ((row.local_ref, parsed.made) for row, parsed in tally.kept(stream, "local_ref"))
        send = partial(_send_made, hub, actor)
        return in_turn(send, batches(made, size), ahead=REGISTER_AHEAD, apart=_refs_apart)
    stream = fp.gateway.parse_stream(readable, parse, workers=workers, today=today, wide=False)
    valid = (
        Registration(row.local_ref, row.terms, encoded, ages_out=row.ages_out)
        for row, encoded in tally.accepted(stream, "local_ref")
    )
    return each_sent(fp, partial(hub.register, actor), batches(valid, size))


def _wired(row: RegisterRow, encoded: EncodedQuery) -> bytes:
    """A register row's wire form, made in the encoding worker (`Gateway.parse_stream`)."""
    return registration_json(Registration(row.local_ref, row.terms, encoded, ages_out=row.ages_out))


Made = tuple[str, bytes]  # a row's reference and its wire form


def _send_made(hub: RegistersSent, actor: Actor, batch: list[Made]) -> RegistrationOutcome:
    return hub.register_sent(actor, [sent for _, sent in batch])


def _refs_apart(batch: list[Made], earlier: list[Made]) -> bool:
    """Two batches may be stored side by side only if no reference is in both: a row's second
    appearance must find its first already stored (the contract key's idempotency)."""
    return {ref for ref, _ in batch}.isdisjoint(ref for ref, _ in earlier)


def each_sent(fp: Fingerpost, send: Callable[[T], U], items: Iterable[T]) -> Iterator[U]:
    """`send` over `items` in order: in turn (`in_turn`) to a hub over HTTP, plainly in-process
    (there is no wire to overlap with)."""
    return in_turn(send, items) if getattr(fp.hub, "remote", False) else map(send, items)


def in_turn(
    send: Callable[[T], U],
    items: Iterable[T],
    *,
    ahead: int = 1,
    apart: Callable[[T, T], bool] | None = None,
) -> Iterator[U]:
    """`map(send, items)`, each item sent while the next is made (docs/adr/0033). For a hub
    over HTTP: while a batch is on the wire and the hub stores it, this process reads, parses
    and encodes the next, instead of waiting with the encoding workers idle.

    Up to `ahead` items are on the wire at once (ADR 0045), an item beside earlier ones only
    when it is `apart` from each of them; else it waits for them to be answered. Answers come
    back in order, and a failure raises at its item once the items before it are answered:
    every item is sent whole or not at all, and none is sent after a failure is known — with
    `ahead` 1, the file stops at that batch exactly."""
    pending: deque[tuple[T, Future[U]]] = deque()
    with ThreadPoolExecutor(ahead, thread_name_prefix="fingerpost-send") as sender:
        for item in items:  # made while the pending items are on their way
            while pending and (
                len(pending) >= ahead
                or (apart is not None and not all(apart(item, p) for p, _ in pending))
            ):
                yield pending.popleft()[1].result()  # a failure raises here, before `item` is sent
            pending.append((item, sender.submit(send, item)))
        while pending:
            yield pending.popleft()[1].result()
