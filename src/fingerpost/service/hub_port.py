"""What a gateway asks of the hub (ADR 0032, 0033): the calls the in-process `Hub` and the
gateway's `RemoteHub` both answer, with one signature each. `deployables/remote.py` has mypy
check that both satisfy it, so a call whose signature drifts on one side, or that the remote
hub lacks, is a type error rather than a failure at a gateway."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from fingerpost.audit.events import AuditAction, AuditEvent, Checkpoint
from fingerpost.domain.actor import Actor
from fingerpost.domain.model import Agency, InvolvementTerms
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.vocabulary import Role
from fingerpost.matching.encode import EncodedQuery
from fingerpost.service.records import (
    EnquiryResult,
    FamilyNotice,
    Notification,
    Registration,
    RegistrationOutcome,
    RetentionStatus,
    Review,
    StoredInvolvement,
    SubjectReport,
    User,
)

__all__ = ["HubCalls", "ModelVersion", "RegistersSent"]


class ModelVersion(Protocol):
    """Of the match model, a gateway knows only which it is."""

    @property
    def version(self) -> str: ...


@runtime_checkable
class RegistersSent(Protocol):
    """A hub over HTTP takes registrations already in their wire form, made in the gateway's
    encoding workers beside the encoding (ADR 0045); the in-process hub has no wire."""

    def register_sent(self, actor: Actor, sent: Sequence[bytes]) -> RegistrationOutcome: ...


class HubCalls(Protocol):
    @property
    def model(self) -> ModelVersion: ...
    @property
    def policy(self) -> EnquiryPolicy: ...
    def agencies(self) -> list[Agency]: ...
    def agency(self, code: str) -> Agency | None: ...
    def left_on(self, code: str) -> datetime | None: ...
    def seen(self, actor: Actor) -> None: ...
    def users(self, actor: Actor) -> list[User]: ...
    @staticmethod
    def require_role(actor: Actor, *roles: Role) -> None: ...
    def require_auditor(self, actor: Actor) -> None: ...
    def register(
        self, actor: Actor, registrations: Sequence[Registration]
    ) -> RegistrationOutcome: ...
    def refresh_statistics(self, actor: Actor) -> None: ...
    def enquire(
        self,
        actor: Actor,
        purpose: str,
        child: EncodedQuery,
        *,
        urgent: bool = False,
        override_reason: str = "",
    ) -> EnquiryResult: ...
    def enquire_many(
        self,
        actor: Actor,
        purpose: str,
        children: Sequence[EncodedQuery],
        *,
        urgent: bool = False,
        batch: bool = False,
        override_reason: str = "",
    ) -> list[EnquiryResult]: ...
    def get(self, actor: Actor, involvement_id: str) -> StoredInvolvement: ...
    def list_involvements(
        self, actor: Actor, *, local_ref: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[StoredInvolvement]: ...
    def update_terms(
        self,
        actor: Actor,
        involvement_id: str,
        change: Callable[[InvolvementTerms], InvolvementTerms],
    ) -> StoredInvolvement: ...
    def end(
        self, actor: Actor, involvement_id: str, end_date: date | None
    ) -> StoredInvolvement: ...
    def withdraw(self, actor: Actor, involvement_id: str, reason: str) -> None: ...
    def shield(
        self, actor: Actor, involvement_id: str, *, shielded: bool, reason: str
    ) -> StoredInvolvement: ...
    def family_notice(self, actor: Actor, involvement_id: str) -> FamilyNotice: ...
    def notifications(self, actor: Actor, *, limit: int = 100) -> list[Notification]: ...
    def subject_report(
        self, actor: Actor, child: EncodedQuery, *, reference: str
    ) -> SubjectReport: ...
    def reviews(
        self, actor: Actor, *, open_only: bool = True, limit: int = 100
    ) -> list[Review]: ...
    def close_review(
        self, actor: Actor, review_id: str, outcome: str, note: str = ""
    ) -> Review: ...
    def outbox(self, actor: Actor) -> dict[str, int]: ...
    def audit_events(
        self,
        actor: Actor,
        *,
        limit: int = 100,
        action: str = "",
        subject: str = "",
        agency: str = "",
    ) -> list[AuditEvent]: ...
    def audit_head(self, actor: Actor) -> Checkpoint | None: ...
    def verify_audit(self, actor: Actor, witness: Checkpoint | None = None) -> int | None: ...
    def record(self, actor: Actor, action: AuditAction, **detail: str) -> None: ...
    def retention_status(self, actor: Actor) -> RetentionStatus: ...
    def count_involvements(self) -> int: ...
