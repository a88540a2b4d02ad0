"""The wire tap: an ASGI wrapper that keeps every request body the hub receives. (Servers on
127.0.0.1 in threads of the test process are `fingerpost.entrypoints.loopback`.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

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
