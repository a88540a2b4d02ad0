"""What the commands share: opening the installation, reading CSV files with a progress bar,
reporting rows and failing with the contract's exit statuses, and who a command acts as."""

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.text import Text

from fingerpost.bootstrap import Fingerpost, NoHome
from fingerpost.config import Settings
from fingerpost.deployables import Deployable, GatewayInstallation, marked
from fingerpost.deployables import open_home as open_deployable
from fingerpost.domain.actor import Actor
from fingerpost.domain.model import Agency
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.csvio import (
    CsvFileError,
    CsvReader,
    Rows,
    check_writable,
    write_errors,
)
from fingerpost.entrypoints.heap import bulk_memory
from fingerpost.entrypoints.registering import Tally
from fingerpost.gateway import AnyOf

__all__ = [
    "OPERATOR",
    "AuditorAgency",
    "DryRun",
    "ErrorsFile",
    "Yes",
    "as_auditor",
    "bulk_memory",
    "check_outputs",
    "confirm",
    "csv_rows",
    "err",
    "fail",
    "finish",
    "known_agency",
    "listed",
    "open_home",
    "operator_at",
    "progress",
    "shown",
    "warn_extra",
]

# Who the command line acts as: the operator at the server's console.
OPERATOR = Actor(subject="cli:operator", name="command line", agency="-", role=Role.OPERATOR)


# Messages stay one line each (soft_wrap) so scripts can read them, and markup is off: file
# contents appear in messages and must print as they are. Data goes to stdout via typer.echo.
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def listed(*cells: object) -> str:
    """One line of a tab-separated listing. Stored text (a name from a sign-in, a local
    reference, an imported agency) is shown with its control and formatting characters escaped
    (`\\x1b`, `\\t`, `\\u202e`…): it can neither split a row nor drive the operator's terminal."""
    return "\t".join(_visible(str(cell)) for cell in cells)


