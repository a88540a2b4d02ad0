"""The hub's use cases: register, update, end, withdraw, enquire, notify.

Every use case runs in one unit of work and appends its audit events inside the same transaction:
if the audit write fails, nothing is disclosed and nothing is stored (fail closed).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from fingerpost.audit import merkle
from fingerpost.audit.events import AuditAction, AuditEvent, Checkpoint
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, LimitExceeded, NotFound, PermissionDenied
from fingerpost.domain.ids import new_id
from fingerpost.domain.model import Agency, InvolvementKey, InvolvementTerms
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.retention import DEFAULT_RETENTION_MONTHS, expires_on
from fingerpost.domain.values import (
    MAX_PURPOSE_LENGTH,
    StatedPurpose,
    free_text,
    parse_purpose,
    parse_vocabulary,
)
from fingerpost.domain.vocabulary import Confidence, ReviewOutcome, Role
from fingerpost.matching.encode import EncodedQuery
from fingerpost.matching.score import DEFAULT_MODEL, MatchModel, Verdict, score
from fingerpost.matching.train import Training, train, training_sessions
from fingerpost.service.events import event
from fingerpost.service.messages import digest as digest_message
from fingerpost.service.messages import message
from fingerpost.service.permissions import check, check_named
from fingerpost.service.ports import KeyVault, Mailer, MailError, UnitOfWork, WitnessStore
from fingerpost.service.records import (
    Candidate,
    Destruction,
    DisclosingEnquiry,
    EnquiryResult,
    FamilyNotice,
    HeldInvolvement,
    NewInvolvement,
    Notification,
    Outgoing,
    Purged,
    Reached,
    Registration,
    RegistrationOutcome,
    RetentionStatus,
    Review,
    StoredInvolvement,
    SubjectReport,
    User,
)
from fingerpost.service.register_size import RegisterSize
from fingerpost.service.signposts import disclosed_contact, signpost_view

__all__ = ["ConsistencyProof", "Delivery", "Hub", "InclusionProof"]


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


Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


DIGEST_AFTER = timedelta(days=1)
# How long a delivering worker holds the notifications it claimed: longer than a pass takes.
CLAIM_FOR = timedelta(minutes=5)


def _reason(text: str) -> str:
    """A stated reason for the audit: required, short, and never a child's details."""
    reason = free_text("reason", text, limit=300)
    if not reason:
        raise InvalidValue("reason: say why (it is recorded in the audit)")
    return reason


