"""`fingerpost reviews`: urgent (break-glass) enquiries and the auditors' findings on them."""

from typing import Annotated

import typer

from fingerpost.domain.errors import DomainError
from fingerpost.entrypoints.commands.common import (
    AuditorAgency,
    as_auditor,
    err,
    fail,
    listed,
    open_home,
)

__all__ = ["app", "reviews_close", "reviews_list"]

MOST = 1000  # the most one read of the reviews may ask for, in-process or at the hub

app = typer.Typer(
    help="Urgent (break-glass) enquiries awaiting an auditor's finding.", no_args_is_help=True
)


@app.command("list")
def reviews_list(
    closed: Annotated[bool, typer.Option("--all", help="Include closed reviews.")] = False,
    auditor: Annotated[str, typer.Option("--auditor", help="Who is looking (audited).")] = (
        "command line"
    ),
    agency: AuditorAgency = None,
) -> None:
    """Urgent enquiries awaiting review, oldest first (tab-separated)."""
    fp = open_home(read_only=True)
    reviews = fp.hub.reviews(as_auditor(auditor, fp, agency), open_only=not closed, limit=MOST)
    if len(reviews) == MOST:
        err.print(f"the oldest {MOST} shown: close some to see the rest")
    for review in reviews:
        state = f"{review.outcome} by {review.closed_by}" if review.closed_at else "open"
        typer.echo(
            listed(
                review.id,
                review.opened_at.isoformat(),
                review.agency,
                f"{review.actor_name} ({review.actor_role})",
                review.purpose,
                f"{review.result_count} signposts",
                state,
            )
        )


@app.command("close")
def reviews_close(
    review_id: Annotated[str, typer.Argument(help="The review's id (from `reviews list`).")],
    outcome: Annotated[
        str, typer.Option("--outcome", help="justified, not-justified or referred.")
    ],
    auditor: Annotated[str, typer.Option("--auditor", help="Who records the finding.")],
    note: Annotated[str, typer.Option("--note", help="The finding, without case detail.")] = "",
    agency: AuditorAgency = None,
) -> None:
    """Record an auditor's finding on an urgent enquiry."""
    fp = open_home()
    closing = as_auditor(auditor, fp, agency)
    try:
        review = fp.hub.close_review(closing, review_id, outcome, note)
    except DomainError as error:
        raise fail(str(error)) from None
    typer.echo(f"review {review.id} closed: {review.outcome}")
