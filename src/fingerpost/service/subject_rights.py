"""Use cases of a child's and a family's rights: subject access (UK GDPR article 15) and the
notice an agency gives a family about its registration (article 14)."""

from __future__ import annotations

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.matching.encode import EncodedQuery
from fingerpost.service.context import Context, own, own_agency, reason
from fingerpost.service.enquiry import matches_now
from fingerpost.service.permissions import check
from fingerpost.service.records import (
    DisclosingEnquiry,
    FamilyNotice,
    HeldInvolvement,
    SubjectReport,
)

__all__ = ["family_notice", "subject_report"]


def subject_report(
    ctx: Context, actor: Actor, child: EncodedQuery, *, reference: str
) -> SubjectReport:
    """Subject access, for an auditor: every involvement held about the child (strong and
    possible matches, at every agency), every enquiry that disclosed one of them and every
    notification about them. Audited with the request's reference."""
    check(actor, "subject.access-report", ctx.policy)
    reference = reason(reference)
    with ctx.uow() as uow:
        held = [
            HeldInvolvement(verdict.confidence, verdict.why, c.agency, c.involvement)
            for c, verdict in matches_now(ctx, uow, child, exclude_agency="")
        ]
        ids = [h.involvement.id for h in held]
        enquiries = [
            DisclosingEnquiry(
                seq=seq,
                at=event.at,
                actor=event.actor,
                agency=event.agency,
                purpose=event.purpose,
                urgent=event.urgent,
                involvements=[i for i in event.detail.get("disclosed", "").split(",") if i in ids],
            )
            for seq, event in uow.audit.disclosing(ids)
        ]
        notes = uow.notifications.involving(ids)
        uow.audit.append(
            ctx.event(
                actor,
                AuditAction.SUBJECT_ACCESS_REPORTED,
                purpose=reference,
                result_count=len(held),
                detail={"involvements": ",".join(ids)},
            )
        )
        uow.commit()
    return SubjectReport(ctx.clock(), held, enquiries, notes)


def family_notice(ctx: Context, actor: Actor, involvement_id: str) -> FamilyNotice:
    """The notice an agency gives a family about its registration (GDPR article 14)."""
    check(actor, "subject.family-notice", ctx.policy)
    with ctx.uow() as uow:
        stored = own(uow, actor, involvement_id)
        agency = own_agency(uow, actor)
        uow.audit.append(
            ctx.event(actor, AuditAction.NOTICE_PRODUCED, detail={"involvement": stored.id})
        )
        uow.commit()
    return FamilyNotice(agency, stored, ctx.retention_months, ctx.clock())
