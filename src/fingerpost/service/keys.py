"""Use cases: rotate an agency's data key (its rows resealed in batches, the old key destroyed)
and record a rotation of the master key (the operator checked before anything turns)."""

from __future__ import annotations

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import NotFound
from fingerpost.service.context import Context, still_taking_part
from fingerpost.service.permissions import check

__all__ = ["record_master_rotation", "rotate_agency_key"]


def rotate_agency_key(ctx: Context, actor: Actor, agency: str) -> tuple[int, int]:
    """Give the agency a new data key, seal its rows again with it (in batches, each its
    own transaction) and destroy the old key. Returns (new version, rows resealed)."""
    check(actor, "key.rotate-agency", ctx.policy)
    vault = ctx.vault()
    with ctx.uow() as uow:
        if uow.agencies.get(agency) is None:
            raise NotFound(f"unknown agency code {agency!r}")
        still_taking_part(uow, agency)
    version = vault.rotate(agency)
    with ctx.uow() as uow:
        uow.notifications.reseal(agency)
        uow.commit()
    resealed, after = 0, 0
    while True:
        with ctx.uow() as uow:
            done, last = uow.involvements.reseal(agency, after=after)
            uow.commit()
        if last == after:
            break
        resealed, after = resealed + done, last
    retired = vault.retire(agency, keep=version)
    _record_rotation(
        ctx, actor, agency=agency, version=str(version), rows=str(resealed), retired=str(retired)
    )
    return version, resealed


def record_master_rotation(ctx: Context, actor: Actor, master: str, rewrapped: int) -> None:
    """Audit a rotation of the master key (done by the key store, after `check`)."""
    check(actor, "key.rotate-master", ctx.policy)
    _record_rotation(ctx, actor, master=master, rewrapped=str(rewrapped))


def _record_rotation(ctx: Context, actor: Actor, **detail: str) -> None:
    with ctx.uow() as uow:
        uow.audit.append(ctx.event(actor, AuditAction.KEY_ROTATED, detail=detail))
        uow.commit()
