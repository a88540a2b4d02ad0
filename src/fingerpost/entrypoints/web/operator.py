"""Operators' page: is the service ready, is mail going out, what retention is doing."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from fingerpost.entrypoints.guards import requires
from fingerpost.entrypoints.web.pages import Site, User

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/operations", response_class=HTMLResponse)
@requires("notification.outbox")
def operations(request: Request, user: User, site: Site) -> HTMLResponse:
    fp = site.fp
    outbox = fp.hub.outbox(user)
    return site.render(
        request,
        "operations.html",
        ready=fp.ready(),
        outbox=outbox,
        involvements=fp.hub.count_involvements(),
        model=fp.hub.model.version,
        retention=fp.hub.retention_status(user),
        retention_months=fp.settings.retention_months,
        mail=fp.mailer is not None,
    )