def _names(stored: StoredInvolvement, actor: Actor) -> bool:
    """The involvement names the actor as its practitioner (by e-mail, as a token carries it)."""
    email = actor.email.strip().casefold()
    return bool(email) and stored.terms.practitioner.email.strip().casefold() == email


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, at most an hour."""
    return timedelta(minutes=min(60, 2 ** (attempts - 1)))


@dataclass(slots=True)
class Delivery:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    held: int = 0  # waiting for the daily digest


# Register-time linkage records strong matches only. A strong pair without the same NHS number
# agrees on names and the date or the address, so it shares several blocking keys; the candidates
# sharing a single key (most of them) are not fetched (docs/adr/0013).
_LINK_SHARED_KEYS = 2
# An enquiry scores at most this many candidates, those sharing the most blocking keys with it:
# a common name with a common date reaches more involvements as the register grows, and a true
# match shares many keys (docs/adr/0013).
MOST_CANDIDATES = 64


class Hub:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        model: MatchModel | None = None,
        clock: Clock = _utcnow,
        policy: EnquiryPolicy | None = None,
        retention_months: int = DEFAULT_RETENTION_MONTHS,
        keys: KeyVault | None = None,
        scrub: Callable[[], bool] = lambda: True,
        witness: WitnessStore | None = None,
    ) -> None:
        self._uow = uow_factory
        self._witness = witness
        self._clock = clock
        self._policy = policy or EnquiryPolicy()
        self._retention_months = retention_months
        self._keys = keys
        # Called after deleting (withdrawal, expiry, decommissioning): no copy of the deleted
        # bytes is left in the database's files. False when it could not finish (retried later).
        self._scrub_files = scrub
        self._model = model or self._stored_model() or DEFAULT_MODEL
        self._register_size = RegisterSize()

    def _stored_model(self) -> MatchModel | None:
        with self._uow() as uow:
            body = uow.models.newest()
        return MatchModel.from_json(body) if body else None

    @property
    def model(self) -> MatchModel:
        return self._model

    def _scrub(self) -> bool:
        """After deleting involvements: the register is smaller, and its bytes are scrubbed."""
        self._register_size.forget()
        return self._scrub_files()

    def _sized_model(self, uow: UnitOfWork) -> MatchModel:
        """The model for the register as it is now (`MatchModel.for_register`)."""
        return self._register_size.model(uow, self._model, self._clock())

    # -- the match model --------------------------------------------------------------------

    def train_model(
        self, actor: Actor, *, sample: int = 20_000, random_pairs: int = 100_000
    ) -> Training:
        """Estimate m and u by EM on the register itself, store the model as a new version and
        use it from now on. No labels: see `fingerpost.matching.train`."""
        check(actor, "model.train", self._policy)
        base = self._model
        with self._uow() as uow:
            people = uow.involvements.sample(sample)
        chooser = random.Random(len(people))  # noqa: S311 - sampling for estimation, not secrecy
        sessions = training_sessions(people, base, chooser)
        if len(people) < 2 or not any(session.vectors for session in sessions):
            raise NotFound("not enough registrations to train a model")
        random_vectors = []
        for _ in range(random_pairs):
            (agency_a, a), (agency_b, b) = chooser.sample(people, 2)
            if agency_a != agency_b:
                random_vectors.append(base.levels_of(a, b))
        version = f"em-{self._clock():%Y%m%dT%H%M%S}-{new_id()[:6]}"
        training = train(sessions, random_vectors, DEFAULT_MODEL, version=version)
        with self._uow() as uow:
            uow.models.add(version, training.model.to_json())
            uow.audit.append(
                self._event(
                    actor,
                    AuditAction.MODEL_TRAINED,
                    result_count=training.candidate_pairs,
                    detail={"model": version},
                )
            )
            uow.commit()
        self._model = training.model
        return training

    # -- agencies ---------------------------------------------------------------------------

    def import_agencies(self, actor: Actor, agencies: Sequence[Agency]) -> tuple[int, int]:
        """Create or update agencies; never deletes. Returns (created, updated)."""
        created = 0
        with self._uow() as uow:
            for agency in agencies:
                created += uow.agencies.upsert(agency)
            uow.audit.append(
                self._event(actor, AuditAction.AGENCY_IMPORTED, result_count=len(agencies))
            )
            uow.commit()
        return created, len(agencies) - created

    def agency(self, code: str) -> Agency | None:
        with self._uow() as uow:
            return uow.agencies.get(code)

    def left_on(self, code: str) -> datetime | None:
        """When the agency left fingerpost (decommissioned), or None while it takes part."""
        with self._uow() as uow:
            return uow.agencies.decommissioned(code)

    def agencies(self) -> list[Agency]:
        with self._uow() as uow:
            return uow.agencies.all()

    # -- registration -----------------------------------------------------------------------

    def refresh_statistics(self, actor: Actor) -> None:
        """A large file has been registered: the register's statistics are refreshed."""
        check(actor, "involvement.refresh-statistics", self._policy)
        with self._uow() as uow:
            uow.involvements.refresh_statistics()
            uow.commit()

    def register(self, actor: Actor, registrations: Sequence[Registration]) -> RegistrationOutcome:
        """Register or update involvements of the actor's agency (idempotent on the contract key).

        Each new or changed involvement is matched at once against other agencies' involvements;
        strong matches are linked and both practitioners notified (the Verwijsindex "signal").
        """
        check(actor, "involvement.register", self._policy)
        outcome = RegistrationOutcome()
        keys = [InvolvementKey(actor.agency, r.local_ref, r.terms.kind) for r in registrations]
        digests = [r.child.identity.digest() for r in registrations]
        ids: list[str] = [""] * len(registrations)
        actions: dict[int, AuditAction] = {}  # row → what happened, for rows that changed
        stored_of: dict[int, StoredInvolvement] = {}
        with self._uow() as uow:
            agency = self._own_agency(uow, actor)
            known = uow.involvements.by_keys(keys)
            # Candidates are looked up before the batch is written, so that no row's probe meets
            # the row itself (about twenty hits each, all to be thrown away).
            found = self._link_candidates(uow, agency, registrations, keys, digests, known)
            pending: list[int] = []  # rows to insert together
            pending_keys: set[InvolvementKey] = set()

            def insert_pending() -> None:
                rows = [
                    NewInvolvement(
                        keys[i],
                        registrations[i].terms,
                        registrations[i].child.identity,
                        digests[i],
                        registrations[i].ages_out,
                        self._expiry(registrations[i].ages_out, registrations[i].terms),
                    )
                    for i in pending
                ]
                for i, stored in zip(pending, uow.involvements.add_many(rows), strict=True):
                    known[keys[i]] = stored_of[i] = stored
                    actions[i] = AuditAction.INVOLVEMENT_REGISTERED
                    ids[i] = stored.id
                outcome.created += len(pending)
                pending.clear()
                pending_keys.clear()

            for i, item in enumerate(registrations):
                if keys[i] in pending_keys:
                    insert_pending()  # the same key twice in a batch: the later row updates
                existing = known.get(keys[i])
                if existing is None:
                    pending.append(i)
                    pending_keys.add(keys[i])
                elif (
                    existing.identity_digest == digests[i]
                    and existing.terms == item.terms
                    and existing.ages_out == item.ages_out
                ):
                    outcome.unchanged += 1
                    ids[i] = existing.id
                else:
                    changed_identity = existing.identity_digest != digests[i]
                    stored = uow.involvements.update(
                        existing.id,
                        item.terms,
                        item.child.identity if changed_identity else None,
                        digests[i] if changed_identity else None,
                        ages_out=item.ages_out,
                        expires_on=self._expiry(item.ages_out, item.terms),
                    )
                    known[keys[i]] = stored_of[i] = stored
                    actions[i] = AuditAction.INVOLVEMENT_UPDATED
                    ids[i] = stored.id
                    outcome.updated += 1
            insert_pending()
            uow.audit.append_many(
                self._link_batch(
                    uow,
                    actor,
                    agency,
                    registrations=registrations,
                    found=found,
                    stored_of=stored_of,
                    actions=actions,
                    outcome=outcome,
                )
            )
            uow.commit()
        outcome.ids.extend(ids)
        return outcome

    @staticmethod
    def _link_candidates(  # noqa: PLR0917 - one batch's context
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
            at_least=_LINK_SHARED_KEYS,
            anchors=[registrations[i].child.anchor_keys for i in rows],
        )
        return dict(zip(rows, found, strict=True))

    def _link_batch(
        self,
        uow: UnitOfWork,
        actor: Actor,
        agency: Agency,
        *,
        registrations: Sequence[Registration],
        found: dict[int, list[Reached]],
        stored_of: dict[int, StoredInvolvement],
        actions: dict[int, AuditAction],
        outcome: RegistrationOutcome,
    ) -> list[AuditEvent]:
        """Register-time linkage for every new or changed row; returns the batch's audit events
        (one per stored row, one per row that found links)."""
        rows = sorted(stored_of)
        model = self._sized_model(uow)
        strong: list[tuple[int, Reached]] = []  # (row, strong match at another agency)
        for i in rows:
            child = registrations[i].child
            strong += [
                (i, reached)
                for reached, verdict in self._verdicts(model, child, found.get(i, []))
                if verdict.confidence is Confidence.STRONG
            ]
        resolved = uow.involvements.resolve([reached for _, reached in strong])
        proposed = [
            (i, resolved[r.involvement_id]) for i, r in strong if r.involvement_id in resolved
        ]
        added = uow.links.add_many(
            [(stored_of[i].id, c.involvement.id, Confidence.STRONG.value) for i, c in proposed]
        )
        links_of: dict[int, int] = {}
        notes: list[Notification] = []
        for (i, candidate), new in zip(proposed, added, strict=True):
            if new:
                links_of[i] = links_of.get(i, 0) + 1
                notes += self._link_notifications(agency, stored_of[i], candidate)
        uow.notifications.add_many(notes)
        events: list[AuditEvent] = []
        for i in rows:
            involvement = {"involvement": stored_of[i].id}
            events.append(self._event(actor, actions[i], detail=involvement))
            if links_of.get(i):
                events.append(
                    self._event(
                        actor,
                        AuditAction.LINK_FOUND,
                        result_count=links_of[i],
                        detail=involvement,
                    )
                )
                outcome.links += links_of[i]
        return events

    def _link_notifications(
        self, agency: Agency, stored: StoredInvolvement, candidate: Candidate
    ) -> list[Notification]:
        """Each practitioner hears of the other; a withdrawal retracts both (source=…)."""
        notes = []
        for to, other, other_agency in (
            (candidate.involvement, stored, agency),
            (stored, candidate.involvement, candidate.agency),
        ):
            contact = disclosed_contact(other, other_agency)
            notes.append(
                self._notification(
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

    # -- users ------------------------------------------------------------------------------

    def seen(self, actor: Actor) -> None:
        """A signed-in user: recorded on first sight (and audited), refreshed hourly after."""
        user = User(
            subject=actor.subject,
            agency=actor.agency,
            role=actor.role.value,
            name=actor.name,
            email=actor.email,
            phone=actor.phone,
        )
        with self._uow() as uow:
            if uow.practitioners.seen(user, self._clock()):
                uow.audit.append(
                    self._event(actor, AuditAction.USER_FIRST_SEEN, detail={"role": user.role})
                )
            uow.commit()

    def users(self, actor: Actor) -> list[User]:
        """Who has signed in: an agency administrator sees their own agency's users; auditors
        and operators see everyone."""
        check(actor, "user.list", self._policy)
        own = actor.role is Role.AGENCY_ADMIN
        with self._uow() as uow:
            found = uow.practitioners.for_agency(actor.agency if own else None)
            if not own:  # other agencies' staff and their contacts: a disclosure, audited
                uow.audit.append(
                    self._event(actor, AuditAction.USERS_READ, result_count=len(found))
                )
                uow.commit()
            return found

    # -- one involvement --------------------------------------------------------------------

    def get(self, actor: Actor, involvement_id: str) -> StoredInvolvement:
        """One of the actor's agency's involvements: its practitioners (who register it and
        are answered with it) and administrators."""
        check(actor, "involvement.read", self._policy)
        with self._uow() as uow:
            return self._own(uow, actor, involvement_id)

    def list_involvements(
        self, actor: Actor, *, local_ref: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[StoredInvolvement]:
        """The agency's register, practitioners' contacts and all: its administrators only."""
        check(actor, "involvement.list", self._policy)
        with self._uow() as uow:
            return uow.involvements.for_agency(
                actor.agency, local_ref=local_ref, limit=limit, offset=offset
            )

    def update_terms(
        self,
        actor: Actor,
        involvement_id: str,
        change: Callable[[InvolvementTerms], InvolvementTerms],
    ) -> StoredInvolvement:
        """Change what the agency says about an involvement (new practitioner, end date…):
        the agency's administrators, or the practitioner it names (by e-mail)."""
        check(actor, "involvement.change", self._policy)
        with self._uow() as uow:
            stored = self._own(uow, actor, involvement_id)
            check_named(actor, "involvement.change", names_actor=_names(stored, actor))
            terms = change(stored.terms)
            updated = uow.involvements.update(
                stored.id,
                terms,
                ages_out=stored.ages_out,
                expires_on=self._expiry(stored.ages_out, terms),
            )
            action = (
                AuditAction.INVOLVEMENT_ENDED
                if terms.end_date and not stored.terms.end_date
                else AuditAction.INVOLVEMENT_UPDATED
            )
            uow.audit.append(self._event(actor, action, detail={"involvement": stored.id}))
            uow.commit()
            return updated

    def end(self, actor: Actor, involvement_id: str, end_date: date | None) -> StoredInvolvement:
        """The involvement ended on `end_date`; None: today, unless it has ended already (so
        ending it again never moves the date on, nor keeps it longer)."""
        return self.update_terms(
            actor,
            involvement_id,
            lambda t: replace(t, end_date=end_date or t.end_date or self._clock().date()),
        )

    def withdraw(self, actor: Actor, involvement_id: str, reason: str) -> None:
        """Registered in error: removed at once, with its encoding, links and notifications,
        and scrubbed from the database's files. It cannot be undone, so only an agency
        administrator may, saying why (docs/adr/0025)."""
        check(actor, "involvement.withdraw", self._policy)
        why = _reason(reason)
        with self._uow() as uow:
            stored = self._own(uow, actor, involvement_id)
            uow.involvements.remove(stored.id)
            uow.audit.append(
                self._event(
                    actor,
                    AuditAction.INVOLVEMENT_WITHDRAWN,
                    detail={"involvement": stored.id, "reason": why},
                )
            )
            uow.commit()
        self._scrub()

    def shield(
        self, actor: Actor, involvement_id: str, *, shielded: bool, reason: str
    ) -> StoredInvolvement:
        """An agency administrator shields an involvement (e.g. a child in a refuge): from now on
        signposts to it show only the agency's duty desk — never the practitioner or the area —
        unless another agency overrides the shield with a reason. Audited with the reason."""
        check(actor, "involvement.shield", self._policy)
        reason = _reason(reason)
        with self._uow() as uow:
            stored = self._own(uow, actor, involvement_id)
            uow.involvements.set_shielded(stored.id, shielded)
            action = (
                AuditAction.INVOLVEMENT_SHIELDED if shielded else AuditAction.INVOLVEMENT_UNSHIELDED
            )
            uow.audit.append(
                self._event(actor, action, detail={"involvement": stored.id, "reason": reason})
            )
            uow.commit()
        return replace(stored, shielded=shielded)

    # -- enquiry ----------------------------------------------------------------------------

    @property
    def policy(self) -> EnquiryPolicy:
        return self._policy

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
        """Several enquiries in one transaction; one audit event per enquiry.

        Interactive enquiries are held to the anti-browsing limits (refused with LimitExceeded
        once a user or agency has made too many in the window) and watched by anomaly rules that
        alert the agency's administrators. `urgent` (break-glass) passes the limits, is flagged
        and opens a review for an auditor. `batch` is the operator's CSV channel (`fingerpost
        enquire`): recorded like any other, not rate limited.

        `override_reason` sees past other agencies' shields on *strong* signposts: only for
        the roles the policy allows, each disclosure audited with the reason and the shielding
        agency's administrators alerted.
        """
        stated = parse_purpose(purpose)
        check(actor, "enquiry.make", self._policy)
        if urgent:
            check(actor, "enquiry.urgent", self._policy)
        if override_reason.strip():
            check(actor, "enquiry.override-shield", self._policy)
            override_reason = _reason(override_reason)
        now = self._clock()
        results: list[EnquiryResult] = []
        events: list[AuditEvent] = []
        told: list[Notification] = []  # the practitioners of strong matches, told at the end
        with self._uow() as uow:
            own = self._own_agency(uow, actor)
            recent = (
                []
                if batch
                else uow.audit.recent(
                    AuditAction.ENQUIRY_MADE, now - self._policy.window, actor=actor.subject
                )
            )
            if not batch and not urgent:
                refusal = self._over_limit(uow, actor, own, stated, len(children), recent, now)
                if refusal is not None:
                    uow.commit()  # the refusal and its alert are recorded; nothing is disclosed
                    raise refusal
            for child in children:
                enquiry_id = new_id()
                matches = self._matches(uow, child, exclude_agency=own.code)
                views = []
                for candidate, verdict in matches:
                    overridden = bool(
                        override_reason
                        and candidate.involvement.shielded
                        and verdict.confidence is Confidence.STRONG
                    )
                    views.append(signpost_view(candidate, verdict, now, overridden=overridden))
                    if overridden:
                        events += self._shield_overridden(
                            uow, actor, candidate, enquiry_id, override_reason
                        )
                told += [
                    self._told_of_enquiry(candidate, actor, own, str(stated))
                    for candidate, verdict in matches
                    if verdict.confidence is Confidence.STRONG
                ]
                events.append(
                    self._event(
                        actor,
                        AuditAction.ENQUIRY_MADE,
                        purpose=str(stated),
                        result_count=len(views),
                        urgent=urgent,
                        detail={
                            "enquiry": enquiry_id,
                            "purpose_code": stated.code.value,
                            "channel": "batch" if batch else "interactive",
                            "model": self._model.version,
                            "disclosed": ",".join(c.involvement.id for c, _ in matches),
                        },
                    )
                )
                if urgent:
                    events += self._break_glass(uow, actor, own, enquiry_id, stated, len(views))
                results.append(EnquiryResult(enquiry_id=enquiry_id, signposts=views))
            uow.notifications.add_many(told)
            if not batch:
                events += self._anomalies(uow, actor, own, results, recent, now)
            uow.audit.append_many(events)
            uow.commit()
        return results

    # -- anti-browsing ----------------------------------------------------------------------

    def _over_limit(  # noqa: PLR0917 - one enquiry's context
        self,
        uow: UnitOfWork,
        actor: Actor,
        own: Agency,
        stated: StatedPurpose,
        wanted: int,
        recent: list[AuditEvent],
        now: datetime,
    ) -> LimitExceeded | None:
        """Record a refusal (and alert, once per window) when the enquiries would exceed a
        limit; returns the error to raise, or None when they may go ahead."""
        policy = self._policy
        since = now - policy.window
        if len(recent) + wanted > policy.per_user:
            scope, limit = "user", policy.per_user
            # Room again once the oldest enquiries in the window have aged out of it.
            oldest = recent[max(0, len(recent) + wanted - policy.per_user - 1)].at
            retry = max(1, int((oldest + policy.window - now).total_seconds()) + 1)
        elif (
            uow.audit.count(AuditAction.ENQUIRY_MADE, since, agency=own.code) + wanted
            > policy.per_agency
        ):
            scope, limit = "agency", policy.per_agency
            retry = int(policy.window.total_seconds())
        else:
            return None
        first_refusal = (
            uow.audit.count(AuditAction.ENQUIRY_REFUSED, since, actor=actor.subject) == 0
        )
        window = f"{int(policy.window.total_seconds() // 60)} minutes"
        events = [
            self._event(
                actor,
                AuditAction.ENQUIRY_REFUSED,
                purpose=str(stated),
                result_count=0,
                detail={"limit": scope, "allowed": str(limit), "window": window},
            )
        ]
        if first_refusal:
            events.append(
                self._alert(
                    uow,
                    actor,
                    own,
                    rule=f"{scope}-limit",
                    message=(
                        f"{actor.name or actor.subject} reached the {scope} limit of {limit} "
                        f"enquiries in {window}; further enquiries are refused until the window "
                        "has room (urgent enquiries still go through and are reviewed)."
                    ),
                )
            )
        uow.audit.append_many(events)
        noun = "you have" if scope == "user" else "your agency has"
        return LimitExceeded(
            f"{noun} made {limit} enquiries in the last {window}: try again later, or mark the "
            "enquiry urgent if a child is at risk now (it will be reviewed)",
            retry_after=retry,
        )

    def _anomalies(  # noqa: PLR0917 - one batch's context
        self,
        uow: UnitOfWork,
        actor: Actor,
        own: Agency,
        results: list[EnquiryResult],
        recent: list[AuditEvent],
        now: datetime,
    ) -> list[AuditEvent]:
        """Alert (once, as a count crosses its threshold) on patterns that look like browsing."""
        policy = self._policy
        events: list[AuditEvent] = []
        before = sum(e.result_count == 0 for e in recent)
        after = before + sum(not r.signposts for r in results)
        if before < policy.no_match_alert <= after:
            events.append(
                self._alert(
                    uow,
                    actor,
                    own,
                    rule="no-match-burst",
                    message=(
                        f"{actor.name or actor.subject} made {after} enquiries that found nobody "
                        "within the hour: a pattern that can mean browsing."
                    ),
                )
            )
        if policy.is_out_of_hours(now):
            before = sum(policy.is_out_of_hours(e.at) for e in recent)
            after = before + len(results)
            if before < policy.out_of_hours_alert <= after:
                events.append(
                    self._alert(
                        uow,
                        actor,
                        own,
                        rule="out-of-hours-volume",
                        message=(
                            f"{actor.name or actor.subject} made {after} enquiries out of hours "
                            "within the hour."
                        ),
                    )
                )
        return events

    def _alert(
        self,
        uow: UnitOfWork,
        actor: Actor,
        own: Agency,
        *,
        rule: str,
        message: str,
        about: StoredInvolvement | None = None,
    ) -> AuditEvent:
        """Tell the agency's administrators (inbox and e-mail to the duty address). An alert
        `about` one of the agency's involvements goes with it when it is purged."""
        uow.notifications.add(
            Notification(
                id=new_id(),
                agency=own.code,
                recipient_email="",
                involvement_id=about.id if about else None,
                local_ref=about.key.local_ref if about else "",
                kind="alert",
                about={
                    "rule": rule,
                    "message": message,
                    "user": actor.name,
                    "user_email": actor.email,
                    "user_role": actor.role.value,
                },
                created_at=self._clock(),
            )
        )
        return self._event(actor, AuditAction.ALERT_RAISED, detail={"rule": rule})

    def _break_glass(  # noqa: PLR0917 - one urgent enquiry's context
        self,
        uow: UnitOfWork,
        actor: Actor,
        own: Agency,
        enquiry_id: str,
        stated: StatedPurpose,
        found: int,
    ) -> list[AuditEvent]:
        review = Review(
            id=new_id(),
            enquiry_id=enquiry_id,
            actor=actor.subject,
            actor_name=actor.name,
            actor_role=actor.role.value,
            agency=own.code,
            purpose=str(stated),
            result_count=found,
            opened_at=self._clock(),
        )
        uow.reviews.add(review)
        return [
            self._event(
                actor,
                AuditAction.BREAKGLASS_USED,
                purpose=str(stated),
                result_count=found,
                urgent=True,
                detail={"enquiry": enquiry_id, "review": review.id},
            ),
            self._alert(
                uow,
                actor,
                own,
                rule="break-glass",
                message=(
                    f"{actor.name or actor.subject} made an urgent enquiry ({stated}); it passed "
                    "the enquiry limits and awaits an auditor's review."
                ),
            ),
        ]

    # -- break-glass reviews ----------------------------------------------------------------

    def reviews(self, actor: Actor, *, open_only: bool = True, limit: int = 100) -> list[Review]:
        """Urgent enquiries awaiting (or given) an auditor's finding. Auditors only."""
        check(actor, "review.list", self._policy)
        with self._uow() as uow:
            found = uow.reviews.search(open_only=open_only, limit=limit)
            uow.audit.append(
                self._event(
                    actor,
                    AuditAction.AUDIT_READ,
                    result_count=len(found),
                    detail={"read": "reviews"},
                )
            )
            uow.commit()
        return found

    def close_review(self, actor: Actor, review_id: str, outcome: str, note: str = "") -> Review:
        """Record an auditor's finding on an urgent enquiry. A review closes once."""
        check(actor, "review.close", self._policy)
        finding = parse_vocabulary(ReviewOutcome, outcome, "outcome")
        note = free_text("note", note, limit=MAX_PURPOSE_LENGTH * 5)
        with self._uow() as uow:
            review = uow.reviews.get(review_id)
            if review is None:
                raise NotFound("no such review")
            if review.closed_at is not None:
                raise InvalidValue("review: already closed")
            closed = uow.reviews.close(
                review_id, outcome=finding.value, note=note, by=actor.subject, at=self._clock()
            )
            uow.audit.append(
                self._event(
                    actor,
                    AuditAction.REVIEW_CLOSED,
                    detail={
                        "review": review_id,
                        "enquiry": review.enquiry_id,
                        "outcome": finding.value,
                    },
                )
            )
            uow.commit()
        return closed

    def _matches(
        self, uow: UnitOfWork, child: EncodedQuery, *, exclude_agency: str
    ) -> list[tuple[Candidate, Verdict]]:
        """The involvements worth a signpost, strong first, then by evidence (the weight orders
        the results but is never shown)."""
        candidates = uow.involvements.candidates(
            child.probe_keys, exclude_agency, most=MOST_CANDIDATES
        )
        verdicts = self._verdicts(self._sized_model(uow), child, candidates)
        verdicts = self._without_common_names(uow, child, verdicts)
        resolved = uow.involvements.resolve([reached for reached, _ in verdicts])
        found = [
            (resolved[reached.involvement_id], verdict)
            for reached, verdict in verdicts
            if reached.involvement_id in resolved
        ]
        found.sort(key=lambda pair: (pair[1].confidence is not Confidence.STRONG, -pair[1].weight))
        return found

    @staticmethod
    def _verdicts(
        model: MatchModel, child: EncodedQuery, candidates: list[Reached]
    ) -> list[tuple[Reached, Verdict]]:
        scored = ((reached, score(child.probe, reached.identity, model)) for reached in candidates)
        return [(reached, verdict) for reached, verdict in scored if verdict is not None]

    def _without_common_names(
        self, uow: UnitOfWork, child: EncodedQuery, verdicts: list[tuple[Reached, Verdict]]
    ) -> list[tuple[Reached, Verdict]]:
        """Possible matches on the names alone, unless few registered children have the names.
        A namesake of a common name agrees on as much as the child would: signposting every one
        would send a practitioner calling strangers (docs/adr/0015). Counted only when needed."""
        alone = [
            verdict.names_only and verdict.confidence is Confidence.POSSIBLE
            for _, verdict in verdicts
        ]
        if not any(alone):
            return verdicts
        most = self._model.names_alone_at_most
        if uow.involvements.count_indexed(child.name_keys, up_to=most + 1) <= most:
            return verdicts
        return [pair for pair, names_only in zip(verdicts, alone, strict=True) if not names_only]

    def _shield_overridden(
        self,
        uow: UnitOfWork,
        actor: Actor,
        candidate: Candidate,
        enquiry_id: str,
        reason: str,
    ) -> list[AuditEvent]:
        """The shielded practitioner is disclosed: recorded, and the shielding agency told."""
        detail = {"involvement": candidate.involvement.id, "enquiry": enquiry_id, "reason": reason}
        alert = self._alert(
            uow,
            actor,
            candidate.agency,
            rule="shield-override",
            message=(
                f"{actor.name} ({actor.role.value}, {actor.agency}) saw past the shield on your"
                f" involvement {candidate.involvement.key.local_ref}: {reason}"
            ),
            about=candidate.involvement,
        )
        return [self._event(actor, AuditAction.SHIELD_OVERRIDDEN, detail=detail), alert]

    # -- notifications ----------------------------------------------------------------------

    def deliver_notifications(
        self, mailer: Mailer, *, digest: bool = False, limit: int = 200, max_attempts: int = 6
    ) -> Delivery:
        """One pass over the outbox: e-mail what is due, retry failures with back-off.

        Each practitioner's notification goes to them; alerts go to the agency's duty address.
        With `digest`, enquiry and link notifications are held and sent as one message per
        practitioner once the oldest is a day old (alerts always go at once). Every delivery and
        every failure is audited.
        """
        now = self._clock()
        with self._uow() as uow:
            due = uow.notifications.claim(now, now + CLAIM_FOR, limit=limit)
            uow.commit()
        report = Delivery()
        sends: list[list[Outgoing]] = []
        held: dict[tuple[str, str], list[Outgoing]] = {}
        for item in due:
            note = item.notification
            if digest and note.kind != "alert":
                held.setdefault((note.agency, note.recipient_email.lower()), []).append(item)
            else:
                sends.append([item])
        for items in held.values():
            oldest = min(i.notification.created_at or now for i in items)
            if now - oldest >= DIGEST_AFTER:
                sends.append(items)
            else:
                report.held += len(items)
        for items in sends:
            self._send(mailer, items, now, max_attempts, report)
        return report

    def _send(
        self,
        mailer: Mailer,
        items: list[Outgoing],
        now: datetime,
        max_attempts: int,
        report: Delivery,
    ) -> None:
        first = items[0]
        to = first.notification.recipient_email or first.duty_email
        notes = [item.notification for item in items]
        subject, body = message(notes[0]) if len(notes) == 1 else digest_message(notes)
        error = None
        reference = new_id()  # one per message: the channel reports on it (Notify call-backs)
        if not to:
            error = "no address: the agency has no duty e-mail"
        else:
            try:
                kind = notes[0].kind if len(notes) == 1 else "digest"
                mailer.send(to, subject, body, reference=reference, kind=kind)
            except MailError as failure:
                error = str(failure)
        with self._uow() as uow:
            events = []
            for item in items:
                note = item.notification
                outbox = Actor(
                    subject="system:outbox", name="outbox", agency=note.agency, role=Role.OPERATOR
                )
                detail = {"notification": note.id, "kind": note.kind}
                if error is None:
                    uow.notifications.delivered(note.id, now, reference)
                    report.sent += 1
                    events.append(self._event(outbox, AuditAction.NOTIFICATION_SENT, detail=detail))
                    continue
                attempts = item.attempts + 1
                retry = None if attempts >= max_attempts else now + _backoff(attempts)
                uow.notifications.failed(note.id, error, retry)
                report.failed += 1
                report.gave_up += retry is None
                events.append(
                    self._event(
                        outbox,
                        AuditAction.NOTIFICATION_FAILED,
                        detail=detail | {"attempt": str(attempts), "gave_up": str(retry is None)},
                    )
                )
            uow.audit.append_many(events)
            uow.commit()

    def outbox(self, actor: Actor) -> dict[str, int]:
        """How many notifications are pending, failed for good and delivered (operators)."""
        check(actor, "notification.outbox", self._policy)
        with self._uow() as uow:
            return uow.notifications.outbox_counts()

    def notifications(self, actor: Actor, *, limit: int = 100) -> list[Notification]:
        """A practitioner sees their own; an agency administrator sees the agency's."""
        check(actor, "notification.list", self._policy)
        with self._uow() as uow:
            email = None if actor.role is Role.AGENCY_ADMIN else actor.email
            return uow.notifications.for_recipient(actor.agency, email, limit=limit)

    def _told_of_enquiry(
        self, candidate: Candidate, actor: Actor, own: Agency, purpose: str
    ) -> Notification:
        return self._notification(
            to=candidate.involvement,
            kind="enquiry",
            about_agency=own.code,
            about={
                "agency": own.name,
                "practitioner_name": actor.name,
                "practitioner_role": actor.role.value,
                "practitioner_phone": actor.phone,
                "practitioner_email": actor.email,
                "purpose": purpose,
            },
        )

    def _notification(
        self,
        *,
        to: StoredInvolvement,
        kind: str,
        about: dict[str, str],
        about_agency: str,
        source: str | None = None,
    ) -> Notification:
        return Notification(
            id=new_id(),
            agency=to.key.agency,
            recipient_email=to.terms.practitioner.email,
            involvement_id=to.id,
            local_ref=to.key.local_ref,
            kind=kind,
            about=about,
            source_id=source,
            created_at=self._clock(),
            about_agency=about_agency,
        )

    # -- audit ------------------------------------------------------------------------------

    def audit_events(
        self,
        actor: Actor,
        *,
        limit: int = 100,
        action: str = "",
        subject: str = "",
        agency: str = "",
    ) -> list[AuditEvent]:
        """The newest audit events, optionally only of one action, one actor (`subject`) or one
        agency. Auditors only; the search itself is audited with what was searched for."""
        check(actor, "audit.search", self._policy)
        if action and action not in {a.value for a in AuditAction}:
            raise InvalidValue("action: not an audit action")
        search = {"action": action, "actor": subject, "agency": agency}
        with self._uow() as uow:
            events = uow.audit.read(
                limit=limit, action=action or None, actor=subject or None, agency=agency or None
            )
            uow.audit.append(
                self._event(
                    actor,
                    AuditAction.AUDIT_READ,
                    result_count=len(events),
                    detail={key: value for key, value in search.items() if value},
                )
            )
            uow.commit()
            return events

    def require_auditor(self, actor: Actor) -> None:
        self._require(actor, Role.AUDITOR)

    def require_role(self, actor: Actor, *roles: Role) -> None:
        """Refuse (PermissionDenied) an actor outside `roles`: for steps before a use case, such
        as checking an upload before it is registered."""
        self._require(actor, *roles)

    def verify_audit(self, actor: Actor, witness: Checkpoint | None = None) -> int | None:
        """Recompute the log and check every signed checkpoint, the kept witness and `witness`
        (a head an auditor kept); None when intact, else the first bad event. An intact log's
        newest head becomes the kept witness."""
        check(actor, "audit.verify", self._policy)
        kept = self._witness.load() if self._witness else None
        with self._uow() as uow:
            first_bad = uow.audit.verify([w for w in (kept, witness) if w is not None])
            head = uow.audit.newest() if first_bad is None else None
        if head is not None and self._witness is not None:
            self._witness.save(head)
        return first_bad

    def inclusion_proof(self, actor: Actor, seq: int) -> InclusionProof:
        """Proof that event `seq` is in the log as of the newest signed checkpoint."""
        check(actor, "audit.prove-inclusion", self._policy)
        with self._uow() as uow:
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

    def consistency_proof(self, actor: Actor, old_size: int) -> ConsistencyProof:
        """Proof that the log of `old_size` events is a prefix of today's: nothing rewritten."""
        check(actor, "audit.prove-consistency", self._policy)
        with self._uow() as uow:
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
        self, actor: Actor, *, after: int = 0, limit: int = 10_000
    ) -> list[tuple[int, AuditEvent]]:
        """Events after `after`, in order, for an external witness or archive."""
        check(actor, "audit.export", self._policy)
        with self._uow() as uow:
            return uow.audit.events(after=after, limit=limit)

    def audit_checkpoints(self, actor: Actor) -> list[Checkpoint]:
        check(actor, "audit.checkpoints", self._policy)
        with self._uow() as uow:
            return uow.audit.checkpoints()

    def audit_head(self, actor: Actor) -> Checkpoint | None:
        """The newest signed checkpoint: the log's size and root as last signed."""
        check(actor, "audit.head", self._policy)
        with self._uow() as uow:
            return uow.audit.newest()

    def record(self, actor: Actor, action: AuditAction, **detail: str) -> None:
        """Append a standalone audit event (e.g. a token issued from the command line)."""
        with self._uow() as uow:
            uow.audit.append(self._event(actor, action, detail=dict(detail)))
            uow.commit()

    def unreadable(self) -> dict[str, int]:
        """Involvements by agency held but unreadable (their data key was destroyed since): they
        can never be disclosed and go at the next expiry run."""
        with self._uow() as uow:
            return uow.involvements.unreadable()

    def record_restore(self, actor: Actor, rows: int) -> None:
        """A backup replaced the database: audited, and the restored log's head becomes the kept
        witness. The head it replaces (a longer log, whose newer events the restore rolled back)
        is named in the event, so the rollback itself stays on record."""
        superseded = self._witness.load() if self._witness else None
        detail = {"rows": str(rows)}
        if superseded is not None:
            detail |= {
                "superseded_size": str(superseded.size),
                "superseded_root": superseded.root.hex(),
            }
        self._register_size.forget()  # the restore replaced the register
        with self._uow() as uow:
            uow.audit.append(self._event(actor, AuditAction.BACKUP_RESTORED, detail=detail))
            uow.commit()
            head = uow.audit.newest()
        if head is not None and self._witness is not None:
            self._witness.save(head)

    def count_involvements(self) -> int:
        with self._uow() as uow:
            return uow.involvements.count()

    # -- retention, subject rights and destruction (docs/adr/0009) ---------------------------

    def expire(self, actor: Actor) -> Purged:
        """Delete every involvement whose expiry month has begun, with its encoding, blocking
        keys, links and notifications, then scrub the database's files. Each batch is one
        transaction with its audit event (a count: the events hold no child data)."""
        check(actor, "retention.expire", self._policy)
        today = self._clock().date()
        total = Purged()
        while True:
            with self._uow() as uow:
                batch = uow.involvements.purge_expired(today)
                if not batch.involvements:
                    break
                uow.audit.append(
                    self._event(
                        actor,
                        AuditAction.INVOLVEMENT_EXPIRED,
                        result_count=batch.involvements,
                        detail={k: str(v) for k, v in batch.as_dict().items()},
                    )
                )
                uow.commit()
            total.add(batch)
        if total.involvements:
            self._scrub()
        return total

    def retention_status(self, actor: Actor) -> RetentionStatus:
        """How many involvements are due to be purged now and within 30 days, and when the last
        purge ran (operators and auditors)."""
        check(actor, "retention.status", self._policy)
        today = self._clock().date()
        with self._uow() as uow:
            due = uow.involvements.count_expiring(today)
            soon = uow.involvements.count_expiring(today + timedelta(days=30)) - due
            last = uow.audit.read(action=AuditAction.INVOLVEMENT_EXPIRED.value, limit=1)
        return RetentionStatus(
            due=due,
            due_within_30_days=soon,
            last_purge_at=last[0].at if last else None,
            last_purge_removed=last[0].result_count if last else 0,
        )

    def _vault(self) -> KeyVault:
        if self._keys is None:
            raise PermissionDenied("no key store is configured")
        return self._keys

    def decommission(self, actor: Actor, agency: str | None) -> Destruction:
        """An agency leaves (`agency`), or the service closes (None): its data keys are
        destroyed first — from then on nothing it stored can be read, in this database or in
        any backup — then, in one transaction, its involvements, their encodings, blocking keys,
        links and notifications, its users and its inbox are deleted and the agency is marked
        as gone, with one audit event; then the files are scrubbed. Run again after any
        interruption, it finishes the job."""
        check(actor, "agency.decommission", self._policy)
        vault = self._vault()
        with self._uow() as uow:
            known = [a.code for a in uow.agencies.all()]
        if agency is not None and agency not in known:
            raise NotFound(f"unknown agency code {agency!r}")
        codes = [agency] if agency is not None else sorted(set(known) | set(vault.agencies()))
        keys = sum(vault.shred(code) for code in codes)
        now = self._clock()
        purged = Purged()
        with self._uow() as uow:
            for code in codes:
                while (batch := uow.involvements.purge_agency(code)).involvements:
                    purged.add(batch)
                if code in known:
                    uow.agencies.mark_decommissioned(code, now)
            users = sum(uow.practitioners.remove_for_agency(code) for code in codes)
            other = sum(uow.notifications.remove_for_agency(code) for code in codes)
            action = (
                AuditAction.AGENCY_DECOMMISSIONED
                if agency is not None
                else AuditAction.SERVICE_DECOMMISSIONED
            )
            counts = purged.as_dict() | {"users": users, "other_notifications": other}
            size = uow.audit.append(
                self._event(
                    actor,
                    action,
                    result_count=purged.involvements,
                    detail={"agencies": ",".join(codes), "data_keys": str(keys)}
                    | {k: str(v) for k, v in counts.items()},
                )
            )
            uow.commit()
        self._scrub()
        with self._uow() as uow:
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

    def rotate_agency_key(self, actor: Actor, agency: str) -> tuple[int, int]:
        """Give the agency a new data key, seal its rows again with it (in batches, each its
        own transaction) and destroy the old key. Returns (new version, rows resealed)."""
        check(actor, "key.rotate-agency", self._policy)
        vault = self._vault()
        with self._uow() as uow:
            if uow.agencies.get(agency) is None:
                raise NotFound(f"unknown agency code {agency!r}")
            self._still_taking_part(uow, agency)
        version = vault.rotate(agency)
        with self._uow() as uow:
            uow.notifications.reseal(agency)
            uow.commit()
        resealed, after = 0, 0
        while True:
            with self._uow() as uow:
                done, last = uow.involvements.reseal(agency, after=after)
                uow.commit()
            if last == after:
                break
            resealed, after = resealed + done, last
        retired = vault.retire(agency, keep=version)
        self._record_rotation(actor, agency=agency, version=str(version), rows=str(resealed),
                              retired=str(retired))  # fmt: skip
        return version, resealed

    def _record_rotation(self, actor: Actor, **detail: str) -> None:
        with self._uow() as uow:
            uow.audit.append(self._event(actor, AuditAction.KEY_ROTATED, detail=detail))
            uow.commit()

    def record_master_rotation(self, actor: Actor, master: str, rewrapped: int) -> None:
        """Audit a rotation of the master key (done by the key store)."""
        check(actor, "key.rotate-master", self._policy)
        self._record_rotation(actor, master=master, rewrapped=str(rewrapped))

    def subject_report(self, actor: Actor, child: EncodedQuery, *, reference: str) -> SubjectReport:
        """Subject access (UK GDPR article 15), for an auditor: every involvement held about the
        child (strong and possible matches, at every agency), every enquiry that disclosed one
        of them and every notification about them. Audited with the request's reference."""
        check(actor, "subject.access-report", self._policy)
        reference = _reason(reference)
        with self._uow() as uow:
            matches = self._matches(uow, child, exclude_agency="")
            held = [
                HeldInvolvement(verdict.confidence, verdict.why, c.agency, c.involvement)
                for c, verdict in matches
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
                    involvements=[
                        i for i in event.detail.get("disclosed", "").split(",") if i in ids
                    ],
                )
                for seq, event in uow.audit.disclosing(ids)
            ]
            notes = uow.notifications.involving(ids)
            uow.audit.append(
                self._event(
                    actor,
                    AuditAction.SUBJECT_ACCESS_REPORTED,
                    purpose=reference,
                    result_count=len(held),
                    detail={"involvements": ",".join(ids)},
                )
            )
            uow.commit()
        return SubjectReport(self._clock(), held, enquiries, notes)

    def family_notice(self, actor: Actor, involvement_id: str) -> FamilyNotice:
        """The notice an agency gives a family about its registration (GDPR article 14)."""
        check(actor, "subject.family-notice", self._policy)
        with self._uow() as uow:
            stored = self._own(uow, actor, involvement_id)
            agency = self._own_agency(uow, actor)
            uow.audit.append(
                self._event(actor, AuditAction.NOTICE_PRODUCED, detail={"involvement": stored.id})
            )
            uow.commit()
        return FamilyNotice(agency, stored, self._retention_months, self._clock())

    # -- helpers ----------------------------------------------------------------------------

    def _event(
        self,
        actor: Actor,
        action: AuditAction,
        *,
        purpose: str = "",
        result_count: int = 0,
        urgent: bool = False,
        detail: dict[str, str] | None = None,
    ) -> AuditEvent:
        return event(
            actor,
            action,
            self._clock(),
            purpose=purpose,
            result_count=result_count,
            urgent=urgent,
            detail=detail,
        )

    @staticmethod
    def _require(actor: Actor, *roles: Role) -> None:
        if actor.role not in roles:
            raise PermissionDenied(f"the {actor.role.value} role may not do this")

    def _expiry(self, ages_out: date | None, terms: InvolvementTerms) -> date | None:
        return expires_on(ages_out, terms.end_date, self._retention_months)

    @staticmethod
    def _still_taking_part(uow: UnitOfWork, agency: str) -> None:
        if uow.agencies.decommissioned(agency) is not None:
            raise PermissionDenied(f"agency {agency} has left fingerpost: its data was destroyed")

    @staticmethod
    def _own_agency(uow: UnitOfWork, actor: Actor) -> Agency:
        """The actor's agency, which must still take part: a decommissioned agency's users
        neither register nor enquire, whatever tokens they still hold."""
        agency = uow.agencies.get(actor.agency)
        if agency is None:
            raise NotFound(f"unknown agency code {actor.agency!r}")
        Hub._still_taking_part(uow, agency.code)
        return agency

    @staticmethod
    def _own(uow: UnitOfWork, actor: Actor, involvement_id: str) -> StoredInvolvement:
        stored = uow.involvements.get(actor.agency, involvement_id)
        if stored is None:
            raise NotFound("no such involvement")
        return stored
