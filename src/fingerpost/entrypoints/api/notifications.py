"""`/api/v1/notifications`: who looked for your children, and who else works with them."""

from fingerpost.entrypoints.api.caller import Caller, Installation, resource_router
from fingerpost.entrypoints.api.views import NotificationOut
from fingerpost.entrypoints.guards import requires
from fingerpost.entrypoints.limits import PageLimit

__all__ = ["router"]

router = resource_router("notifications")


@router.get(
    "/notifications",
    response_model=list[NotificationOut],
)
@requires("notification.list")
def notifications(
    caller: Caller, fp: Installation, limit: PageLimit = 100
) -> list[NotificationOut]:
    """Who enquired about your children, and which other agencies also work with them."""
    return [NotificationOut.of(n) for n in fp.hub.notifications(caller, limit=limit)]
