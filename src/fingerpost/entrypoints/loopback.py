"""An ASGI application served by uvicorn on 127.0.0.1, in a thread of the calling process.

For the end-to-end tests and the benchmarks, which need real sockets (a gateway calls its hub
over HTTP) but one process to start, inspect and stop. Never the way to deploy: that is
`fingerpost hub serve` and `fingerpost gateway serve`.
"""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

__all__ = ["Served", "free_port", "serve", "serving"]

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on at the moment of asking."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def serve(app: Any, port: int | None = None, *, start_within_s: float = 20) -> Served:
    """Start `app` (on a free port unless given) and return once it listens. Access lines are
    off: they would print query strings and, in a benchmark, cost ~20 µs a request."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_within_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the server on {HOST}:{port} did not start")
        time.sleep(0.01)
    return Served(f"http://{HOST}:{port}", server, thread)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """`serve` for the length of a `with` block; yields the base URL."""
    served = serve(app)
    try:
        yield served.url
    finally:
        served.stop()
