"""Use cases: register or update involvements of the actor's agency (idempotent on the contract
key), with register-time linkage; refresh the register's statistics after a large file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.model import InvolvementKey
from fingerpost.service.context import Context, own_agency
from fingerpost.service.linkage import Stored, link_batch, link_candidates
from fingerpost.service.permissions import check
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.records import (
    NewInvolvement,
    Registration,
    RegistrationOutcome,
    StoredInvolvement,
)

__all__ = ["refresh_statistics", "register"]


def refresh_statistics(ctx: Context, actor: Actor) -> None:
    """A large file has been registered: the register's statistics are refreshed."""
    check(actor, "involvement.refresh-statistics", ctx.policy)
    with ctx.uow() as uow:
        uow.involvements.refresh_statistics()
        uow.commit()


def register(
    ctx: Context, actor: Actor, registrations: Sequence[Registration]
) -> RegistrationOutcome:
    """Register or update involvements of the actor's agency (idempotent on the contract key).

    Each new or changed involvement is matched at once against other agencies' involvements;
    strong matches are linked and both practitioners notified (the Verwijsindex "signal").
    """
    check(actor, "involvement.register", ctx.policy)
    batch = _Batch(ctx, registrations, actor)
    with ctx.uow() as uow:
        agency = own_agency(uow, actor)
        batch.known = uow.involvements.by_keys(batch.keys)
        # Candidates are looked up before the batch is written, so that no row's probe meets
        # the row itself (about twenty hits each, all to be thrown away).
        found = link_candidates(uow, agency, registrations, batch.keys, batch.digests, batch.known)
        batch.store(uow)
        uow.audit.append_many(
            link_batch(
                ctx,
                uow,
                actor,
                agency,
                registrations=registrations,
                found=found,
                stored=batch.stored,
                outcome=batch.outcome,
            )
        )
        uow.commit()
    batch.outcome.ids.extend(batch.ids)
    return batch.outcome


@dataclass(slots=True)
class _Batch:
    """One registration batch being stored: rows are inserted together, and a key repeated in
    the batch flushes the rows before it (the later row then updates the earlier)."""

    ctx: Context
    registrations: Sequence[Registration]
    actor: Actor
    keys: list[InvolvementKey] = field(init=False)
    digests: list[str] = field(init=False)
    ids: list[str] = field(init=False)
    known: dict[InvolvementKey, StoredInvolvement] = field(default_factory=dict)
    stored: Stored = field(default_factory=lambda: Stored({}, {}))
    outcome: RegistrationOutcome = field(default_factory=RegistrationOutcome)
    pending: list[int] = field(default_factory=list)  # rows to insert together
    # (involvement id, row digest) of snapshot rows the hub found unchanged: their digest alone
    digested: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        agency = self.actor.agency
        self.keys = [InvolvementKey(agency, r.local_ref, r.terms.kind) for r in self.registrations]
        self.digests = [r.child.identity.digest() for r in self.registrations]
        self.ids = [""] * len(self.registrations)

    def store(self, uow: UnitOfWork) -> None:
        pending_keys: set[InvolvementKey] = set()
        for i, item in enumerate(self.registrations):
            if self.keys[i] in pending_keys:
                self._insert_pending(uow)  # the same key twice in a batch: the later updates
                pending_keys.clear()
            existing = self.known.get(self.keys[i])
            if existing is None:
                self.pending.append(i)
                pending_keys.add(self.keys[i])
            elif (
                existing.identity_digest == self.digests[i]
                and existing.terms == item.terms
                and existing.ages_out == item.ages_out
            ):
                self.outcome.unchanged += 1
                self.ids[i] = existing.id
                if item.row_digest is not None:  # re-sent by a snapshot: formatting changed
                    self.digested.append((existing.id, item.row_digest))
            else:
                self._update(uow, i, existing)
        self._insert_pending(uow)
        if self.digested:
            uow.snapshots.set_digests(self.digested)

    def _done(self, i: int, stored: StoredInvolvement, action: AuditAction) -> None:
        self.known[self.keys[i]] = self.stored.involvements[i] = stored
        self.stored.actions[i] = action
        self.ids[i] = stored.id

    def _insert_pending(self, uow: UnitOfWork) -> None:
        rows = []
        for i in self.pending:
            item = self.registrations[i]
            expiry = self.ctx.expiry(item.ages_out, item.terms)
            rows.append(
                NewInvolvement(
                    self.keys[i],
                    item.terms,
                    item.child.identity,
                    self.digests[i],
                    item.ages_out,
                    expiry,
                    item.row_digest,
                )
            )
        for i, stored in zip(self.pending, uow.involvements.add_many(rows), strict=True):
            self._done(i, stored, AuditAction.INVOLVEMENT_REGISTERED)
        self.outcome.created += len(self.pending)
        self.pending.clear()

    def _update(self, uow: UnitOfWork, i: int, existing: StoredInvolvement) -> None:
        item = self.registrations[i]
        changed_identity = existing.identity_digest != self.digests[i]
        stored = uow.involvements.update(
            existing.id,
            item.terms,
            item.child.identity if changed_identity else None,
            self.digests[i] if changed_identity else None,
            ages_out=item.ages_out,
            expires_on=self.ctx.expiry(item.ages_out, item.terms),
            row_digest=item.row_digest,
        )
        self._done(i, stored, AuditAction.INVOLVEMENT_UPDATED)
        self.outcome.updated += 1
