"""Reading and writing the contract's CSV files: streamed, validated up front, nothing half-written.

A file-level problem (unreadable, no header, a required column missing) raises `CsvFileError`
before any row is handed out, so the caller writes nothing. Row-level problems are the caller's:
each row comes with its line number.
"""

import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

from fingerpost.gateway import AnyOf

__all__ = [
    "CsvFileError",
    "CsvReader",
    "Row",
    "RowError",
    "Rows",
    "Unreadable",
    "atomic_csv_writer",
    "atomic_text_writer",
    "check_writable",
    "neutralise",
    "write_errors",
]


class _CsvReader(Protocol):
    line_num: int

    def __next__(self) -> list[str]: ...


class RowWriter(Protocol):
    def writerow(self, row: Iterable[object], /) -> object: ...
    def writerows(self, rows: Iterable[Iterable[object]], /) -> None: ...


class CsvFileError(Exception):
    """The file as a whole cannot be used (exit status 2)."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    ref: str
    reason: str
    kept: bool = False  # a warning: the row was accepted (e.g. without its NHS number)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A line that could not be read as a row, and why (never its contents)."""

    reason: str


Row = dict[str, str] | Unreadable
Rows = Iterator[tuple[int, Row]]


# Undecodable bytes come through as lone surrogates (errors="surrogateescape").
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def _utf16(first: str) -> bool:
    """UTF-16 (Excel's "Unicode text", some Windows exports): its byte-order mark reads as two
    undecodable bytes, and without one every other character of ASCII text is a NUL."""
    if first[:2] in ("\udcff\udcfe", "\udcfe\udcff"):
        return True
    return len(first) >= 4 and {"\0"} in (set(first[0::2]), set(first[1::2]))


def _is_clean(value: str) -> bool:
    return _UNDECODABLE.search(value) is None


class CsvReader:
    """Streams the rows of one CSV file as (line number, {column: value}) in bounded memory."""

    def __init__(
        self,
        path: Path,
        *,
        known: Sequence[str],
        required: Sequence[str],
        rules: Sequence[AnyOf] = (),
        wrap: Callable[[BinaryIO, int], BinaryIO] | None = None,
        data: bytes | None = None,
    ) -> None:
        """`data`: the file's bytes, already in hand (a web upload); `path` then only names it."""
        self.path = path
        self._data = data
        self._known = known
        self._required = required
        self._rules = rules
        self._wrap = wrap
        self.extra_columns: list[str] = []
        self.columns: list[str] = []

    @contextmanager
    def open(self) -> Iterator[Rows]:
        """Yields an iterator of (line, row); `row` is Unreadable when the line cannot be read
        (not valid UTF-8, a field too long, an unclosed quote)."""
        raw: BinaryIO
        if self._data is not None:
            raw, size = io.BytesIO(self._data), len(self._data)
        else:
            try:
                raw = self.path.open("rb")
            except OSError as error:
                raise CsvFileError(f"cannot read {self.path}: {error.strerror}") from None
            size = os.fstat(raw.fileno()).st_size
        with raw:
            source = self._wrap(raw, size) if self._wrap else raw
            text = io.TextIOWrapper(
                source, encoding="utf-8-sig", errors="surrogateescape", newline=""
            )
            reader = csv.reader(text)
            try:
                header = next(reader)
            except StopIteration:
                raise CsvFileError(f"{self.path} is empty: a header row is required") from None
            except csv.Error as error:
                raise CsvFileError(f"{self.path}: unreadable header ({error})") from None
            self._check_header(header)
            yield self._rows(reader)

    def _check_header(self, header: list[str]) -> None:
        if _utf16(header[0] if header else ""):
            raise CsvFileError(
                f"{self.path}: the file looks like UTF-16, not UTF-8 (save it as CSV UTF-8)"
            )
        if not all(_is_clean(cell) for cell in header):
            raise CsvFileError(f"{self.path}: the header row is not valid UTF-8")
        columns = [cell.strip().lower() for cell in header]
        duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
        if duplicated:
            raise CsvFileError(f"{self.path}: duplicated column(s): {', '.join(duplicated)}")
        missing = [c for c in self._required if c not in columns]
        if missing and len(columns) == 1 and (other := _other_separator(columns[0])):
            raise CsvFileError(
                f"{self.path}: the header is one column, its columns separated by {other!r}:"
                " fingerpost reads commas (save the file as CSV, comma-separated); nothing was"
                " written"
            )
        if missing:
            raise CsvFileError(
                f"{self.path}: missing required column(s): {', '.join(missing)};"
                " nothing was written"
            )
        for rule in self._rules:
            if not rule.met_by(columns):
                raise CsvFileError(f"{self.path}: needs {rule.says}; nothing was written")
        self.columns = columns
        self.extra_columns = [c for c in columns if c and c not in self._known]

    def _rows(self, reader: "_CsvReader") -> Rows:
        columns = self.columns
        line = reader.line_num
        while True:
            start = line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                line = reader.line_num
                yield start, Unreadable(_csv_problem(error))
                continue
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are not rows
            if not _is_clean("".join(cells)):  # one search per row, not one per cell
                yield start, Unreadable("not valid UTF-8 (save the file as UTF-8)")
                continue
            if line > start and any(_SWALLOWED.search(cell) for cell in cells):
                yield (
                    start,
                    Unreadable(
                        f"an unclosed quote: lines {start} to {line} were read as one row, the"
                        f" quote swallowing what follows it; close the quote on line {start}"
                        " (nothing from these lines was stored)"
                    ),
                )
                continue
            if len(cells) < len(columns) and cells[-1].endswith(("\n", "\r")):
                # The quote took in the rest of the file (its own line's end, at least): a
                # closed quoted cell never ends with a line break, and this row fell short.
                yield start, Unreadable(_RUNS_TO_THE_END.format(line=start))
                continue
            yield (
                start,
                {column: cells[i] if i < len(cells) else "" for i, column in enumerate(columns)},
            )


