"""Pages for anyone: the start page, signing in (the demo's users, or the agency's OpenID
Connect service) and signing out."""

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.guards import anyone
from fingerpost.entrypoints.logs import logger
from fingerpost.entrypoints.web.pages import HOME, Site
from fingerpost.entrypoints.web.session import checked_form, sign_in, sign_out
from fingerpost.entrypoints.web.signin import SignInFailed, demo_users

__all__ = ["router"]

_log = logger("fingerpost.web")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
@anyone("the start page: what the service is and how to sign in")
def start(request: Request, site: Site) -> HTMLResponse:
    return site.render(request, "start.html")


@router.get("/sign-in", response_class=HTMLResponse)
@anyone("signing in: no one is signed in yet")
def sign_in_page(request: Request, site: Site) -> HTMLResponse:
    users = demo_users(site.fp) if site.fp.settings.demo_sign_in else []
    return site.render(request, "sign_in.html", demo_users=users, oidc=site.oidc is not None)


@router.post("/sign-in/demo")
@anyone("signing in: no one is signed in yet")
async def sign_in_demo(request: Request, site: Site) -> Response:
    if not site.fp.settings.demo_sign_in:
        raise HTTPException(404)
    form = await checked_form(request)
    chosen = next((u for u in demo_users(site.fp) if u.subject == form.get("subject")), None)
    if chosen is None:
        raise HTTPException(400, "choose one of the demo users")
    return _signed_in(request, site, chosen)


def _signed_in(request: Request, site: Site, actor: Actor) -> Response:
    sign_in(request, actor)
    site.fp.hub.seen(actor)
    return RedirectResponse(HOME[actor.role], status_code=303)


@router.get("/sign-in/oidc")
@anyone("signing in: sends the browser to the agency's sign-in service")
async def sign_in_oidc(request: Request, site: Site) -> Response:
    if site.oidc is None:
        raise HTTPException(404)
    try:
        response: Response = await site.oidc.redirect(request)
    except SignInFailed:
        return site.error_page(request, 502, "Your agency's sign-in service did not answer.")
    return response


@router.get("/sign-in/callback", name="sign_in_callback")
@anyone("signing in: the agency's sign-in service sends the browser back here")
async def sign_in_callback(request: Request, site: Site) -> Response:
    if site.oidc is None:
        raise HTTPException(404)
    try:
        actor = await site.oidc.callback(request)
    except SignInFailed as failure:
        _log.info("sign-in refused", reason=str(failure))
        return site.error_page(request, 400, "Sign-in did not work. Go back and try again.")
    return _signed_in(request, site, actor)


@router.post("/sign-out")
@anyone("signing out ends whatever sign-in the cookie holds")
async def sign_out_now(request: Request) -> Response:
    await checked_form(request)
    sign_out(request)
    return RedirectResponse("/", status_code=303)
