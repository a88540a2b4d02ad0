"""The gateways the hub trusts, and what it does with a request one of them signs (ADR 0026).

A gateway is registered with its own public key and the agencies it may act for. The hub
believes a gateway about *who* is signed in there (the practitioner it vouches for), never about
*which agency* beyond its list: a request for another agency is refused and audited, and
everything else the practitioner does is held to the same roles and limits as anyone's.

Two more checks (ADR 0034): every token names the fingerprint of the gateway's linkage secret,
and a gateway whose secret is not the one the hub is pinned to is refused (409) and audited — its
encodings would match nobody's; and batch enquiries, which no rate limit slows, need the
gateway's own permission and stay within a daily quota of rows per gateway.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, LimitExceeded, NotFound, PermissionDenied
from fingerpost.domain.vocabulary import Role
from fingerpost.service.hub import Hub

__all__ = [
    "DEFAULT_BATCH_ROWS_PER_DAY",
    "CrossGateway",
    "GatewayDirectory",
    "Gateways",
    "LinkageMismatch",
    "LinkagePin",
    "RegisteredGateway",
    "ServiceTokenRefused",
    "TokenReader",
    "agency_codes",
    "gateway_name",
    "public_key_text",
]

_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{0,63}")
_FINGERPRINT = re.compile(r"FP1(-[A-Z2-7]{4}){4}")
DEFAULT_BATCH_ROWS_PER_DAY = 5_000


@dataclass(frozen=True, slots=True)
class RegisteredGateway:
    name: str
    public_key: str  # "ed25519:" and the raw key, base64
    agencies: frozenset[str]
    added_at: datetime
    revoked_at: datetime | None = None
    may_batch: bool = False  # may send batch enquiries (ADR 0034): off unless granted

    @property
    def live(self) -> bool:
        return self.revoked_at is None

    def may_act_for(self, agency: str) -> bool:
        return self.live and agency in self.agencies


class GatewayDirectory(Protocol):
    def get(self, name: str) -> RegisteredGateway | None: ...
    def all(self) -> list[RegisteredGateway]: ...
    def add(self, gateway: RegisteredGateway) -> bool:
        """Register a gateway, or replace a revoked one of that name; False when a live one
        already holds the name (nothing changed)."""
        ...

    def revoke(self, name: str, at: datetime) -> bool:
        """False when no live gateway has that name."""
        ...

    def allow_batches(self, name: str, allowed: bool) -> bool:
        """Grant or withdraw the batch permission; False when no live gateway has that name."""
        ...

    def take_batch(self, name: str, rows: int, day: date, quota: int) -> bool:
        """Count `rows` batch enquiries against the gateway's `day` (UTC), at once and only if
        they keep it within `quota`; False (nothing counted) otherwise."""
        ...


class LinkagePin(Protocol):
    """The fingerprint of the linkage secret the hub's encodings are made with (its home's
    pin; in a development home, its own secret's), and the pinning of one (ADR 0027)."""

    def expected(self) -> str | None: ...
    def pin(self, fingerprint: str) -> None: ...


class ServiceTokenRefused(Exception):
    """No valid service token: unsigned, badly signed, expired, too long-lived, replayed, for
    another audience, or from a gateway not registered (or revoked). Answered 401."""


class CrossGateway(Exception):
    """A registered gateway vouched for a practitioner of an agency not on its list: refused
    (403) and audited."""

    def __init__(self, gateway: str, agency: str) -> None:
        super().__init__(f"gateway {gateway} may not act for agency {agency}")
        self.gateway = gateway
        self.agency = agency


class LinkageMismatch(Exception):
    """A gateway's token names another linkage secret than the hub's (or none): everything it
    sent would match nothing. Refused (409) and audited."""

    def __init__(self, gateway: str, presented: str, expected: str) -> None:
        said = f"its linkage secret is {presented}" if presented else "it names no linkage secret"
        super().__init__(
            f"gateway {gateway} is refused: {said}, the hub's encodings are made with {expected}"
            " (compare `fingerpost gateway secret fingerprint` there with the hub's pin)"
        )
        self.gateway = gateway


