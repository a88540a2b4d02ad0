"""Servers on 127.0.0.1 in threads of the test process (uvicorn, real sockets), and the wire
tap: an ASGI wrapper that keeps every request body the hub receives."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class WireTap:
    """Wraps the hub's ASGI app; `bodies` holds (method, path, body) of every HTTP request, in
    the order they arrived, whatever the app then did with them."""

    app: Asgi
    bodies: list[tuple[str, str, bytes]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        entry = (scope["method"], scope["path"], chunks)

        async def tapped() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        try:
            await self.app(scope, tapped, send)
        finally:
            self.bodies.append((entry[0], entry[1], b"".join(chunks)))

    def text(self) -> str:
        return "\n".join(body.decode("utf-8", "replace") for _, _, body in self.bodies)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def serve(app: Any, port: int | None = None) -> Served:
    """Start `app` on 127.0.0.1 (a free port unless given) and wait until it listens."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    return Served(f"http://127.0.0.1:{port}", server, thread)
