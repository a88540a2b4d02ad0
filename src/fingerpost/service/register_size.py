"""The register's size, as the match model's thresholds need it (`MatchModel.for_register`).

An answer must be a function of the register and the model only — not of when the hub last
counted (issue 18, defect 12: an enquiry after a large load was judged against the register as it
was up to ten minutes before). Counting a million rows on every enquiry would cost tens of
milliseconds, so the count is kept up to date instead: rows added since (by any process) are
counted through the primary key, which costs one index probe; a deletion by this hub forgets the
count; a full recount every RECOUNT_EVERY catches deletions made by other processes.
See docs/adr/0019.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from fingerpost.matching.score import MatchModel
from fingerpost.service.ports import UnitOfWork

__all__ = ["RECOUNT_EVERY", "RegisterSize"]

RECOUNT_EVERY = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class _Count:
    at: datetime  # when the register was last counted in full
    newest: int  # the highest involvement row id then seen
    size: int
    model: MatchModel  # the model in use
    sized: MatchModel  # that model for `size`


class RegisterSize:
    def __init__(self) -> None:
        self._count: _Count | None = None

    def model(self, uow: UnitOfWork, model: MatchModel, now: datetime) -> MatchModel:
        """`model` for the register as `uow` sees it now."""
        count = self._count
        if count is None or count.model is not model or now - count.at > RECOUNT_EVERY:
            newest, size = uow.involvements.count_after(0)
            count = _Count(now, newest, size, model, model.for_register(size))
        else:
            newest, added = uow.involvements.count_after(count.newest)
            if added:
                size = count.size + added
                count = _Count(count.at, newest, size, model, model.for_register(size))
        self._count = count
        return count.sized

    def forget(self) -> None:
        """Involvements were deleted: count again next time."""
        self._count = None
