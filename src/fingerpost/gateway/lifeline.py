"""Encoding workers die with the process that started them.

A worker is a forked copy of the command, holding the database's files open. If the command is
killed (kill -9, the OOM killer, a lost terminal), nothing runs in it to stop its pool, and a
worker waiting on its task queue would wait on: the queue's write end is inherited, so no
end-of-file ever comes. So each worker asks the kernel to kill it when its parent dies
(PR_SET_PDEATHSIG on Linux: immediate, and whatever the worker is doing, even blocked in C code
or a system call). Where there is no such call, a watchdog thread in the worker polls for the
parent instead. See docs/adr/0019.
"""

import ctypes
import os
import signal
import sys
import threading

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_EVERY_S = 0.25  # the watchdog's poll, where the kernel cannot be asked


def die_with_parent(parent: int) -> None:
    """Call first thing in a worker process; `parent` is the pid of the process that started it
    (read before the fork: the worker may already be an orphan when it runs this)."""
    if sys.platform.startswith("linux") and _ask_the_kernel():
        # The parent may have died between the fork and the call: then no signal will come.
        if os.getppid() != parent:
            os._exit(1)
        return
    threading.Thread(target=_watch, args=(parent,), name="lifeline", daemon=True).start()


def _ask_the_kernel() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):  # no C library to load, or no prctl in it
        return False


def _watch(parent: int) -> None:
    stop = threading.Event()
    while not stop.wait(WATCH_EVERY_S):
        if os.getppid() != parent:  # re-parented: the parent is gone
            os._exit(1)
