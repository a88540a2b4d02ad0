"""Use cases on one agency's involvements: read one, list the register, change or end one,
withdraw one registered in error, shield one (docs/adr/0025 says who may)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.model import InvolvementTerms
from fingerpost.service.context import Context, names, own, reason
from fingerpost.service.permissions import check, check_named
from fingerpost.service.records import StoredInvolvement

__all__ = ["end", "get", "list_involvements", "shield", "update_terms", "withdraw"]


def get(ctx: Context, actor: Actor, involvement_id: str) -> StoredInvolvement:
    """One of the actor's agency's involvements: its practitioners (who register it and
    are answered with it) and administrators."""
    check(actor, "involvement.read", ctx.policy)
    with ctx.uow() as uow:
        return own(uow, actor, involvement_id)


def list_involvements(
    ctx: Context, actor: Actor, *, local_ref: str | None = None, limit: int = 100, offset: int = 0
) -> list[StoredInvolvement]:
    """The agency's register, practitioners' contacts and all: its administrators only."""
    check(actor, "involvement.list", ctx.policy)
    with ctx.uow() as uow:
        return uow.involvements.for_agency(
            actor.agency, local_ref=local_ref, limit=limit, offset=offset
        )


def update_terms(
    ctx: Context,
    actor: Actor,
    involvement_id: str,
    change: Callable[[InvolvementTerms], InvolvementTerms],
) -> StoredInvolvement:
    """Change what the agency says about an involvement (new practitioner, end date…):
    the agency's administrators, or the practitioner it names (by e-mail)."""
    check(actor, "involvement.change", ctx.policy)
    with ctx.uow() as uow:
        stored = own(uow, actor, involvement_id)
        check_named(actor, "involvement.change", names_actor=names(stored, actor))
        terms = change(stored.terms)
        updated = uow.involvements.update(
            stored.id,
            terms,
            ages_out=stored.ages_out,
            expires_on=ctx.expiry(stored.ages_out, terms),
        )
        action = (
            AuditAction.INVOLVEMENT_ENDED
            if terms.end_date and not stored.terms.end_date
            else AuditAction.INVOLVEMENT_UPDATED
        )
        uow.audit.append(ctx.event(actor, action, detail={"involvement": stored.id}))
        uow.commit()
        return updated


def end(
    ctx: Context, actor: Actor, involvement_id: str, end_date: date | None
) -> StoredInvolvement:
    """The involvement ended on `end_date`; None: today, unless it has ended already (so
    ending it again never moves the date on, nor keeps it longer)."""
    return update_terms(
        ctx,
        actor,
        involvement_id,
        lambda t: replace(t, end_date=end_date or t.end_date or ctx.clock().date()),
    )


def withdraw(ctx: Context, actor: Actor, involvement_id: str, why: str) -> None:
    """Registered in error: removed at once, with its encoding, links and notifications,
    and scrubbed from the database's files. It cannot be undone, so only an agency
    administrator may, saying why (docs/adr/0025)."""
    check(actor, "involvement.withdraw", ctx.policy)
    said = reason(why)
    with ctx.uow() as uow:
        stored = own(uow, actor, involvement_id)
        uow.involvements.remove(stored.id)
        uow.audit.append(
            ctx.event(
                actor,
                AuditAction.INVOLVEMENT_WITHDRAWN,
                detail={"involvement": stored.id, "reason": said},
            )
        )
        uow.commit()
    ctx.scrub()


def shield(
    ctx: Context, actor: Actor, involvement_id: str, *, shielded: bool, why: str
) -> StoredInvolvement:
    """An agency administrator shields an involvement (e.g. a child in a refuge): from now on
    signposts to it show only the agency's duty desk — never the practitioner or the area —
    unless another agency overrides the shield with a reason. Audited with the reason."""
    check(actor, "involvement.shield", ctx.policy)
    said = reason(why)
    with ctx.uow() as uow:
        stored = own(uow, actor, involvement_id)
        uow.involvements.set_shielded(stored.id, shielded)
        action = (
            AuditAction.INVOLVEMENT_SHIELDED if shielded else AuditAction.INVOLVEMENT_UNSHIELDED
        )
        uow.audit.append(
            ctx.event(actor, action, detail={"involvement": stored.id, "reason": said})
        )
        uow.commit()
    return replace(stored, shielded=shielded)