def check_writable(path: Path, option: str, *, inputs: Sequence[Path] = ()) -> None:
    """Refuse (CsvFileError) an output file that could not be written, before anything is
    committed: a rejected-row report lost after the rows were stored cannot be had again.
    An output that is one of the `inputs` is refused too (it would overwrite the data)."""
    for given in inputs:
        if path.resolve() == given.resolve() or (
            path.exists() and given.exists() and path.samefile(given)
        ):
            raise CsvFileError(f"{option} {path}: is the input file; choose another file")
    if path.is_dir():
        raise CsvFileError(f"{option} {path}: is a directory")
    # The writer makes missing folders and then a temporary file beside the output: probe the
    # nearest folder that exists the same way (permissions, a read-only disk, a file in the way).
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise CsvFileError(f"{option} {path}: {folder} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as error:
        raise CsvFileError(f"{option} {path}: cannot write there ({error.strerror})") from None
    os.close(fd)
    Path(probe).unlink()


# OWASP CSV injection: a spreadsheet runs a cell starting with one of these as a formula (or, for
# a tab or carriage return, reads past them to one). Practitioner fields come from other agencies.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """A cell as fingerpost writes it to a CSV file: text that a spreadsheet would take for a
    formula gets a leading apostrophe, so it shows as the text it is. Numbers pass as they are."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


class _NeutralisingWriter:
    """A csv writer whose every cell goes through `neutralise`."""

    def __init__(self, writer: RowWriter) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[object], /) -> object:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]], /) -> None:
        self._writer.writerows([neutralise(cell) for cell in row] for row in rows)


# A line break inside a quoted cell followed by a delimiter: the rest of a row (or several) was
# read into one cell because a quote was left open. No register or enquiry column holds that.
_SWALLOWED = re.compile(r"[\r\n][^\r\n]*,")


_RUNS_TO_THE_END = (
    "an unclosed quote: it runs to the end of the file; close the quote on line {line}"
    " (nothing from this line was stored)"
)


def _other_separator(header: str) -> str | None:
    """The separator a one-column header seems to use instead of commas (a spreadsheet set for
    a European locale saves "CSV" with semicolons), if any."""
    return next((separator for separator in ";\t|" if separator in header), None)


def _csv_problem(error: csv.Error) -> str:
    """What the reader's error means for the person fixing the file."""
    if "field larger than field limit" in str(error):
        return f"a field longer than {csv.field_size_limit():,} characters (a missing quote?)"
    return f"not CSV ({error})"


@contextmanager
def atomic_text_writer(path: Path) -> Iterator[TextIO]:
    """Write to a temporary file beside `path` and move it into place only on success, so a
    failure never leaves a half-written output behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_csv_writer(path: Path, columns: Sequence[str]) -> Iterator[RowWriter]:
    """Every CSV file fingerpost writes goes through here: atomically, every cell neutralised."""
    with atomic_text_writer(path) as handle:
        writer = _NeutralisingWriter(csv.writer(handle))
        writer.writerow(columns)
        yield writer


def write_errors(path: Path, ref_column: str, errors: Sequence[RowError]) -> None:
    """Rejected rows and warnings, in file order; `outcome` says which (added to the contract's
    `line, ref, reason`: rejected, or kept with the warning)."""
    with atomic_csv_writer(path, ("line", ref_column, "reason", "outcome")) as writer:
        writer.writerows(
            (e.line, e.ref, e.reason, "kept" if e.kept else "rejected") for e in errors
        )
