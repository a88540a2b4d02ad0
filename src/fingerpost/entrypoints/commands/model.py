"""`fingerpost model`: train the match model on the register by EM, show it, and set the one
threshold policy an operator answers for (how `possible` rises with the register)."""

import json
from typing import Annotated

import typer

from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.commands.common import (
    OPERATOR,
    err,
    fail,
    open_home,
)

__all__ = ["app", "model_set_possible_rise", "model_show", "model_train"]

app = typer.Typer(help="The match model: train it on the register, show it.", no_args_is_help=True)


@app.command("train")
def model_train(
    sample: Annotated[
        int, typer.Option(min=10, help="Registrations sampled to form the training pairs.")
    ] = 20_000,
    random_pairs: Annotated[
        int, typer.Option(min=100, help="Random pairs used to measure chance agreement (u).")
    ] = 100_000,
) -> None:
    """Estimate the match model by EM on the registered data (no labels needed), store it as a
    new version and use it from now on."""
    fp = open_home()
    try:
        training = fp.hub.train_model(
            Actor(subject="cli:operator", name="operator", agency="-", role=Role.OPERATOR),
            sample=sample,
            random_pairs=random_pairs,
        )
    except DomainError as error:
        raise fail(str(error)) from None
    state = "converged" if training.converged else "did not converge"
    err.print(
        f"model {training.model.version}: EM {state} after {training.iterations} iterations on "
        f"{training.candidate_pairs} training pairs and {training.random_pairs} random pairs; "
        "share of pairs that match: "
        + ", ".join(f"{name} {share:.3f}" for name, share in training.priors.items())
    )
    _print_model(training.model.to_json())


@app.command("set-possible-rise")
def model_set_possible_rise(
    rise: Annotated[
        float,
        typer.Argument(
            help="Bits more a possible match needs each time the register doubles past 25,000"
            " involvements (0 to 2; 0: the same threshold at every size)."
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the audit log).")],
) -> None:
    """Set how much more evidence a possible match needs as the register grows (ADR 0046). A
    higher rise gives fewer calls that lead nowhere and misses more children: the figures are
    in docs/adr/0046. Stored as a new model version, which running hubs read within 30 s."""
    fp = open_home()
    try:
        changed = fp.hub.set_possible_rise(OPERATOR, rise, reason)
    except DomainError as error:
        raise fail(str(error)) from None
    err.print(
        f"model {changed.version}: possible rises {changed.possible_rise:g} bits per doubling"
        f" past {changed.possible_reference_size:,} involvements"
    )


@app.command("show")
def model_show() -> None:
    """Print the match model in use (JSON): m and u per comparison level, and the thresholds."""
    _print_model(open_home(read_only=True).hub.model.to_json())


def _print_model(body: str) -> None:
    typer.echo(json.dumps(json.loads(body), indent=2, sort_keys=True))
