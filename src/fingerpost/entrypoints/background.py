"""What `serve` does by itself while it runs: deliver the notification outbox every few
seconds (when a mail server is configured) and purge expired involvements every
FINGERPOST_EXPIRE_EVERY_SECONDS. Each loop runs on its own thread and keeps going after a
failed pass: the next pass retries."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fingerpost.bootstrap import Fingerpost
from fingerpost.entrypoints.logs import logger

__all__ = ["expiry_pass", "outbox_pass", "running_in_background"]

_log = logger("fingerpost.api")


def outbox_pass(fp: Fingerpost) -> None:
    """Deliver what is due in the outbox once."""
    report = fp.deliver()
    if report and (report.sent or report.failed):
        _log.info("outbox", sent=report.sent, failed=report.failed, gave_up=report.gave_up)


def expiry_pass(fp: Fingerpost) -> None:
    """Purge every involvement past its retention once."""
    purged = fp.expire()
    if purged.involvements:
        _log.info("expired", involvements=purged.involvements)


def _every(seconds: float, work: Callable[[], None], failure: str, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        try:
            work()
        except Exception as error:  # noqa: BLE001 - keep serving; the next pass retries
            _log.error(failure, error=type(error).__name__)


@contextmanager
def running_in_background(fp: Fingerpost) -> Iterator[None]:
    """The loops run while the block does; on leaving it they are told to stop and given up
    to 30 seconds each to finish the pass they are in."""
    stop = threading.Event()
    loops = [(fp.settings.expire_every_seconds, lambda: expiry_pass(fp), "expiry failed")]
    if fp.mailer is not None:
        loops.append(
            (fp.settings.deliver_every_seconds, lambda: outbox_pass(fp), "outbox delivery failed")
        )
    workers = [threading.Thread(target=_every, args=(*loop, stop), daemon=True) for loop in loops]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
