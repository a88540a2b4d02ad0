"""`/api/v1/reviews`: urgent (break-glass) enquiries and the auditors' findings on them."""

from typing import Annotated

from fastapi import Query

from fingerpost.entrypoints.api.bodies import ReviewCloseIn
from fingerpost.entrypoints.api.caller import Caller, Installation, resource_router
from fingerpost.entrypoints.api.views import ReviewOut
from fingerpost.entrypoints.guards import requires
from fingerpost.entrypoints.limits import PageLimit

__all__ = ["router"]

router = resource_router("audit")


@router.get("/reviews", response_model=list[ReviewOut])
@requires("review.list")
def reviews(
    caller: Caller,
    fp: Installation,
    state: Annotated[str, Query(pattern="^(open|all)$")] = "open",
    limit: PageLimit = 100,
) -> list[ReviewOut]:
    """Urgent (break-glass) enquiries awaiting an auditor's finding (`state=all`: with the
    closed ones). Auditors only."""
    found = fp.hub.reviews(caller, open_only=state == "open", limit=limit)
    return [ReviewOut.of(review) for review in found]


@router.post("/reviews/{review_id}/close", response_model=ReviewOut)
@requires("review.close")
def close_review(
    review_id: str, body: ReviewCloseIn, caller: Caller, fp: Installation
) -> ReviewOut:
    """Record the finding on an urgent enquiry. Auditors only; a review closes once."""
    return ReviewOut.of(fp.hub.close_review(caller, review_id, body.outcome.value, body.note))
