"""`/api/v1/agencies` and `/api/v1/users`: who takes part, and who has signed in."""

from fingerpost.entrypoints.api.caller import Caller, Installation, resource_router
from fingerpost.entrypoints.api.views import AgencyOut, UserOut
from fingerpost.entrypoints.guards import requires

__all__ = ["router"]

router = resource_router("agencies")


@router.get("/agencies", response_model=list[AgencyOut])
@requires("agency.read")
def agencies(caller: Caller, fp: Installation) -> list[AgencyOut]:
    del caller  # any signed-in user may see who takes part
    return [
        AgencyOut(
            code=a.code,
            name=a.name,
            authority_area=a.authority_area,
            kind=a.kind.value,
            duty_phone=a.duty_phone,
            duty_email=a.duty_email,
            out_of_hours_phone=a.out_of_hours_phone,
            out_of_hours_name=a.out_of_hours_name,
            office_hours=str(a.office_hours),
        )
        for a in fp.hub.agencies()
    ]


@router.get("/users", response_model=list[UserOut])
@requires("user.list")
def users(caller: Caller, fp: Installation) -> list[UserOut]:
    """Who has signed in: your agency's users (agency administrators), or everyone's
    (auditors, operators). Recorded from their tokens on first sight."""
    return [
        UserOut(
            subject=u.subject,
            agency=u.agency,
            role=u.role,
            name=u.name,
            email=u.email,
            first_seen=u.first_seen,
            last_seen=u.last_seen,
        )
        for u in fp.hub.users(caller)
    ]
