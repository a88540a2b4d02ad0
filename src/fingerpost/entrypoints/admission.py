"""What gets in, decided before anything is read (issue 18): a request body no larger than its
route accepts (413), and for an API request with a body, a valid bearer token (401) — so that
nobody without one can make the service read or parse a large body."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fingerpost.bootstrap import InvalidToken
from fingerpost.domain.actor import Actor

__all__ = ["VERIFIED", "Admission", "BodyLimits"]

VERIFIED = "fingerpost_bearer"  # the request state's key for the caller checked at the door
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})
Refuse = Callable[[Request, int, str], Awaitable[Response]]


@dataclass
class BodyLimits:
    """Bytes a request body may have: `default`, or a larger limit for a route that takes
    files (with what to tell whoever sends more)."""

    default: int
    routes: dict[str, tuple[int, str]] = field(default_factory=dict)

    def allow(self, path: str, size: int, detail: str) -> None:
        self.routes[path] = (size, detail)

    def of(self, path: str) -> tuple[int, str]:
        return self.routes.get(
            path, (self.default, f"the request body is larger than {self.default // 1024} KiB")
        )


class Admission:
    """ASGI middleware. A body announced larger than its route's limit is refused unread; one
    sent without a length is counted as it arrives and refused once over (the reader gets a
    413 HTTPException). A request with a body to a `guarded` path (by default `/api/`) has its
    token verified first (off the event loop: a provider's keys may need fetching); without a
    valid one it is refused."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: BodyLimits,
        verify: Callable[[str], Actor],
        refuse: Refuse,
        guarded: Callable[[str], bool] = lambda path: path.startswith("/api/"),
    ) -> None:
        self.app = app
        self._limits = limits
        self._verify = verify
        self._refuse = refuse
        self._guarded = guarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _BODILESS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limit, detail = self._limits.of(scope["path"])
        announced = request.headers.get("content-length", "").strip()
        if announced and (not announced.isdigit() or int(announced) > limit):
            await self._answer(request, 413, detail, receive, send)
            return
        if self._guarded(scope["path"]) and (announced not in {"", "0"} or _chunked(request)):
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            try:
                if scheme.lower() != "bearer" or not token.strip():
                    raise InvalidToken("missing bearer token")
                actor = await run_in_threadpool(self._verify, token.strip())
            except InvalidToken:
                await self._answer(request, 401, "", receive, send)
                return
            scope.setdefault("state", {})[VERIFIED] = actor
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, detail)
            return message

        await self.app(scope, counted, send)

    async def _answer(
        self, request: Request, status: int, detail: str, receive: Receive, send: Send
    ) -> None:
        response = await self._refuse(request, status, detail)
        await response(request.scope, receive, send)


def _chunked(request: Request) -> bool:
    return "transfer-encoding" in request.headers
