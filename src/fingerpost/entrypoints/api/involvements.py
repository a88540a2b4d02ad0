"""`/api/v1/involvements`: an agency's involvements with children, registered, changed, ended,
withdrawn and shielded; and the notice to give the family."""

from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import Query, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from fingerpost.domain.model import InvolvementTerms
from fingerpost.domain.values import parse_date, refuse_invisibles
from fingerpost.entrypoints.api.bodies import (
    ChildDetails,
    EndIn,
    InvolvementChange,
    InvolvementIn,
    ShieldIn,
    WithdrawIn,
)
from fingerpost.entrypoints.api.caller import Caller, Installation, resource_router
from fingerpost.entrypoints.api.views import InvolvementOut
from fingerpost.entrypoints.guards import requires
from fingerpost.entrypoints.limits import PageLimit, PageOffset
from fingerpost.entrypoints.reports import notice_html, notice_text
from fingerpost.gateway import parse_register_row
from fingerpost.service.records import Registration

__all__ = ["router"]

router = resource_router("involvements")


@router.post(
    "/involvements",
    status_code=201,
    response_model=InvolvementOut,
    responses={200: {"model": InvolvementOut, "description": "Updated or unchanged."}},
)
@requires("involvement.register")
def register(
    body: InvolvementIn, caller: Caller, response: Response, fp: Installation
) -> InvolvementOut:
    """Register an involvement of your agency with a child (or update it: the key is
    local_ref + involvement). The child's details are encoded before they reach the hub."""
    fields = body.model_dump(exclude={*ChildDetails.model_fields, "care_leaver"})
    fields["care_leaver"] = "yes" if body.care_leaver else ""
    row = parse_register_row(body.row() | fields, date.today())
    encoded = fp.gateway.encode(row.child)
    outcome = fp.hub.register(
        caller, [Registration(row.local_ref, row.terms, encoded, ages_out=row.ages_out)]
    )
    if not outcome.created:
        response.status_code = 200
    out = InvolvementOut.of(fp.hub.get(caller, outcome.ids[0]), links=outcome.links)
    out.warnings = list(row.warnings)
    return out


@router.get(
    "/involvements",
    response_model=list[InvolvementOut],
)
@requires("involvement.list")
def list_involvements(
    caller: Caller,
    fp: Installation,
    local_ref: Annotated[str | None, Query(max_length=64)] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> list[InvolvementOut]:
    """Your agency's involvements (never another agency's). Agency administrators only."""
    found = fp.hub.list_involvements(caller, local_ref=local_ref, limit=limit, offset=offset)
    return [InvolvementOut.of(stored) for stored in found]


@router.get(
    "/involvements/{involvement_id}",
    response_model=InvolvementOut,
)
@requires("involvement.read")
def get_involvement(involvement_id: str, caller: Caller, fp: Installation) -> InvolvementOut:
    return InvolvementOut.of(fp.hub.get(caller, involvement_id))


@router.patch(
    "/involvements/{involvement_id}",
    response_model=InvolvementOut,
)
@requires("involvement.change")
def change_involvement(
    involvement_id: str, body: InvolvementChange, caller: Caller, fp: Installation
) -> InvolvementOut:
    """Change the practitioner or the end date: agency administrators, or the practitioner
    the involvement names."""
    given = {
        field: refuse_invisibles(value, field) if field.startswith("practitioner_") else value
        for field, value in body.model_dump(exclude_none=True).items()
    }
    end = parse_date(given.pop("end_date", ""), "end_date") if "end_date" in given else None
    new_end = "end_date" in body.model_fields_set

    def change(terms: InvolvementTerms) -> InvolvementTerms:
        person = terms.practitioner
        person = replace(
            person,
            name=given.get("practitioner_name", person.name),
            role=given.get("practitioner_role", person.role),
            phone=given.get("practitioner_phone", person.phone),
            email=given.get("practitioner_email", person.email),
        )
        updated = replace(terms, practitioner=person)
        return replace(updated, end_date=end) if new_end else updated

    return InvolvementOut.of(fp.hub.update_terms(caller, involvement_id, change))


@router.post(
    "/involvements/{involvement_id}/end",
    response_model=InvolvementOut,
)
@requires("involvement.change")
def end_involvement(
    involvement_id: str, caller: Caller, fp: Installation, body: EndIn | None = None
) -> InvolvementOut:
    """Record that the involvement has ended (it stays signposted until it expires): agency
    administrators, or the practitioner the involvement names."""
    end = parse_date(body.end_date if body else "", "end_date")
    return InvolvementOut.of(fp.hub.end(caller, involvement_id, end))


@router.delete(
    "/involvements/{involvement_id}",
    status_code=204,
)
@requires("involvement.withdraw")
def withdraw_involvement(
    involvement_id: str, body: WithdrawIn, caller: Caller, fp: Installation
) -> Response:
    """Withdraw an involvement registered in error: removed at once, with its encoding.
    Agency administrators only, with the reason in the body (never in the address, which
    access logs keep)."""
    fp.hub.withdraw(caller, involvement_id, body.reason)
    return Response(status_code=204)


@router.post(
    "/involvements/{involvement_id}/shield",
    response_model=InvolvementOut,
)
@requires("involvement.shield")
def shield_involvement(
    involvement_id: str, body: ShieldIn, caller: Caller, fp: Installation
) -> InvolvementOut:
    """Shield (or unshield) your agency's involvement, e.g. a child in a refuge: other
    agencies' signposts then show only your duty desk. Agency administrators only."""
    return InvolvementOut.of(
        fp.hub.shield(caller, involvement_id, shielded=body.shielded, reason=body.reason)
    )


@router.get(
    "/involvements/{involvement_id}/notice",
    response_class=PlainTextResponse,
    response_model=None,
    responses={200: {"content": {"text/html": {}}}},
)
@requires("subject.family-notice")
def family_notice(
    involvement_id: str,
    caller: Caller,
    fp: Installation,
    format: Annotated[str, Query(pattern="^(text|html)$")] = "text",
) -> PlainTextResponse | HTMLResponse:
    """The plain-English notice to give the family (GDPR article 14): who registered the
    child, what is held, how long, how to ask. Your agency's involvements only."""
    produced = fp.hub.family_notice(caller, involvement_id)
    if format == "html":
        return HTMLResponse(notice_html(produced))
    return PlainTextResponse(notice_text(produced))
