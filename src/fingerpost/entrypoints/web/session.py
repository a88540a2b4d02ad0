"""Who is signed in, and the CSRF token of their session.

The session is a cookie signed with the home's session key (Starlette's SessionMiddleware,
itsdangerous): HttpOnly, SameSite=Lax (the identity provider's redirect back must carry it),
Secure unless FINGERPOST_COOKIE_SECURE is off for http://localhost. It holds who the user is,
the CSRF token and the id of the sign-in, never a child's details. The sign-in is also held
server-side (`WebSessions`): signing out ends it there, so a copy of the cookie stops working.
"""

import secrets
from dataclasses import asdict

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.service.web_sessions import WebSessions

__all__ = [
    "CSRF_FIELD",
    "SignInRequired",
    "checked_form",
    "csrf_token",
    "current_user",
    "sign_in",
    "sign_out",
    "signed_in",
]

CSRF_FIELD = "csrf_token"
_USER = "user"
_CSRF = "csrf"
_SID = "sid"
_CHECKED = "fingerpost_user"  # request state: the user, once their sign-in was checked


class SignInRequired(Exception):
    """The page needs a signed-in user; they are sent to the sign-in page."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (every form carries it)."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's; 403 otherwise."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(_CSRF)
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and secrets.compare_digest(sent.encode(), expected.encode())
    ):
        raise HTTPException(403, "the form has expired: go back, reload the page and try again")
    return form


def _sessions(request: Request) -> WebSessions:
    sessions: WebSessions = request.app.state.web_sessions
    return sessions


def sign_in(request: Request, actor: Actor) -> None:
    """A fresh session for the user: nothing from before sign-in carries over (no fixation)."""
    sign_out(request)
    user = asdict(actor)
    user["role"] = actor.role.value
    request.session[_USER] = user
    request.session[_SID] = _sessions(request).open(actor.subject)
    setattr(request.state, _CHECKED, actor)
    csrf_token(request)


def sign_out(request: Request) -> None:
    """End the sign-in here and server-side: the cookie's copies are worthless from now on."""
    session_id = request.session.get(_SID)
    if isinstance(session_id, str):
        _sessions(request).close(session_id)
    request.session.clear()
    setattr(request.state, _CHECKED, None)


def current_user(request: Request) -> Actor | None:
    """The signed-in user: the cookie's, while its sign-in is still open server-side (checked
    once per request)."""
    if hasattr(request.state, _CHECKED):
        checked: Actor | None = getattr(request.state, _CHECKED)
        return checked
    user = request.session.get(_USER)
    session_id = request.session.get(_SID)
    actor: Actor | None = None
    if isinstance(user, dict) and isinstance(session_id, str):
        try:
            actor = Actor(**{**user, "role": Role(user["role"])})
        except (KeyError, TypeError, ValueError):
            actor = None  # a session from an older version: sign in again
    if actor is None or not _sessions(request).is_open(str(session_id)):
        if user is not None:
            request.session.clear()  # signed out elsewhere, expired or outdated
        actor = None
    setattr(request.state, _CHECKED, actor)
    return actor


def signed_in(request: Request) -> Actor:
    """Dependency of every page behind sign-in."""
    actor = current_user(request)
    if actor is None:
        raise SignInRequired
    return actor
