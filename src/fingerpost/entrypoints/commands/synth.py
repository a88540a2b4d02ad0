"""`fingerpost synth`: invented agencies, registrations and enquiries with known truth."""

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from fingerpost.entrypoints.commands.common import err

__all__ = ["synth"]


def synth(
    out_dir: Annotated[Path, typer.Argument(help="Directory to write the CSV files into.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    children: Annotated[int, typer.Option(min=1, help="Number of children.")] = 2000,
    agencies: Annotated[int, typer.Option(min=2, help="Number of agencies.")] = 6,
    enquiries: Annotated[int, typer.Option(min=0, help="Number of enquiry rows.")] = 500,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="The day the records are as of: ages, start and end dates are counted back"
            " from it. Default: today.",
        ),
    ] = None,
    world: Annotated[
        str,
        typer.Option(
            help="The records' errors: 'own' (the generator the matcher was tuned on) or"
            " 'independent' (a published corruption model; docs/adr/0023).",
        ),
    ] = "own",
    names: Annotated[
        str | None,
        typer.Option(
            help="Where the children's names come from: 'realistic' (England's frequencies,"
            " the own world's default; docs/adr/0039) or 'locales' (Faker's locales in fixed"
            " shares, the independent world's default).",
        ),
    ] = None,
) -> None:
    """Write synthetic agencies, registrations and enquiries with known truth (for demos and
    benchmarks). All people are invented."""
    from fingerpost.synth import WORLDS, write_dataset
    from fingerpost.synth.population import NAME_SOURCES

    if world not in WORLDS:
        raise typer.BadParameter(f"one of {', '.join(WORLDS)}", param_hint="--world")
    if names is not None and names not in NAME_SOURCES:
        raise typer.BadParameter(f"one of {', '.join(NAME_SOURCES)}", param_hint="--names")

    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("synth", total=None)
        summary = write_dataset(
            out_dir,
            seed=seed,
            children=children,
            agencies=agencies,
            enquiries=enquiries,
            as_of=as_of.date() if as_of else date.today(),
            progress=lambda n: progress.advance(task, n),
            world=world,
            names=names,
        )
    err.print(
        f"synth: {summary.agencies} agencies · {summary.children} children · "
        f"{summary.involvements} involvements · {summary.enquiries} enquiries → {out_dir}"
    )
