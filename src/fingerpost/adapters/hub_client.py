"""`RemoteHub`: the national hub as a gateway reaches it, over HTTP (docs/wire.md, ADR 0026).

The same method names and signatures as the in-process `Hub` for everything a gateway's pages,
API and commands ask, returning the same records and raising the same domain errors, so the
entrypoints cannot tell the two apart. What only the hub does (expiry, decommissioning, audit
verification, key rotation, training) raises `HubOnly`. A hub that cannot be reached, or fails,
raises `HubUnavailable` — one exception for the gateway to fail closed on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fingerpost.adapters.hub_answers import answer_as, policy_answer, read_answer, segment
from fingerpost.adapters.hub_only import HUB_ONLY, RemoteModel, hub_only
from fingerpost.adapters.service_tokens import HUB_AUDIENCE, ServiceTokenSigner
from fingerpost.audit.events import AuditAction, AuditEvent, Checkpoint
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import (
    PermissionDenied,
)
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
from fingerpost.service.unavailable import HubOnly, HubUnavailable
from fingerpost.wire import WIRE_VERSION, from_plain, query_to_wire
from fingerpost.wire.models import (
    MAX_QUERIES,
    MAX_REGISTRATIONS,
    TermsIn,
    register_body,
    registration_json,
)

__all__ = ["HUB_KEEP_ALIVE_S", "KEEP_ALIVE_S", "RemoteHub"]

_RETRIED_STATUS = frozenset({502, 503, 504})
# How long an idle connection to the hub is kept for the next call (ADR 0033): a new one costs
# a TCP (in production, TLS) handshake on an enquiry's path. Shorter than the hub's own keep-alive
# (`HUB_KEEP_ALIVE_S`), so the gateway always gives a connection up before the hub closes it:
# an enquiry sent on a connection the hub is closing would fail and is never sent again.
KEEP_ALIVE_S = 30.0
HUB_KEEP_ALIVE_S = 75


class RemoteHub:
    """The hub over HTTP, acting as `gateway` (its registered name) with its private key.

    One pooled connection set; `timeout` seconds to connect and `read_timeout` to answer;
    idempotent calls are retried `retries` times with backoff on connection errors and 502–504,
    others only when the connection was never made (so nothing was sent twice).
    """

    # Its calls wait on the network: a caller with work of its own to do (the next batch of a
    # register file to encode) may make it while a call is on its way (ADR 0033).
    remote = True

    def __init__(
        self,
        base_url: str,
        gateway: str,
        key: Ed25519PrivateKey,
        *,
        audience: str = HUB_AUDIENCE,
        timeout: float = 3.0,
        read_timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
        linkage_fingerprint: str | None = None,
    ) -> None:
        self._signer = ServiceTokenSigner(
            gateway, key, audience=audience, linkage_fingerprint=linkage_fingerprint
        )
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/hub/v1",
            timeout=httpx.Timeout(read_timeout, connect=timeout),
            limits=httpx.Limits(
                max_connections=20, max_keepalive_connections=10, keepalive_expiry=KEEP_ALIVE_S
            ),
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self._retries = retries
        self._backoff = backoff
        self._policy: EnquiryPolicy | None = None
        self.gateway = gateway

    def close(self) -> None:
        self._client.close()

    # -- the calls --------------------------------------------------------------------------

    def _call(
        self,
        actor: Actor,
        method: str,
        path: str,
        *,
        body: Any = None,
        content: bytes | None = None,  # a body already JSON (`register_sent`)
        params: dict[str, Any] | None = None,
        idempotent: bool,
    ) -> Any:
        attempt = 0
        headers = {"Content-Type": "application/json"} if content is not None else {}
        while True:
            try:
                response = self._client.request(
                    method,
                    path,
                    json=body,
                    content=content,
                    params=params,
                    headers=headers | {"Authorization": f"Bearer {self._signer.mint(actor)}"},
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                # Never connected: nothing reached the hub, so even a disclosure may be retried.
                failure: str = f"{type(error).__name__}: {error}"
            except httpx.TransportError as error:
                if not idempotent:
                    raise HubUnavailable(
                        f"the hub did not answer ({type(error).__name__})"
                    ) from None
                failure = f"{type(error).__name__}: {error}"
            else:
                if not (idempotent and response.status_code in _RETRIED_STATUS):
                    return read_answer(response)
                failure = f"the hub answered {response.status_code}"
            attempt += 1
            if attempt > self._retries:
                raise HubUnavailable(f"the hub cannot be reached: {failure}")
            time.sleep(self._backoff * 2 ** (attempt - 1))

    def _get(self, actor: Actor, path: str, **params: Any) -> Any:
        return self._call(actor, "GET", path, params=params or None, idempotent=True)

    # -- the directory ----------------------------------------------------------------------

    def agencies(self, actor: Actor | None = None) -> list[Agency]:
        result: list[Agency] = from_plain(list[Agency], self._get(actor or _GATEWAY, "/agencies"))
        return result

    def agency(self, code: str) -> Agency | None:
        found = self._get(_GATEWAY, f"/agencies/{segment(code)}")
        agency: Agency | None = from_plain(Agency | None, found["agency"])
        return agency

    def left_on(self, code: str) -> datetime | None:
        found = self._get(_GATEWAY, f"/agencies/{segment(code)}")
        left: datetime | None = from_plain(datetime | None, found["left_on"])
        return left

    @property
    def policy(self) -> EnquiryPolicy:
        """The hub's enquiry policy, as far as pages need it (who may override, who may make
        urgent enquiries); the hub enforces all of it itself."""
        if self._policy is None:
            self._policy = policy_answer(self._get(_GATEWAY, "/policy"))
        return self._policy

    @property
    def model(self) -> RemoteModel:
        return RemoteModel(self._get(_GATEWAY, "/model")["version"])

    # -- users ------------------------------------------------------------------------------

    def seen(self, actor: Actor) -> None:
        self._call(actor, "POST", "/seen", idempotent=True)

    def users(self, actor: Actor) -> list[User]:
        return answer_as(list[User], self._get(actor, "/users"))

    @staticmethod
    def require_role(actor: Actor, *roles: Role) -> None:
        """The same check as the hub's, made here before anything is sent (the hub checks
        again)."""
        if actor.role not in roles:
            raise PermissionDenied(f"the {actor.role.value} role may not do this")

    def require_auditor(self, actor: Actor) -> None:
        self.require_role(actor, Role.AUDITOR)

    # -- registration -----------------------------------------------------------------------

    def register(self, actor: Actor, registrations: Sequence[Registration]) -> RegistrationOutcome:
        return self.register_sent(actor, [registration_json(r) for r in registrations])

    def register_sent(self, actor: Actor, sent: Sequence[bytes]) -> RegistrationOutcome:
        """Registrations in their wire form (`registration_json`, which a register file's
        encoding workers make), in requests of up to 2,000 rows. Idempotent on the contract
        key, so a batch whose answer was lost is safely sent again."""
        outcome = RegistrationOutcome()
        for start in range(0, len(sent), MAX_REGISTRATIONS):
            body = register_body(sent[start : start + MAX_REGISTRATIONS])
            answer = self._call(actor, "POST", "/registrations", content=body, idempotent=True)
            outcome.add(answer_as(RegistrationOutcome, answer))
        return outcome

    def refresh_statistics(self, actor: Actor) -> None:
        self._call(actor, "POST", "/statistics", idempotent=True)

    # -- enquiry ----------------------------------------------------------------------------

    def enquire(
        self,
        actor: Actor,
        purpose: str,
        child: EncodedQuery,
        *,
        urgent: bool = False,
        override_reason: str = "",
    ) -> EnquiryResult:
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
        """Never retried once sent: each enquiry is a disclosure, audited and counted."""
        results: list[EnquiryResult] = []
        for start in range(0, len(children), MAX_QUERIES):
            body = {
                "wire": WIRE_VERSION,
                "purpose": purpose,
                "urgent": urgent,
                "batch": batch,
                "override_reason": override_reason,
                "queries": [query_to_wire(q) for q in children[start : start + MAX_QUERIES]],
            }
            answer = self._call(actor, "POST", "/enquiries", body=body, idempotent=False)
            results += answer_as(list[EnquiryResult], answer["results"])
        return results

    # -- one involvement --------------------------------------------------------------------

    def get(self, actor: Actor, involvement_id: str) -> StoredInvolvement:
        return answer_as(
            StoredInvolvement, self._get(actor, f"/involvements/{segment(involvement_id)}")
        )

    def list_involvements(
        self, actor: Actor, *, local_ref: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[StoredInvolvement]:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if local_ref is not None:
            params["local_ref"] = local_ref
        return answer_as(list[StoredInvolvement], self._get(actor, "/involvements", **params))

    def update_terms(
        self,
        actor: Actor,
        involvement_id: str,
        change: Callable[[InvolvementTerms], InvolvementTerms],
    ) -> StoredInvolvement:
        """The change is worked out here on the terms as they stand and the result sent whole
        (the hub checks who may change it, as for any change)."""
        terms = change(self.get(actor, involvement_id).terms)
        body = TermsIn.of(terms).model_dump(mode="json")
        answer = self._call(
            actor,
            "PUT",
            f"/involvements/{segment(involvement_id)}/terms",
            body=body,
            idempotent=True,
        )
        return answer_as(StoredInvolvement, answer)

    def end(self, actor: Actor, involvement_id: str, end_date: date | None) -> StoredInvolvement:
        body = {"end_date": end_date.isoformat() if end_date else None}
        answer = self._call(
            actor,
            "POST",
            f"/involvements/{segment(involvement_id)}/end",
            body=body,
            idempotent=True,
        )
        return answer_as(StoredInvolvement, answer)

    def withdraw(self, actor: Actor, involvement_id: str, reason: str) -> None:
        path = f"/involvements/{segment(involvement_id)}/withdraw"
        self._call(actor, "POST", path, body={"reason": reason}, idempotent=False)

    def shield(
        self, actor: Actor, involvement_id: str, *, shielded: bool, reason: str
    ) -> StoredInvolvement:
        body = {"shielded": shielded, "reason": reason}
        path = f"/involvements/{segment(involvement_id)}/shield"
        return answer_as(
            StoredInvolvement, self._call(actor, "POST", path, body=body, idempotent=False)
        )

    def family_notice(self, actor: Actor, involvement_id: str) -> FamilyNotice:
        path = f"/involvements/{segment(involvement_id)}/family-notice"
        return answer_as(FamilyNotice, self._call(actor, "POST", path, idempotent=False))

    # -- notifications, subject access, reviews, audit -------------------------------------

    def notifications(self, actor: Actor, *, limit: int = 100) -> list[Notification]:
        return answer_as(list[Notification], self._get(actor, "/notifications", limit=limit))

    def subject_report(self, actor: Actor, child: EncodedQuery, *, reference: str) -> SubjectReport:
        body = {
            "wire": WIRE_VERSION,
            "reference": reference,
            "child": query_to_wire(child),
        }
        answer = self._call(actor, "POST", "/subject-reports", body=body, idempotent=False)
        return answer_as(SubjectReport, answer)

    def reviews(self, actor: Actor, *, open_only: bool = True, limit: int = 100) -> list[Review]:
        params = {"open_only": open_only, "limit": limit}
        return answer_as(list[Review], self._get(actor, "/reviews", **params))

    def close_review(self, actor: Actor, review_id: str, outcome: str, note: str = "") -> Review:
        body = {"outcome": outcome, "note": note}
        path = f"/reviews/{segment(review_id)}/close"
        return answer_as(Review, self._call(actor, "POST", path, body=body, idempotent=False))

    def outbox(self, actor: Actor) -> dict[str, int]:
        return answer_as(dict[str, int], self._get(actor, "/outbox"))

    def audit_events(
        self,
        actor: Actor,
        *,
        limit: int = 100,
        action: str = "",
        subject: str = "",
        agency: str = "",
    ) -> list[AuditEvent]:
        params = {"limit": limit, "action": action, "subject": subject, "agency": agency}
        return answer_as(list[AuditEvent], self._get(actor, "/audit/events", **params))

    def audit_head(self, actor: Actor) -> Checkpoint | None:
        head: Checkpoint | None = from_plain(Checkpoint | None, self._get(actor, "/audit/head"))
        return head

    def verify_audit(self, actor: Actor, witness: Checkpoint | None = None) -> int | None:
        """The hub verifies its own log (against the head it keeps); a head kept elsewhere is
        checked at the hub with `fingerpost audit verify --witness`."""
        if witness is not None:
            raise HubOnly("verifying against a kept head runs at the hub: fingerpost audit verify")
        found = self._call(actor, "POST", "/audit/verify", idempotent=True)
        first_bad: int | None = found["first_bad"]
        return first_bad

    def record(self, actor: Actor, action: AuditAction, **detail: str) -> None:
        body = {"action": action.value, "detail": detail}
        self._call(actor, "POST", "/audit/records", body=body, idempotent=False)

    def retention_status(self, actor: Actor) -> RetentionStatus:
        return answer_as(RetentionStatus, self._get(actor, "/retention"))

    def count_involvements(self) -> int:
        count: int = self._get(_GATEWAY, "/counts")["involvements"]
        return count

    if not TYPE_CHECKING:  # hidden from mypy, so that a call missing here is a type error

        def __getattr__(self, name: str) -> Any:
            if name in HUB_ONLY:
                return hub_only(name)
            raise AttributeError(name)


# Directory reads made by the gateway itself, not for a signed-in person (the sign-in page's
# list of agencies): an operator of the gateway, whom the hub knows by the gateway's name.
_GATEWAY = Actor(subject="gateway", name="gateway", agency="-", role=Role.OPERATOR)