class TokenReader(Protocol):
    """The signature side of service tokens (`adapters/service_tokens.py`)."""

    def issuer(self, token: str) -> str:
        """The gateway the token says it is from, not yet believed."""
        ...

    def claims(self, token: str, public_key: str) -> dict[str, object]:
        """The token's claims, once its signature, audience, lifetime and jti are checked;
        ServiceTokenRefused otherwise."""
        ...


def gateway_name(text: str) -> str:
    """A gateway's name: lower-case letters, digits, dots and hyphens (`leeds-gw`)."""
    name = text.strip().lower()
    if not _NAME.fullmatch(name):
        raise InvalidValue(
            "gateway name: lower-case letters, digits, '.' and '-', at most 64 characters"
        )
    return name


def agency_codes(codes: Iterable[str]) -> frozenset[str]:
    found = frozenset(code.strip() for code in codes if code.strip())
    if not found:
        raise InvalidValue("a gateway acts for at least one agency")
    return found


def public_key_text(text: str) -> str:
    """An Ed25519 public key as the registry keeps it: `ed25519:` and 32 bytes, base64."""
    scheme, _, body = text.strip().partition(":")
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if scheme != "ed25519" or len(raw) != 32:
        raise InvalidValue("public key: expected ed25519:<32 bytes, base64>")
    return f"ed25519:{base64.b64encode(raw).decode()}"