def _visible(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


DryRun = Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")]


ErrorsFile = Annotated[
    Path | None,
    typer.Option(
        "--errors", help="Write rejected rows (line, reference, reason) to this CSV file."
    ),
]


Yes = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


def fail(message: str, status: int = 2) -> typer.Exit:
    err.print(Text.assemble(("error: ", "bold red"), shown(message)))
    return typer.Exit(status)


def shown(text: str) -> str:
    """Text from a file (a column name, a path) as it may be shown on a terminal: a control or
    format character is written as its code, so a file cannot send escape sequences to the
    operator's terminal (issue 18)."""
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def open_home(*, read_only: bool = False) -> Fingerpost:
    """Open the installation, initialising an empty home (and saying so on stderr); a
    `read_only` command never initialises one: it exits 2 where there is none."""
    settings = Settings()
    try:
        fp = open_deployable(settings, create=not read_only)  # a hub's, a gateway's or development
    except NoHome as error:
        raise fail(
            f"{error}: check FINGERPOST_HOME (this command never creates one){_homes_in(settings)}"
        ) from None
    except Exception as error:  # noqa: BLE001 - report any start-up failure plainly, exit 2
        raise fail(f"cannot open the installation at {settings.home}: {error}") from None
    if fp.fresh:
        err.print(f"Initialised a new fingerpost home in {settings.home.resolve()}")
    if fp.made_linkage_secret:
        err.print(
            f"Made a new random linkage secret ({fp.made_linkage_secret}) in this development"
            " home: its encodings match no deployment's. To join one, import its secret instead"
            " (`fingerpost gateway secret import FILE --replace --reason ...`, see"
            " docs/key-ceremony.md)."
        )
    return fp


def _homes_in(settings: Settings) -> str:
    """The deployables' homes a folder holds (`make demo` makes three in ./.fingerpost)."""
    if not settings.home.is_dir():
        return ""
    whose = {Deployable.HUB: "the hub's", Deployable.GATEWAY: "a gateway's"}
    found = [
        f"{path.name} ({whose[kind]})"
        for path in sorted(settings.home.iterdir())
        if path.is_dir() and (kind := marked(path)) is not None
    ]
    return f"; it holds the homes {', '.join(found)}" if found else ""


@contextmanager
def progress(label: str) -> Iterator[Callable[[BinaryIO, int], BinaryIO] | None]:
    """A progress bar over the bytes of the input file, on a terminal only."""
    if not err.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:

        def wrap(handle: BinaryIO, size: int) -> BinaryIO:
            return progress.wrap_file(handle, total=size)

        yield wrap


def finish(tally: Tally, summary: str, errors_file: Path | None, ref_column: str) -> None:
    """Report the rows rejected and those kept with a warning; exit 1 only for rejections (a
    row kept with a warning is accepted, so a file of such rows exits 0)."""
    problems = tally.sorted_problems()
    for problem in problems[:20]:
        warning = "warning: " if problem.kept else ""
        err.print(f"line {problem.line}: {warning}{problem.reason}")
    if len(problems) > 20:
        err.print(f"… and {len(problems) - 20} more rejected rows or warnings")
    if errors_file is not None:
        write_errors(errors_file, ref_column, problems)
    err.print(summary)
    raise typer.Exit(1 if tally.errors else 0)


def check_outputs(file: Path, output: Path | None = None, errors: Path | None = None) -> None:
    """Before anything is read or stored: each output can be written, and none is the input
    (nor `--errors` the `--output`). Exit 2 otherwise, nothing written."""
    try:
        if output is not None:
            check_writable(output, "--output", inputs=(file,))
        if errors is not None:
            if output is not None and errors.resolve() == output.resolve():
                raise CsvFileError(f"--errors {errors}: is also the --output file")
            check_writable(errors, "--errors", inputs=(file,))
    except CsvFileError as error:
        raise fail(f"{error} (nothing was written)") from None


@contextmanager
def csv_rows(
    file: Path,
    label: str,
    *,
    known: Sequence[str],
    required: Sequence[str],
    rules: Sequence[AnyOf] = (),
    again: bool = False,
) -> Iterator[Rows]:
    """A CSV file's rows with a progress bar; a file-level problem exits 2 with nothing written
    (the caller writes only inside the block). `again`: a second reading, warned about once."""
    try:
        with progress(label) as wrap, bulk_memory():
            reader = CsvReader(file, known=known, required=required, rules=rules, wrap=wrap)
            with reader.open() as rows:
                if not again:
                    warn_extra(reader)
                yield rows
    except CsvFileError as error:
        raise fail(str(error)) from None


def warn_extra(reader: CsvReader) -> None:
    if reader.extra_columns:
        extra = ", ".join(reader.extra_columns)
        message = shown(f"ignoring unknown column(s): {extra}")
        err.print(Text.assemble(("warning: ", "yellow"), message))


def known_agency(fp: Fingerpost, code: str, *, taking_part: bool = True) -> Agency:
    """The agency named on the command line; by default one that still takes part."""
    agency = fp.hub.agency(code)
    if agency is None:
        raise fail(
            f"unknown agency code {code!r}: import it first with `fingerpost agencies import`"
        )
    if taking_part and (left := fp.hub.left_on(code)) is not None:
        raise fail(f"agency {code} left fingerpost on {left:%Y-%m-%d}: its data was destroyed")
    return agency


def confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise fail(f"{question} — not confirmed: add --yes to run without asking")
    if not typer.confirm(question, default=False, err=True):
        raise fail("stopped: nothing was changed")


def as_auditor(name: str, fp: Fingerpost | None = None, agency: str | None = None) -> Actor:
    """The auditor a command acts as. At a gateway, which may act only for its own agencies,
    the auditor is one of theirs (`--agency`); elsewhere an agency is optional."""
    if agency is None and isinstance(fp, GatewayInstallation):
        raise fail(
            "at a gateway the hub takes an auditor of one of the gateway's own agencies:"
            " name it with --agency CODE"
        )
    if agency is not None and fp is not None:
        known_agency(fp, agency, taking_part=False)
    return Actor(subject=f"cli:auditor:{name}", name=name, agency=agency or "-", role=Role.AUDITOR)


def operator_at(fp: Fingerpost, command: str) -> Actor:
    """The operator at the console, who works on the hub's data in the hub's home: a gateway
    takes only people of its own agencies to the hub, and the operator is of none."""
    if isinstance(fp, GatewayInstallation):
        raise fail(f"{command} is the operator's, at the hub: run it in the hub's home")
    return OPERATOR


AuditorAgency = Annotated[
    str | None,
    typer.Option(
        "--agency",
        help="The agency whose auditor asks (audited); needed at a gateway, which acts for its"
        " own agencies only.",
    ),
]
