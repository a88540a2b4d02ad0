"""The hub's use cases behind one façade, `Hub`, with the names and signatures every entrypoint
(and `RemoteHub`, its HTTP twin) relies on. Each method only hands its arguments to the use-case
function in its own module (docs/adr/0028); who may call each is declared in
`service/permissions.py`.

Every use case runs in one unit of work and appends its audit events inside the same transaction:
if the audit write fails, nothing is disclosed and nothing is stored (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from fingerpost.audit.events import AuditAction, AuditEvent, Checkpoint
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import PermissionDenied
from fingerpost.domain.model import Agency, InvolvementTerms
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.retention import DEFAULT_RETENTION_MONTHS
from fingerpost.domain.vocabulary import Role
from fingerpost.matching.encode import EncodedQuery
from fingerpost.matching.score import MatchModel, Verdict
from fingerpost.matching.train import Training
from fingerpost.service import (
    audit_queries,
    enquiry,
    involvements,
    keys,
    model,
    notifications,
    outbox,
    registration,
    retention,
    reviews,
    subject_rights,
    users,
)
from fingerpost.service.audit_queries import ConsistencyProof, InclusionProof
from fingerpost.service.candidates import MOST_CANDIDATES
from fingerpost.service.context import Clock, Context, utcnow
from fingerpost.service.model_store import ModelStore
from fingerpost.service.outbox import Delivery
from fingerpost.service.ports import KeyVault, Mailer, UnitOfWork, WitnessStore
from fingerpost.service.records import (
    Candidate,
    Destruction,
    EnquiryResult,
    FamilyNotice,
    Notification,
    Purged,
    Registration,
    RegistrationOutcome,
    RetentionStatus,
    Review,
    StoredInvolvement,
    SubjectReport,
    User,
)

__all__ = ["MOST_CANDIDATES", "ConsistencyProof", "Delivery", "Hub", "InclusionProof"]


def _always() -> bool:
    return True


class Hub:
    """The installation's use cases, wired once (Cosmic Python's bootstrap): `Context`."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        model: MatchModel | None = None,
        clock: Clock = utcnow,
        policy: EnquiryPolicy | None = None,
        retention_months: int = DEFAULT_RETENTION_MONTHS,
        keys: KeyVault | None = None,
        scrub: Callable[[], bool] = _always,
        witness: WitnessStore | None = None,
    ) -> None:
        self._ctx = Context(
            uow=uow_factory,
            models=ModelStore(uow_factory, clock, model),
            clock=clock,
            policy=policy or EnquiryPolicy(),
            retention_months=retention_months,
            keys=keys,
            scrub_files=scrub,
            witness=witness,
        )

    @property
    def context(self) -> Context:
        """The use cases' dependencies, for calling a use-case function directly."""
        return self._ctx

    @property
    def model(self) -> MatchModel:
        return self._ctx.models.current()

    @property
    def policy(self) -> EnquiryPolicy:
        return self._ctx.policy

    # -- the match model, agencies and users ---------------------------------------------

    def train_model(
        self, actor: Actor, *, sample: int = 20_000, random_pairs: int = 100_000
    ) -> Training:
        return model.train_model(self._ctx, actor, sample=sample, random_pairs=random_pairs)

    def set_possible_rise(self, actor: Actor, rise: float, reason: str) -> MatchModel:
        return model.set_possible_rise(self._ctx, actor, rise, reason)

    def import_agencies(self, actor: Actor, agencies: Sequence[Agency]) -> tuple[int, int]:
        return users.import_agencies(self._ctx, actor, agencies)

    def agency(self, code: str) -> Agency | None:
        return users.agency(self._ctx, code)

    def left_on(self, code: str) -> datetime | None:
        return users.left_on(self._ctx, code)

    def agencies(self) -> list[Agency]:
        return users.agencies(self._ctx)

    def seen(self, actor: Actor) -> None:
        users.seen(self._ctx, actor)

    def users(self, actor: Actor) -> list[User]:
        return users.users(self._ctx, actor)

    # -- registration and one involvement ------------------------------------------------

    def refresh_statistics(self, actor: Actor) -> None:
        registration.refresh_statistics(self._ctx, actor)

    def register(self, actor: Actor, registrations: Sequence[Registration]) -> RegistrationOutcome:
        return registration.register(self._ctx, actor, registrations)

    def get(self, actor: Actor, involvement_id: str) -> StoredInvolvement:
        return involvements.get(self._ctx, actor, involvement_id)

    def list_involvements(
        self, actor: Actor, *, local_ref: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[StoredInvolvement]:
        return involvements.list_involvements(
            self._ctx, actor, local_ref=local_ref, limit=limit, offset=offset
        )

    def update_terms(
        self,
        actor: Actor,
        involvement_id: str,
        change: Callable[[InvolvementTerms], InvolvementTerms],
    ) -> StoredInvolvement:
        return involvements.update_terms(self._ctx, actor, involvement_id, change)

    def end(self, actor: Actor, involvement_id: str, end_date: date | None) -> StoredInvolvement:
        return involvements.end(self._ctx, actor, involvement_id, end_date)

    def withdraw(self, actor: Actor, involvement_id: str, reason: str) -> None:
        involvements.withdraw(self._ctx, actor, involvement_id, reason)

    def shield(
        self, actor: Actor, involvement_id: str, *, shielded: bool, reason: str
    ) -> StoredInvolvement:
        return involvements.shield(self._ctx, actor, involvement_id, shielded=shielded, why=reason)

    # -- enquiry and reviews ---------------------------------------------------------------

    def enquire(
        self,
        actor: Actor,
        purpose: str,
        child: EncodedQuery,
        *,
        urgent: bool = False,
        override_reason: str = "",
    ) -> EnquiryResult:
        """Who else works with this child? Never the enquirer's own agency; never a score."""
        return self.enquire_many(
            actor, purpose, [child], urgent=urgent, override_reason=override_reason
        )[0]

    def enquire_many(
        self,
        actor: Actor,
        purpose: str,
        children: Sequence[EncodedQuery],
        *,
        urgent: bool = False,
        batch: bool = False,
        override_reason: str = "",
    ) -> list[EnquiryResult]:
        return enquiry.enquire_many(
            self._ctx,
            actor,
            purpose,
            children,
            urgent=urgent,
            batch=batch,
            override_reason=override_reason,
        )

    def _matches(
        self, uow: UnitOfWork, child: EncodedQuery, *, exclude_agency: str
    ) -> list[tuple[Candidate, Verdict]]:
        """The matching step alone (the benchmark times it apart from the enquiry)."""
        return enquiry.matches_now(self._ctx, uow, child, exclude_agency=exclude_agency)

    def reviews(self, actor: Actor, *, open_only: bool = True, limit: int = 100) -> list[Review]:
        return reviews.reviews(self._ctx, actor, open_only=open_only, limit=limit)

    def close_review(self, actor: Actor, review_id: str, outcome: str, note: str = "") -> Review:
        return reviews.close_review(self._ctx, actor, review_id, outcome, note)

    # -- notifications ---------------------------------------------------------------------

    def deliver_notifications(
        self, mailer: Mailer, *, digest: bool = False, limit: int = 200, max_attempts: int = 6
    ) -> Delivery:
        return outbox.deliver_notifications(
            self._ctx, mailer, digest=digest, limit=limit, max_attempts=max_attempts
        )

    def outbox(self, actor: Actor) -> dict[str, int]:
        return notifications.outbox(self._ctx, actor)

    def notifications(self, actor: Actor, *, limit: int = 100) -> list[Notification]:
        return notifications.notifications(self._ctx, actor, limit=limit)

    # -- the audit log ---------------------------------------------------------------------

    def audit_events(
        self,
        actor: Actor,
        *,
        limit: int = 100,
        action: str = "",
        subject: str = "",
        agency: str = "",
    ) -> list[AuditEvent]:
        return audit_queries.audit_events(
            self._ctx, actor, limit=limit, action=action, subject=subject, agency=agency
        )

    def require_auditor(self, actor: Actor) -> None:
        self.require_role(actor, Role.AUDITOR)

    @staticmethod
    def require_role(actor: Actor, *roles: Role) -> None:
        """Refuse (PermissionDenied) an actor outside `roles`: for steps before a use case, such
        as checking an upload before it is registered. (`permissions.check` names the use
        case instead, and is what new code calls.)"""
        if actor.role not in roles:
            raise PermissionDenied(f"the {actor.role.value} role may not do this")

    def verify_audit(self, actor: Actor, witness: Checkpoint | None = None) -> int | None:
        return audit_queries.verify_audit(self._ctx, actor, witness)

    def inclusion_proof(self, actor: Actor, seq: int) -> InclusionProof:
        return audit_queries.inclusion_proof(self._ctx, actor, seq)

    def consistency_proof(self, actor: Actor, old_size: int) -> ConsistencyProof:
        return audit_queries.consistency_proof(self._ctx, actor, old_size)

    def audit_export(
        self, actor: Actor, *, after: int = 0, limit: int = 10_000
    ) -> list[tuple[int, AuditEvent]]:
        return audit_queries.audit_export(self._ctx, actor, after=after, limit=limit)

    def audit_checkpoints(self, actor: Actor) -> list[Checkpoint]:
        return audit_queries.audit_checkpoints(self._ctx, actor)

    def audit_head(self, actor: Actor) -> Checkpoint | None:
        return audit_queries.audit_head(self._ctx, actor)

    def record(self, actor: Actor, action: AuditAction, **detail: str) -> None:
        audit_queries.record(self._ctx, actor, action, dict(detail))

    def record_restore(self, actor: Actor, rows: int) -> None:
        audit_queries.record_restore(self._ctx, actor, rows)

    # -- retention, keys and subject rights (docs/adr/0009) ---------------------------------

    def unreadable(self) -> dict[str, int]:
        return retention.unreadable(self._ctx)

    def count_involvements(self) -> int:
        with self._ctx.uow() as uow:
            return uow.involvements.count()

    def expire(self, actor: Actor) -> Purged:
        return retention.expire(self._ctx, actor)

    def retention_status(self, actor: Actor) -> RetentionStatus:
        return retention.retention_status(self._ctx, actor)

    def decommission(self, actor: Actor, agency: str | None) -> Destruction:
        return retention.decommission(self._ctx, actor, agency)

    def rotate_agency_key(self, actor: Actor, agency: str) -> tuple[int, int]:
        return keys.rotate_agency_key(self._ctx, actor, agency)

    def record_master_rotation(self, actor: Actor, master: str, rewrapped: int) -> None:
        keys.record_master_rotation(self._ctx, actor, master, rewrapped)

    def subject_report(self, actor: Actor, child: EncodedQuery, *, reference: str) -> SubjectReport:
        return subject_rights.subject_report(self._ctx, actor, child, reference=reference)

    def family_notice(self, actor: Actor, involvement_id: str) -> FamilyNotice:
        return subject_rights.family_notice(self._ctx, actor, involvement_id)
