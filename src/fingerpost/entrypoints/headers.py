"""Security headers of every response that is not a page (the pages have their own, in
`web.security`): the API's JSON, its HTML reports, the interactive docs, health and metrics.
Set on every status, 500 included."""

import base64
import hashlib
import re

from fastapi import Request, Response

__all__ = ["api_headers", "docs_policy"]

# JSON and plain text load nothing; the HTML reports carry only their own inline <style>.
_NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_REPORT = f"{_NOTHING}; style-src 'unsafe-inline'"


def docs_policy(page: str) -> str:
    """The policy of the interactive docs: Swagger UI from the service's own files, the page's
    inline start-up script allowed by its hash. Swagger UI sets styles inline and draws its icons
    as data: images, which are allowed; scripts from anywhere else are not."""
    sources = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    )
    return (
        f"default-src 'self'; script-src 'self' {sources}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )


def api_headers(request: Request, response: Response) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("X-Frame-Options", "DENY")
    if "content-security-policy" not in response.headers:
        html = response.headers.get("content-type", "").startswith("text/html")
        response.headers["Content-Security-Policy"] = _REPORT if html else _NOTHING
    if request.url.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
