"""Who is signed in, and the CSRF token of their session.

The session is a cookie signed with the home's session key (Starlette's SessionMiddleware,
itsdangerous): HttpOnly, SameSite=Lax (the identity provider's redirect back must carry it),
Secure unless FINGERPOST_COOKIE_SECURE is off for http://localhost. It holds who the user is and
the CSRF token, never a child's details.
"""

import secrets
from dataclasses import asdict

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role

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


def sign_in(request: Request, actor: Actor) -> None:
    """A fresh session for the user: nothing from before sign-in carries over (no fixation)."""
    request.session.clear()
    user = asdict(actor)
    user["role"] = actor.role.value
    request.session[_USER] = user
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()


def current_user(request: Request) -> Actor | None:
    user = request.session.get(_USER)
    if not isinstance(user, dict):
        return None
    try:
        return Actor(**{**user, "role": Role(user["role"])})
    except (KeyError, TypeError, ValueError):
        request.session.clear()  # a session from an older version: sign in again
        return None


def signed_in(request: Request) -> Actor:
    """Dependency of every page behind sign-in."""
    actor = current_user(request)
    if actor is None:
        raise SignInRequired
    return actor
