"""What every page shares: the templates, the navigation of each role, and `Site`, which renders
a page in its user's context. The pages themselves are modules by role (docs/adr/0029): each
translates a form into one use case (the same the API calls) and its outcome into a page; the
rules live in the domain, the gateway and the hub."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from starlette.templating import Jinja2Templates

from fingerpost import __version__
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.answer import since
from fingerpost.entrypoints.web.forms import sentence
from fingerpost.entrypoints.web.session import CSRF_FIELD, csrf_token, current_user, signed_in
from fingerpost.entrypoints.web.signin import OidcSignIn
from fingerpost.entrypoints.web.uploads import Uploads

__all__ = [
    "API_PATHS",
    "HOME",
    "NAVIGATION",
    "PAGE_SIZE",
    "Pages",
    "Site",
    "User",
    "flash",
    "wants_html",
]

User = Annotated[Actor, Depends(signed_in)]
PAGE_SIZE = 50
# Paths that are the API's, whose errors stay problem+json.
API_PATHS = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc")

# What each role finds in the navigation: (label, path).
NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.PRACTITIONER: [("Enquire", "/enquiry"), ("Notifications", "/notifications")],
    Role.AGENCY_ADMIN: [
        ("Enquire", "/enquiry"),
        ("Notifications", "/notifications"),
        ("Involvements", "/admin/involvements"),
        ("Upload a register", "/admin/register"),
        ("Users", "/admin/users"),
    ],
    Role.AUDITOR: [
        ("Audit log", "/audit"),
        ("Break-glass reviews", "/audit/reviews"),
        ("Subject access", "/audit/subject-access"),
        ("Users", "/admin/users"),
    ],
    Role.OPERATOR: [("Operations", "/operations"), ("Users", "/admin/users")],
}
HOME = {
    Role.PRACTITIONER: "/enquiry",
    Role.AGENCY_ADMIN: "/enquiry",
    Role.AUDITOR: "/audit",
    Role.OPERATOR: "/operations",
}


def environment() -> Environment:
    loader = ChoiceLoader(
        [
            PackageLoader("fingerpost.entrypoints.web", "templates"),
            PrefixLoader(
                {"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}
            ),
        ]
    )
    env = Environment(loader=loader, autoescape=select_autoescape(["html"]))
    env.filters["words"] = sentence
    env.filters["long_date"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""
    env.filters["since"] = since
    env.filters["tel"] = lambda phone: "".join(c for c in phone if c.isdigit() or c == "+")
    return env


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the API, and not a script asking for JSON)."""
    return not request.url.path.startswith(API_PATHS) and "text/html" in request.headers.get(
        "accept", ""
    )


def flash(request: Request, message: str) -> None:
    """A message for the next page the user sees (after a redirect)."""
    request.session["flash"] = message


@dataclass
class Pages:
    """The installation as the pages see it: its templates, its sign-in service (None without
    one) and the register uploads in progress. One per app, in `app.state.pages`."""

    fp: Fingerpost
    templates: Jinja2Templates
    oidc: OidcSignIn | None
    uploads: Uploads

    @classmethod
    def of(cls, fp: Fingerpost) -> "Pages":
        oidc = OidcSignIn(fp) if OidcSignIn.configured(fp) else None
        return cls(fp, Jinja2Templates(env=environment()), oidc, Uploads(fp))

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        user = current_user(request)
        navigation = NAVIGATION[user.role] if user else []
        path = request.url.path
        # The page's own section: the longest navigation path it lies under.
        current = max(
            (href for _, href in navigation if path == href or path.startswith(f"{href}/")),
            key=len,
            default="",
        )
        return self.templates.TemplateResponse(
            request,
            template,
            {
                "user": user,
                "navigation": navigation,
                "current": current,
                "csrf_field": CSRF_FIELD,
                "csrf_token": csrf_token(request),
                "demo": self.fp.settings.demo_sign_in,
                "version": __version__,
                "flash": request.session.pop("flash", None),
                **context,
            },
            status_code=status,
        )

    def error_page(self, request: Request, status: int, detail: str) -> HTMLResponse:
        return self.render(request, "error.html", status, code=status, detail=detail)


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


Site = Annotated[Pages, Depends(_pages)]
