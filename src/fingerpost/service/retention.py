"""Use cases of retention and destruction (docs/adr/0009): expire what is due, say what is due,
and decommission an agency or the whole service (keys destroyed first)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import NotFound
from fingerpost.service.context import Context
from fingerpost.service.permissions import check
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.records import Destruction, Purged, RetentionStatus

__all__ = ["decommission", "expire", "retention_status", "unreadable"]


def expire(ctx: Context, actor: Actor) -> Purged:
    """Delete every involvement whose expiry month has begun, with its encoding, blocking
    keys, links and notifications, then scrub the database's files. Each batch is one
    transaction with its audit event (a count: the events hold no child data)."""
    check(actor, "retention.expire", ctx.policy)
    today = ctx.clock().date()
    total = Purged()
    while True:
        with ctx.uow() as uow:
            batch = uow.involvements.purge_expired(today)
            if not batch.involvements:
                break
            uow.audit.append(
                ctx.event(
                    actor,
                    AuditAction.INVOLVEMENT_EXPIRED,
                    result_count=batch.involvements,
                    detail={k: str(v) for k, v in batch.as_dict().items()},
                )
            )
            uow.commit()
        total.add(batch)
    if total.involvements:
        ctx.scrub()
    return total


def retention_status(ctx: Context, actor: Actor) -> RetentionStatus:
    """How many involvements are due to be purged now and within 30 days, and when the last
    purge ran (operators and auditors)."""
    check(actor, "retention.status", ctx.policy)
    today = ctx.clock().date()
    with ctx.uow() as uow:
        due = uow.involvements.count_expiring(today)
        soon = uow.involvements.count_expiring(today + timedelta(days=30)) - due
        last = uow.audit.read(action=AuditAction.INVOLVEMENT_EXPIRED.value, limit=1)
    return RetentionStatus(
        due=due,
        due_within_30_days=soon,
        last_purge_at=last[0].at if last else None,
        last_purge_removed=last[0].result_count if last else 0,
    )


def unreadable(ctx: Context) -> dict[str, int]:
    """Involvements by agency held but unreadable (their data key was destroyed since): they
    can never be disclosed and go at the next expiry run."""
    with ctx.uow() as uow:
        return uow.involvements.unreadable()


def decommission(ctx: Context, actor: Actor, agency: str | None) -> Destruction:
    """An agency leaves (`agency`), or the service closes (None): its data keys are
    destroyed first — from then on nothing it stored can be read, in this database or in
    any backup — then, in one transaction, its involvements, their encodings, blocking keys,
    links and notifications, its users and its inbox are deleted and the agency is marked
    as gone, with one audit event; then the files are scrubbed. Run again after any
    interruption, it finishes the job."""
    check(actor, "agency.decommission", ctx.policy)
    vault = ctx.vault()
    with ctx.uow() as uow:
        known = [a.code for a in uow.agencies.all()]
    if agency is not None and agency not in known:
        raise NotFound(f"unknown agency code {agency!r}")
    codes = [agency] if agency is not None else sorted(set(known) | set(vault.agencies()))
    keys = sum(vault.shred(code) for code in codes)
    now = ctx.clock()
    with ctx.uow() as uow:
        purged, users, other = _destroy(uow, codes, known=known, now=now)
        action = (
            AuditAction.AGENCY_DECOMMISSIONED
            if agency is not None
            else AuditAction.SERVICE_DECOMMISSIONED
        )
        counts = purged.as_dict() | {"users": users, "other_notifications": other}
        size = uow.audit.append(
            ctx.event(
                actor,
                action,
                result_count=purged.involvements,
                detail={"agencies": ",".join(codes), "data_keys": str(keys)}
                | {k: str(v) for k, v in counts.items()},
            )
        )
        uow.commit()
    ctx.scrub()
    with ctx.uow() as uow:
        head = next(c for c in reversed(uow.audit.checkpoints()) if c.size == size)
    return Destruction(
        scope="agency" if agency is not None else "service",
        agencies=codes,
        purged=purged,
        users=users,
        other_notifications=other,
        keys=keys,
        at=now,
        audit_size=head.size,
        audit_root=head.root.hex(),
    )


def _destroy(
    uow: UnitOfWork, codes: list[str], *, known: list[str], now: datetime
) -> tuple[Purged, int, int]:
    """Delete the agencies' involvements, users and inbox in `uow`, and mark them gone:
    (involvements purged, users forgotten, other notifications deleted)."""
    purged = Purged()
    for code in codes:
        while (batch := uow.involvements.purge_agency(code)).involvements:
            purged.add(batch)
        if code in known:
            uow.agencies.mark_decommissioned(code, now)
    users = sum(uow.practitioners.remove_for_agency(code) for code in codes)
    other = sum(uow.notifications.remove_for_agency(code) for code in codes)
    return purged, users, other
