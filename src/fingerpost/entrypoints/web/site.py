"""The web service on the API's app: sessions, security headers, static assets and the pages of
each role (docs/adr/0029). `install_web` only assembles them."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from fingerpost.bootstrap import Fingerpost
from fingerpost.entrypoints.web import agency_admin, auditor, operator, practitioner, start
from fingerpost.entrypoints.web.pages import API_PATHS, Pages
from fingerpost.entrypoints.web.security import inline_script_hash, page_headers
from fingerpost.entrypoints.web.session import SignInRequired
from fingerpost.service.web_sessions import WebSessions

__all__ = ["ROLES", "install_web"]

HERE = Path(__file__).parent
# The pages' routers: signing in, then each role's.
ROLES = (start, practitioner, agency_admin, auditor, operator)


def install_web(app: FastAPI, fp: Fingerpost) -> None:
    """Mount the pages, their static assets, sessions and security headers on the API's app."""
    pages = Pages.of(fp)
    app.state.pages = pages
    app.state.error_page = pages.error_page
    app.state.render = pages.render  # the gateway's hub-unavailable page (entrypoints.gateway_app)
    app.state.web_sessions = WebSessions(
        fp.unit_of_work, lifetime=timedelta(hours=fp.settings.session_hours)
    )
    app.exception_handler(SignInRequired)(_to_sign_in)
    _secure(app, fp, pages)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Refused before the body is read (the API's admission): never parsed or spooled.
    limit, too_big = agency_admin.upload_limit(fp.settings)
    app.state.body_limits.allow("/admin/register", limit + agency_admin.FORM_OVERHEAD, too_big)
    for role in ROLES:
        app.include_router(role.router)


async def _to_sign_in(_: Request, __: Exception) -> Response:
    return RedirectResponse("/sign-in", status_code=303)


def _secure(app: FastAPI, fp: Fingerpost, pages: Pages) -> None:
    """The pages' security headers, and the signed session cookie they read."""
    settings = fp.settings
    # The template's one inline script, alone: header and footer need page context.
    script_hash = inline_script_hash(
        pages.templates.env.from_string(
            '{% extends "govuk_frontend_jinja/template.html" %}'
            "{% block header %}{% endblock %}{% block footer %}{% endblock %}"
        ).render()
    )

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(API_PATHS):
            page_headers(request, response, script_hash=script_hash, https=settings.cookie_secure)
        return response

    # Added after the headers middleware, so it runs first: pages see `request.session`.
    app.add_middleware(
        SessionMiddleware,
        secret_key=fp.session_secret.hex(),
        session_cookie="__Host-fingerpost" if settings.cookie_secure else "fingerpost",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
