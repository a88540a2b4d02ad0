"""The match model in use, re-read when a newer version is stored (docs/adr/0028).

`fingerpost model train` stores a new version in the database, perhaps from another process
than the running server: each hub looks for the newest version at most every REREAD_EVERY, so a
trained model takes effect in a running server within that time, without a restart, and costs
one small read per interval. The model is also sized for the register as it is now
(`RegisterSize`, docs/adr/0019).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fingerpost.matching.score import DEFAULT_MODEL, MatchModel
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.register_size import RegisterSize

__all__ = ["REREAD_EVERY", "ModelStore"]

REREAD_EVERY = timedelta(seconds=30)


class ModelStore:
    """The newest stored model (or the one given, until a newer one is stored)."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
        model: MatchModel | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        with uow_factory() as uow:
            self._body = uow.models.newest()
        stored = MatchModel.from_json(self._body) if self._body else None
        self._model = model or stored or DEFAULT_MODEL
        self._checked = clock()
        self._register_size = RegisterSize()

    def current(self, uow: UnitOfWork | None = None) -> MatchModel:
        """The model to use now: the newest stored version, looked for at most every
        REREAD_EVERY (in `uow` when given, so a use case reads it in its own transaction)."""
        now = self._clock()
        if abs(now - self._checked) >= REREAD_EVERY:
            self._checked = now
            if uow is None:
                with self._uow() as own:
                    body = own.models.newest()
            else:
                body = uow.models.newest()
            if body and body != self._body:
                self._body, self._model = body, MatchModel.from_json(body)
        return self._model

    def sized(self, uow: UnitOfWork) -> MatchModel:
        """The model for the register as `uow` sees it now (`MatchModel.for_register`)."""
        return self._register_size.model(uow, self.current(uow), self._clock())

    def adopt(self, model: MatchModel, body: str) -> None:
        """A model this process just trained and stored: used from now on."""
        self._body, self._model = body, model

    def register_changed(self) -> None:
        """Involvements were deleted or replaced: count the register again next time."""
        self._register_size.forget()
