"""Who is calling the API: the actor of a bearer token, checked (before the body is read, by
the admission middleware) and recorded on first sight."""

import time
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fingerpost.bootstrap import Fingerpost, InvalidToken
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.admission import VERIFIED

__all__ = ["Caller", "actor", "bearer"]

bearer = HTTPBearer(auto_error=False)

_SEEN_AGAIN_AFTER = 3600.0  # seconds: how often a known user's details are refreshed


def actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    fp: Fingerpost = request.app.state.fp
    verified: Actor | None = getattr(request.state, VERIFIED, None)  # checked before the body
    if verified is None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise InvalidToken("missing bearer token")
        verified = fp.tokens.verify(credentials.credentials)
    # Users are recorded on first sight; after that at most hourly, not on every request.
    seen: dict[tuple[str, str, str], float] = request.app.state.seen
    key = (verified.subject, verified.agency, verified.role.value)
    now = time.monotonic()
    if now - seen.get(key, -_SEEN_AGAIN_AFTER) >= _SEEN_AGAIN_AFTER:
        fp.hub.seen(verified)
        seen[key] = now
    return verified


Caller = Annotated[Actor, Depends(actor)]
