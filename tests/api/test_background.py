"""What `serve` runs by itself (entrypoints.background): expiry, and outbox delivery when there
is a mail server, each on its own loop that outlives a failed pass and stops with the server."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from fingerpost.entrypoints.background import running_in_background

SOON = 0.01  # seconds between passes: the real settings' minimums would make this test slow


@dataclass
class Installation:
    """Stands in for `Fingerpost`: counts the passes; the first expiry pass fails."""

    mailer: object | None = None
    settings: Any = field(
        default_factory=lambda: SimpleNamespace(
            expire_every_seconds=SOON, deliver_every_seconds=SOON
        )
    )
    expired: int = 0
    delivered: int = 0
    enough: threading.Event = field(default_factory=threading.Event)

    def expire(self) -> Any:
        self.expired += 1
        if self.expired == 1:
            raise OSError("the database went away")
        if self.expired >= 3 and (self.mailer is None or self.delivered >= 3):
            self.enough.set()
        return SimpleNamespace(involvements=0)

    def deliver(self) -> Any:
        self.delivered += 1
        return SimpleNamespace(sent=0, failed=0, gave_up=0)


def test_expiry_runs_again_after_a_failed_pass_and_stops_with_the_block() -> None:
    fp = Installation()
    with running_in_background(fp):  # type: ignore[arg-type]
        assert fp.enough.wait(5)
    stopped_at = fp.expired
    threading.Event().wait(SOON * 5)
    assert fp.expired == stopped_at  # no pass after the block
    assert fp.delivered == 0  # no mail server: nothing to deliver


def test_the_outbox_is_delivered_only_when_there_is_a_mail_server() -> None:
    fp = Installation(mailer=object())
    with running_in_background(fp):  # type: ignore[arg-type]
        assert fp.enough.wait(5)
    assert fp.delivered >= 3
