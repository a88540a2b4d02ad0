"""Use cases: agencies (imported from a file, read by every page) and the users who sign in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.model import Agency
from fingerpost.domain.vocabulary import Role
from fingerpost.service.context import Context
from fingerpost.service.permissions import check
from fingerpost.service.records import User

__all__ = ["agencies", "agency", "import_agencies", "left_on", "seen", "users"]


def import_agencies(ctx: Context, actor: Actor, found: Sequence[Agency]) -> tuple[int, int]:
    """Create or update agencies; never deletes. Returns (created, updated)."""
    check(actor, "agency.import", ctx.policy)
    created = 0
    with ctx.uow() as uow:
        for one in found:
            created += uow.agencies.upsert(one)
        uow.audit.append(ctx.event(actor, AuditAction.AGENCY_IMPORTED, result_count=len(found)))
        uow.commit()
    return created, len(found) - created


def agency(ctx: Context, code: str) -> Agency | None:
    with ctx.uow() as uow:
        return uow.agencies.get(code)


def left_on(ctx: Context, code: str) -> datetime | None:
    """When the agency left fingerpost (decommissioned), or None while it takes part."""
    with ctx.uow() as uow:
        return uow.agencies.decommissioned(code)


def agencies(ctx: Context) -> list[Agency]:
    with ctx.uow() as uow:
        return uow.agencies.all()


def seen(ctx: Context, actor: Actor) -> None:
    """A signed-in user: recorded on first sight (and audited), refreshed hourly after."""
    check(actor, "user.seen", ctx.policy)
    user = User(
        subject=actor.subject,
        agency=actor.agency,
        role=actor.role.value,
        name=actor.name,
        email=actor.email,
        phone=actor.phone,
    )
    with ctx.uow() as uow:
        if uow.practitioners.seen(user, ctx.clock()):
            uow.audit.append(
                ctx.event(actor, AuditAction.USER_FIRST_SEEN, detail={"role": user.role})
            )
        uow.commit()


def users(ctx: Context, actor: Actor) -> list[User]:
    """Who has signed in: an agency administrator sees their own agency's users; auditors
    and operators see everyone, and each such read is audited (`users:read`)."""
    permission = check(actor, "user.list", ctx.policy)
    own = actor.role is Role.AGENCY_ADMIN
    with ctx.uow() as uow:
        found = uow.practitioners.for_agency(actor.agency if own else None)
        if permission.audited_read and actor.role in permission.audited_for:
            # other agencies' staff and their contacts: a disclosure, audited
            uow.audit.append(ctx.event(actor, permission.audited_read, result_count=len(found)))
            uow.commit()
        return found
