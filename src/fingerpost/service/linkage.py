"""Register-time linkage: each new or changed involvement is matched at once against other
agencies' involvements; strong matches are linked and both practitioners told (the
Verwijsindex "signal")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.domain.actor import Actor
from fingerpost.domain.model import Agency, InvolvementKey
from fingerpost.domain.vocabulary import Confidence
from fingerpost.service.candidates import verdicts
from fingerpost.service.context import Context
from fingerpost.service.notifications import notification
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.records import (
    Candidate,
    Notification,
    Reached,
    Registration,
    RegistrationOutcome,
    StoredInvolvement,
)
from fingerpost.service.signposts import disclosed_contact

__all__ = ["Stored", "link_batch", "link_candidates"]

# Register-time linkage records strong matches only. A strong pair without the same NHS number
# agrees on names and the date or the address, so it shares several blocking keys; the candidates
# sharing a single key (most of them) are not fetched (docs/adr/0013).
LINK_SHARED_KEYS = 2


@dataclass(slots=True)
class Stored:
    """What a batch stored: by row, the involvement and what happened to it."""

    involvements: dict[int, StoredInvolvement]
    actions: dict[int, AuditAction]


def link_candidates(  # noqa: PLR0917 - one batch's context
    uow: UnitOfWork,
    agency: Agency,
    registrations: Sequence[Registration],
    keys: Sequence[InvolvementKey],
    digests: Sequence[str],
    known: dict[InvolvementKey, StoredInvolvement],
) -> dict[int, list[Reached]]:
    """Other agencies' candidates for every row the batch will store (new or changed), with
    one lookup."""
    latest = {key: (stored.identity_digest, stored.terms) for key, stored in known.items()}
    rows = []
    for i, item in enumerate(registrations):
        if latest.get(keys[i]) != (digests[i], item.terms):
            rows.append(i)
        latest[keys[i]] = (digests[i], item.terms)
    found = uow.involvements.candidates_many(
        [registrations[i].child.probe_keys for i in rows],
        agency.code,
        at_least=LINK_SHARED_KEYS,
        anchors=[registrations[i].child.anchor_keys for i in rows],
    )
    return dict(zip(rows, found, strict=True))


def _strong_links(
    ctx: Context,
    uow: UnitOfWork,
    registrations: Sequence[Registration],
    found: dict[int, list[Reached]],
    rows: list[int],
) -> list[tuple[int, Candidate]]:
    """(row, strong match at another agency), each resolved to its whole involvement."""
    model = ctx.models.sized(uow)
    strong: list[tuple[int, Reached]] = []
    for i in rows:
        child = registrations[i].child
        strong += [
            (i, reached)
            for reached, verdict in verdicts(model, child, found.get(i, []))
            if verdict.confidence is Confidence.STRONG
        ]
    resolved = uow.involvements.resolve([reached for _, reached in strong])
    return [(i, resolved[r.involvement_id]) for i, r in strong if r.involvement_id in resolved]


def link_batch(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    agency: Agency,
    *,
    registrations: Sequence[Registration],
    found: dict[int, list[Reached]],
    stored: Stored,
    outcome: RegistrationOutcome,
) -> list[AuditEvent]:
    """Register-time linkage for every new or changed row; returns the batch's audit events
    (one per stored row, one per row that found links)."""
    rows = sorted(stored.involvements)
    proposed = _strong_links(ctx, uow, registrations, found, rows)
    added = uow.links.add_many(
        [
            (stored.involvements[i].id, c.involvement.id, Confidence.STRONG.value)
            for i, c in proposed
        ]
    )
    links_of: dict[int, int] = {}
    notes: list[Notification] = []
    for (i, candidate), new in zip(proposed, added, strict=True):
        if new:
            links_of[i] = links_of.get(i, 0) + 1
            notes += _link_notifications(ctx, agency, stored.involvements[i], candidate)
    uow.notifications.add_many(notes)
    events: list[AuditEvent] = []
    for i in rows:
        involvement = {"involvement": stored.involvements[i].id}
        events.append(ctx.event(actor, stored.actions[i], detail=involvement))
        if links_of.get(i):
            events.append(
                ctx.event(
                    actor, AuditAction.LINK_FOUND, result_count=links_of[i], detail=involvement
                )
            )
            outcome.links += links_of[i]
    return events


def _link_notifications(
    ctx: Context, agency: Agency, stored: StoredInvolvement, candidate: Candidate
) -> list[Notification]:
    """Each practitioner hears of the other; a withdrawal retracts both (source=…)."""
    notes = []
    for to, other, other_agency in (
        (candidate.involvement, stored, agency),
        (stored, candidate.involvement, candidate.agency),
    ):
        contact = disclosed_contact(other, other_agency)
        notes.append(
            notification(
                ctx,
                to=to,
                kind="link",
                source=other.id,
                about_agency=other_agency.code,
                about={
                    "agency": other_agency.name,
                    "practitioner_name": contact.name,
                    "practitioner_role": contact.role,
                    "practitioner_phone": contact.phone,
                    "practitioner_email": contact.email,
                    "involvement": other.terms.kind.value,
                },
            )
        )
    return notes