class Gateways:
    """Registering, listing and revoking gateways (operators, at the hub), each audited; and
    the audit of a gateway caught acting for an agency not on its list."""

    def __init__(
        self,
        directory: GatewayDirectory,
        hub: Hub,
        reader: TokenReader,
        clock: Callable[[], datetime],
        *,
        linkage: LinkagePin | None = None,
        batch_rows_per_day: int = DEFAULT_BATCH_ROWS_PER_DAY,
    ) -> None:
        self._directory = directory
        self._hub = hub
        self._reader = reader
        self._clock = clock
        self._linkage = linkage
        self._batch_quota = batch_rows_per_day

    def get(self, name: str) -> RegisteredGateway | None:
        return self._directory.get(name)

    def add(
        self,
        actor: Actor,
        name: str,
        agencies: Iterable[str],
        public_key: str,
        *,
        batch: bool = False,
    ) -> RegisteredGateway:
        self._hub.require_role(actor, Role.OPERATOR)
        codes = agency_codes(agencies)
        unknown = sorted(code for code in codes if self._hub.agency(code) is None)
        if unknown:
            raise InvalidValue(f"unknown agency codes: {', '.join(unknown)}")
        gateway = RegisteredGateway(
            gateway_name(name), public_key_text(public_key), codes, self._clock(), may_batch=batch
        )
        if not self._directory.add(gateway):
            raise InvalidValue(f"a gateway named {gateway.name} is registered: revoke it first")
        self._hub.record(
            actor,
            AuditAction.GATEWAY_ADDED,
            gateway=gateway.name,
            agencies=",".join(sorted(codes)),
            batch="yes" if batch else "no",
        )
        return gateway

    def allow_batches(self, actor: Actor, name: str, allowed: bool) -> None:
        """Grant (or withdraw) a gateway's permission to send batch enquiries; audited."""
        self._hub.require_role(actor, Role.OPERATOR)
        if not self._directory.allow_batches(gateway_name(name), allowed):
            raise NotFound(f"no registered gateway named {name}")
        self._hub.record(
            actor,
            AuditAction.GATEWAY_CHANGED,
            gateway=gateway_name(name),
            batch="yes" if allowed else "no",
        )

    def all(self, actor: Actor) -> list[RegisteredGateway]:
        self._hub.require_role(actor, Role.OPERATOR, Role.AUDITOR)
        return self._directory.all()

    def revoke(self, actor: Actor, name: str) -> None:
        self._hub.require_role(actor, Role.OPERATOR)
        if not self._directory.revoke(gateway_name(name), self._clock()):
            raise NotFound(f"no registered gateway named {name}")
        self._hub.record(actor, AuditAction.GATEWAY_REVOKED, gateway=gateway_name(name))

    def admit(self, token: str, *, gateway_only: bool = False) -> Actor:
        """The practitioner a gateway's service token vouches for. ServiceTokenRefused for a
        token that is not good; CrossGateway (audited here) for an agency not the gateway's.
        `gateway_only`: a read of the directory (agencies, policy) that the gateway makes for
        itself, which names no agency and discloses nothing about a child."""
        reader = self._reader
        gateway = self._directory.get(reader.issuer(token))
        if gateway is None or not gateway.live:
            raise ServiceTokenRefused("unknown or revoked gateway")
        claims = reader.claims(token, gateway.public_key)
        actor = _actor(claims, gateway.name)
        self._same_secret(actor, gateway.name, claims.get("lfp"))
        if not gateway_only and not gateway.may_act_for(actor.agency):
            self.refused(actor, gateway.name, "cross-gateway")
            raise CrossGateway(gateway.name, actor.agency)
        return actor

    def _same_secret(self, actor: Actor, gateway: str, presented: object) -> None:
        """The gateway's linkage secret is the hub's. A hub not yet pinned takes the first
        fingerprint a registered gateway presents (audited); `fingerpost hub pin` beforehand is
        the ceremony's way (docs/key-ceremony.md)."""
        if self._linkage is None:
            return
        given = (
            presented if isinstance(presented, str) and _FINGERPRINT.fullmatch(presented) else ""
        )
        expected = self._linkage.expected()
        if expected is None and given:
            self._linkage.pin(given)
            expected = self._linkage.expected()
            if expected == given:
                self._hub.record(
                    actor, AuditAction.LINKAGE_PINNED, gateway=gateway, fingerprint=given
                )
        if given != expected:
            self.refused(actor, gateway, "linkage-mismatch", presented=given or "none")
            raise LinkageMismatch(gateway, given, expected or "none pinned")

    def allow_batch(self, actor: Actor, rows: int) -> None:
        """A batch of `rows` enquiries from the gateway `actor` came through: refused (and
        audited) unless the gateway may send batches and has room in today's quota."""
        name = actor.gateway
        if name is None:  # the command line in a development home: no gateway between
            return
        gateway = self._directory.get(name)
        if gateway is None or not gateway.may_batch:
            self.refused(actor, name, "batch-not-permitted")
            raise PermissionDenied(
                f"gateway {name} may not send batch enquiries: the hub's operator grants it"
                f" (`fingerpost hub gateways batch {name} --allow`)"
            )
        now = self._clock()
        if not self._directory.take_batch(name, rows, now.date(), self._batch_quota):
            quota = str(self._batch_quota)
            self.refused(actor, name, "batch-quota", rows=str(rows), allowed=quota)
            midnight = datetime.combine(now.date() + timedelta(days=1), time(), now.tzinfo)
            raise LimitExceeded(
                f"gateway {name} may send {quota} batch enquiries a day (UTC), and this batch"
                " would exceed today's",
                retry_after=max(1, int((midnight - now).total_seconds())),
            )

    def refused(self, actor: Actor, gateway: str, reason: str, **detail: str) -> None:
        """A gateway vouched for `actor` where it may not (another agency, another secret, a
        batch): recorded under the actor's agency, naming the gateway, before the refusal."""
        self._hub.record(
            actor, AuditAction.GATEWAY_REFUSED, gateway=gateway, reason=reason, **detail
        )


def _actor(claims: dict[str, object], gateway: str) -> Actor:
    def text(name: str, *, required: bool = False) -> str:
        value = claims.get(name, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise ServiceTokenRefused(f"claim {name}: text expected")
        return value

    strong = claims.get("strong", False)
    if not isinstance(strong, bool):
        raise ServiceTokenRefused("claim strong: true or false expected")
    try:
        role = Role(text("role", required=True))
    except ValueError:
        raise ServiceTokenRefused("claim role: not a role") from None
    return Actor(
        subject=text("sub", required=True),
        name=text("name"),
        agency=text("agency", required=True),
        role=role,
        email=text("email"),
        phone=text("phone"),
        strong_auth=strong,
        gateway=gateway,
    )
