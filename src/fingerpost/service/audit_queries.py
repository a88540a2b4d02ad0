"""Use cases on the audit log: search it (auditors, audited), verify it, prove what it holds,
export it, and record standalone events (a token issued, a backup made or restored)."""

from __future__ import annotations

from dataclasses import dataclass

from fingerpost.audit import merkle
from fingerpost.audit.events import AuditAction, AuditEvent, Checkpoint
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, NotFound
from fingerpost.service.context import Context
from fingerpost.service.permissions import check

__all__ = [
    "ConsistencyProof",
    "InclusionProof",
    "audit_checkpoints",
    "audit_events",
    "audit_export",
    "audit_head",
    "consistency_proof",
    "inclusion_proof",
    "record",
    "record_restore",
    "verify_audit",
]


@dataclass(frozen=True, slots=True)
class InclusionProof:
    seq: int
    leaf: bytes
    path: list[bytes]
    checkpoint: Checkpoint

    def verify(self) -> bool:
        head = self.checkpoint
        return merkle.verify_inclusion(self.seq - 1, head.size, self.leaf, self.path, head.root)


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    old: Checkpoint
    new: Checkpoint
    path: list[bytes]

    def verify(self) -> bool:
        return merkle.verify_consistency(
            self.old.size, self.new.size, self.old.root, self.new.root, self.path
        )


def audit_events(
    ctx: Context,
    actor: Actor,
    *,
    limit: int = 100,
    action: str = "",
    subject: str = "",
    agency: str = "",
) -> list[AuditEvent]:
    """The newest audit events, optionally only of one action, one actor (`subject`) or one
    agency. Auditors only; the search itself is audited with what was searched for."""
    check(actor, "audit.search", ctx.policy)
    if action and action not in {a.value for a in AuditAction}:
        raise InvalidValue("action: not an audit action")
    search = {"action": action, "actor": subject, "agency": agency}
    with ctx.uow() as uow:
        events = uow.audit.read(
            limit=limit, action=action or None, actor=subject or None, agency=agency or None
        )
        uow.audit.append(
            ctx.event(
                actor,
                AuditAction.AUDIT_READ,
                result_count=len(events),
                detail={key: value for key, value in search.items() if value},
            )
        )
        uow.commit()
        return events


def verify_audit(ctx: Context, actor: Actor, witness: Checkpoint | None = None) -> int | None:
    """Recompute the log and check every signed checkpoint, the kept witness and `witness`
    (a head an auditor kept); None when intact, else the first bad event. An intact log's
    newest head becomes the kept witness."""
    check(actor, "audit.verify", ctx.policy)
    kept = ctx.witness.load() if ctx.witness else None
    with ctx.uow() as uow:
        first_bad = uow.audit.verify([w for w in (kept, witness) if w is not None])
        head = uow.audit.newest() if first_bad is None else None
    if head is not None and ctx.witness is not None:
        ctx.witness.save(head)
    return first_bad


def inclusion_proof(ctx: Context, actor: Actor, seq: int) -> InclusionProof:
    """Proof that event `seq` is in the log as of the newest signed checkpoint."""
    check(actor, "audit.prove-inclusion", ctx.policy)
    with ctx.uow() as uow:
        leaves = uow.audit.leaves()
        head = uow.audit.newest() if leaves else None
        if head is None or not 1 <= seq <= head.size:
            raise NotFound(f"no audit event {seq}")
        tree = leaves[: head.size]
        return InclusionProof(
            seq=seq,
            leaf=tree[seq - 1],
            path=merkle.inclusion_proof(seq - 1, tree),
            checkpoint=head,
        )


def consistency_proof(ctx: Context, actor: Actor, old_size: int) -> ConsistencyProof:
    """Proof that the log of `old_size` events is a prefix of today's: nothing rewritten."""
    check(actor, "audit.prove-consistency", ctx.policy)
    with ctx.uow() as uow:
        checkpoints = {c.size: c for c in uow.audit.checkpoints()}
        leaves = uow.audit.leaves()
    if not checkpoints or old_size not in checkpoints:
        raise NotFound(f"no signed checkpoint of size {old_size}")
    head = checkpoints[max(checkpoints)]
    return ConsistencyProof(
        old=checkpoints[old_size],
        new=head,
        path=merkle.consistency_proof(old_size, leaves[: head.size]),
    )


def audit_export(
    ctx: Context, actor: Actor, *, after: int = 0, limit: int = 10_000
) -> list[tuple[int, AuditEvent]]:
    """Events after `after`, in order, for an external witness or archive."""
    check(actor, "audit.export", ctx.policy)
    with ctx.uow() as uow:
        return uow.audit.events(after=after, limit=limit)


def audit_checkpoints(ctx: Context, actor: Actor) -> list[Checkpoint]:
    check(actor, "audit.checkpoints", ctx.policy)
    with ctx.uow() as uow:
        return uow.audit.checkpoints()


def audit_head(ctx: Context, actor: Actor) -> Checkpoint | None:
    """The newest signed checkpoint: the log's size and root as last signed."""
    check(actor, "audit.head", ctx.policy)
    with ctx.uow() as uow:
        return uow.audit.newest()


def record(ctx: Context, actor: Actor, action: AuditAction, detail: dict[str, str]) -> None:
    """Append a standalone audit event (e.g. a token issued from the command line)."""
    check(actor, "audit.record", ctx.policy)
    with ctx.uow() as uow:
        uow.audit.append(ctx.event(actor, action, detail=detail))
        uow.commit()


def record_restore(ctx: Context, actor: Actor, rows: int) -> None:
    """A backup replaced the database: audited, and the restored log's head becomes the kept
    witness. The head it replaces (a longer log, whose newer events the restore rolled back)
    is named in the event, so the rollback itself stays on record."""
    check(actor, "backup.restore-recorded", ctx.policy)
    superseded = ctx.witness.load() if ctx.witness else None
    detail = {"rows": str(rows)}
    if superseded is not None:
        detail |= {
            "superseded_size": str(superseded.size),
            "superseded_root": superseded.root.hex(),
        }
    ctx.models.register_changed()  # the restore replaced the register
    with ctx.uow() as uow:
        uow.audit.append(ctx.event(actor, AuditAction.BACKUP_RESTORED, detail=detail))
        uow.commit()
        head = uow.audit.newest()
    if head is not None and ctx.witness is not None:
        ctx.witness.save(head)
