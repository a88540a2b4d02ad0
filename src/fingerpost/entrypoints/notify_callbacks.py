"""GOV.UK Notify's delivery-status call-backs: `POST /api/v1/notify/status`.

Notify calls it with the bearer token set in its service settings (here
FINGERPOST_GOVUK_NOTIFY_CALLBACK_TOKEN), once per message, naming the reference fingerpost gave
the message. The status is kept on the message's notifications and audited; the body's e-mail
address is never kept or logged."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Header, status
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from fingerpost.bootstrap import Fingerpost
from fingerpost.entrypoints.guards import anyone

__all__ = ["NOTIFY_STATUS", "NotifyStatusIn", "notify_router"]

NOTIFY_STATUS = "/api/v1/notify/status"


class NotifyStatusIn(BaseModel):
    """The fields of Notify's call-back fingerpost reads (others are accepted and ignored)."""

    id: str = Field(max_length=64, description="Notify's id of the message.")
    reference: str | None = Field(
        default=None, max_length=64, description="fingerpost's reference of the message."
    )
    status: str = Field(
        max_length=40,
        description="delivered, permanent-failure, temporary-failure or technical-failure.",
    )


def notify_router(fp: Fingerpost) -> APIRouter:
    router = APIRouter(tags=["notifications"])

    @router.post(
        NOTIFY_STATUS,
        status_code=status.HTTP_204_NO_CONTENT,
    )
    @anyone("GOV.UK Notify's call-back: checked against its own shared token")
    def notify_status(body: NotifyStatusIn, authorization: Annotated[str, Header()] = "") -> None:
        """Permission: GOV.UK Notify only, by the shared call-back bearer token."""
        expected = fp.settings.govuk_notify_callback_token.get_secret_value()
        scheme, _, token = authorization.partition(" ")
        if not (
            expected
            and scheme.lower() == "bearer"
            and secrets.compare_digest(token.encode(), expected.encode())
        ):
            raise HTTPException(401, "the GOV.UK Notify call-back token is required")
        if body.reference:
            fp.delivery_status(body.reference, body.status)

    return router
