"""Security headers for the pages: a strict Content-Security-Policy (scripts and styles from the
service itself only, plus the one inline line of the GOV.UK template, allowed by its hash), no
framing, no referrer, and no caching of anything but the static assets."""

import base64
import hashlib
import re

from fastapi import Request, Response

__all__ = ["inline_script_hash", "page_headers"]


def inline_script_hash(rendered_page: str) -> str:
    """The CSP source for the GOV.UK template's inline script (it marks the body `js-enabled`)."""
    found = re.search(r"<script>(.*?)</script>", rendered_page, re.DOTALL)
    if found is None:
        raise ValueError("the GOV.UK template has no inline script to allow")
    digest = hashlib.sha256(found.group(1).encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def page_headers(request: Request, response: Response, *, script_hash: str, https: bool) -> None:
    """Headers of every page; API routes keep their own (see the API's middleware)."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' {script_hash}; "
        "style-src 'self'; "
        "img-src 'self'; "
        "font-src 'self'; "
        "connect-src 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'; "
        "base-uri 'none'; "
        "object-src 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), geolocation=(), microphone=(), payment=()"
    if https:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.url.path.startswith("/static/"):
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:
        # Pages can show a child's details as typed and who works with them: never cached.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
