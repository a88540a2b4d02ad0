"""Use case: who else works with this child? Never the enquirer's own agency; never a score.

Interactive enquiries are held to the anti-browsing limits and watched by anomaly rules
(`service/limits.py`); an urgent (break-glass) enquiry passes the limits, is flagged and opens a
review. A stated reason sees past other agencies' shields on strong signposts, each disclosure
audited and the shielding agency told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.domain.actor import Actor
from fingerpost.domain.ids import new_id
from fingerpost.domain.model import Agency
from fingerpost.domain.values import StatedPurpose, parse_purpose
from fingerpost.domain.vocabulary import Confidence
from fingerpost.matching.encode import EncodedQuery
from fingerpost.matching.score import Verdict
from fingerpost.service.candidates import matches
from fingerpost.service.context import Context, own_agency, reason
from fingerpost.service.limits import anomalies, break_glass, over_limit
from fingerpost.service.notifications import alert, told_of_enquiry
from fingerpost.service.permissions import check
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.records import Candidate, EnquiryResult, Notification
from fingerpost.service.signposts import signpost_view

__all__ = ["enquire_many", "matches_now"]


def matches_now(
    ctx: Context, uow: UnitOfWork, child: EncodedQuery, *, exclude_agency: str
) -> list[tuple[Candidate, Verdict]]:
    """The involvements worth a signpost under the model in use, sized for the register now:
    strong first, then by evidence."""
    return matches(
        uow,
        ctx.models.sized(uow),
        child,
        exclude_agency=exclude_agency,
        names_alone_at_most=ctx.models.current(uow).names_alone_at_most,
    )


def enquire_many(
    ctx: Context,
    actor: Actor,
    purpose: str,
    children: Sequence[EncodedQuery],
    *,
    urgent: bool = False,
    batch: bool = False,
    override_reason: str = "",
) -> list[EnquiryResult]:
    """Several enquiries in one transaction; one audit event per enquiry. `batch` is the
    operator's CSV channel (`fingerpost enquire`): recorded like any other, not rate limited.
    `override_reason` sees past shields on strong signposts, for the roles the policy allows."""
    stated = parse_purpose(purpose)
    check(actor, "enquiry.make", ctx.policy)
    if batch:
        check(actor, "enquiry.batch", ctx.policy)
    if urgent:
        check(actor, "enquiry.urgent", ctx.policy)
    if override_reason.strip():
        check(actor, "enquiry.override-shield", ctx.policy)
        override_reason = reason(override_reason)
    now = ctx.clock()
    with ctx.uow() as uow:
        own = own_agency(uow, actor)
        recent, made = (
            ([], 0)
            if batch
            else uow.audit.window(
                AuditAction.ENQUIRY_MADE,
                now - ctx.policy.window,
                actor=actor.subject,
                agency=own.code,
            )
        )
        if not batch and not urgent:
            wanted = len(children)
            refusal = over_limit(ctx, uow, actor, own, stated, wanted, (recent, made), now)
            if refusal is not None:
                uow.commit()  # the refusal and its alert are recorded; nothing is disclosed
                raise refusal
        run = _Enquiries(ctx, uow, actor, own, stated, urgent, batch, override_reason, now)
        results = [run.one(child) for child in children]
        uow.notifications.add_many(run.told)
        if not batch:
            run.events += anomalies(ctx, uow, actor, own, results, recent, now)
        uow.audit.append_many(run.events)
        uow.commit()
    return results


@dataclass(slots=True)
class _Enquiries:
    """The enquiries of one call, made in one unit of work: what they disclosed (audit events)
    and whom they told (notifications)."""

    ctx: Context
    uow: UnitOfWork
    actor: Actor
    own: Agency
    stated: StatedPurpose
    urgent: bool
    batch: bool
    override_reason: str
    now: datetime
    events: list[AuditEvent] = field(default_factory=list)
    told: list[Notification] = field(default_factory=list)  # practitioners of strong matches

    def one(self, child: EncodedQuery) -> EnquiryResult:
        ctx, actor = self.ctx, self.actor
        enquiry_id = new_id()
        found = matches_now(ctx, self.uow, child, exclude_agency=self.own.code)
        views = []
        for candidate, verdict in found:
            strong = verdict.confidence is Confidence.STRONG
            overridden = bool(self.override_reason and candidate.involvement.shielded and strong)
            views.append(signpost_view(candidate, verdict, self.now, overridden=overridden))
            if overridden:
                self._shield_overridden(candidate, enquiry_id)
            if strong:
                self.told.append(told_of_enquiry(ctx, candidate, actor, self.own, str(self.stated)))
        self.events.append(
            ctx.event(
                actor,
                AuditAction.ENQUIRY_MADE,
                purpose=str(self.stated),
                result_count=len(views),
                urgent=self.urgent,
                detail={
                    "enquiry": enquiry_id,
                    "purpose_code": self.stated.code.value,
                    "channel": "batch" if self.batch else "interactive",
                    "model": ctx.models.current(self.uow).version,
                    "disclosed": ",".join(c.involvement.id for c, _ in found),
                },
            )
        )
        if self.urgent:
            self.events += break_glass(
                ctx, self.uow, actor, self.own, enquiry_id, self.stated, len(views)
            )
        return EnquiryResult(enquiry_id=enquiry_id, signposts=views)

    def _shield_overridden(self, candidate: Candidate, enquiry_id: str) -> None:
        """The shielded practitioner is disclosed: recorded, and the shielding agency told."""
        actor, why = self.actor, self.override_reason
        detail = {"involvement": candidate.involvement.id, "enquiry": enquiry_id, "reason": why}
        self.events.append(self.ctx.event(actor, AuditAction.SHIELD_OVERRIDDEN, detail=detail))
        self.events.append(
            alert(
                self.ctx,
                self.uow,
                actor,
                candidate.agency,
                rule="shield-override",
                message=(
                    f"{actor.name} ({actor.role.value}, {actor.agency}) saw past the shield on"
                    f" your involvement {candidate.involvement.key.local_ref}: {why}"
                ),
                about=candidate.involvement,
            )
        )
