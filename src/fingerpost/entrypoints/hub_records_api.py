"""What a gateway tells the hub's audit log of its own doing: today, that it issued a bearer
token (`fingerpost tokens create` in a gateway's home). The event names the agency's operator
the gateway vouches for, the user the token is for and their role — never a child."""

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from fingerpost.audit.events import AuditAction
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.hub_api import HUB_API
from fingerpost.entrypoints.hub_calls import answer, parse

__all__ = ["TOKEN_ISSUED", "records_router"]

TOKEN_ISSUED = f"{HUB_API}/records/token-issued"


class TokenIssuedIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: Annotated[str, Field(min_length=1, max_length=254)]
    role: Role


def records_router(fp: Fingerpost) -> APIRouter:
    router = APIRouter(tags=["hub"])

    @router.post(TOKEN_ISSUED)
    async def token_issued(request: Request) -> Response:
        def work(actor: Actor, body: bytes) -> Any:
            sent = parse(TokenIssuedIn, body)
            fp.hub.record(actor, AuditAction.TOKEN_ISSUED, subject=sent.subject,
                          role=sent.role.value)  # fmt: skip

        return await answer(fp, request, work, limit=4096, status=204)

    return router
