"""Bounds on what one request may ask of the service: how far it may page, how much it may
send. Checked at the door, so that a hostile request costs little and never reaches the
database or a parser with a value they cannot hold (issue 18)."""

from typing import Annotated

from fastapi import Query

__all__ = ["MAX_OFFSET", "PageLimit", "PageOffset"]

# Far beyond any agency's register, far within every database's 64-bit integers.
MAX_OFFSET = 10_000_000

PageLimit = Annotated[int, Query(ge=1, le=1000, description="At most this many (1 to 1000).")]
PageOffset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description=f"Skip this many first (0 to {MAX_OFFSET:,}).")
]
