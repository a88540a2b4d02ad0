"""Wires adapters into the service layer. Entrypoints get everything they need from here."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, partial
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, text

from fingerpost.adapters import certificates
from fingerpost.adapters import linkage as linkage_secrets  # `gateway secret` (docs/adr/0027)
from fingerpost.adapters.crypto import Keyring, backup_key, master_key
from fingerpost.adapters.db import backup as backups
from fingerpost.adapters.db import engine as db
from fingerpost.adapters.db import restore as restores
from fingerpost.adapters.db.backup import BackupError
from fingerpost.adapters.db.gateways import SqlGatewayDirectory
from fingerpost.adapters.db.uow import SqlUnitOfWorkFactory
from fingerpost.adapters.keys import (
    LINKAGE_FILE,
    SIGNING_FILE,
    home_linkage_fingerprint,
    linkage_secret,
    session_secret,
    signing_key,
)
from fingerpost.adapters.mail import SmtpMailer
from fingerpost.adapters.notify import NotifyMailer, parse_templates
from fingerpost.adapters.service_tokens import ServiceTokenReader, new_gateway_key
from fingerpost.adapters.tokens import InvalidToken, OidcProvider, TokenService
from fingerpost.adapters.witness import WITNESS_FILE, FileWitness, read_witness
from fingerpost.audit.events import AuditAction
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.vocabulary import Role
from fingerpost.gateway import Gateway
from fingerpost.service.delivery_status import record_delivery_status
from fingerpost.service.gateways import Gateways
from fingerpost.service.hub import Delivery, Hub
from fingerpost.service.permissions import check
from fingerpost.service.ports import Mailer, UnitOfWork
from fingerpost.service.records import Purged
from fingerpost.service.sync import SnapshotSync

__all__ = [
    "BackupError",
    "Fingerpost",
    "InvalidToken",
    "NoHome",
    "bootstrap",
    "linkage_secrets",
    "new_gateway_key",
    "read_witness",
]


@dataclass(frozen=True)
class Fingerpost:
    """One running installation: the hub, the gateway in front of it, and the token issuer."""

    settings: Settings
    engine: Engine
    hub: Hub
    gateway: Gateway
    snapshots: SnapshotSync  # `fingerpost sync`, `POST /api/v1/sync` (docs/adr/0021)
    tokens: TokenService
    unit_of_work: Callable[[], UnitOfWork]  # for operator tools and tests; use cases go via hub
    public_key: bytes  # raw Ed25519 public key: verifies tokens and audit checkpoints
    fresh: bool  # True when this start initialised an empty home
    session_secret: bytes  # signs the web's session cookies
    _signing_key: Ed25519PrivateKey
    mailer: Mailer | None = None  # None: notifications stay in the inbox (no channel configured)
    keyring: Keyring | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # The fingerprint of a random linkage secret this start made (a development home's first
    # command): said on the command line, since its encodings match no deployment's.
    made_linkage_secret: str | None = None

    def delivery_status(self, reference: str, status: str) -> int:
        """A channel's report on a message it was handed (GOV.UK Notify call-backs)."""
        return record_delivery_status(self.unit_of_work, reference, status, self.clock())

    @cached_property
    def gateways(self) -> Gateways:
        """The gateways the hub trusts, and their service tokens' check (docs/adr/0026)."""
        directory = SqlGatewayDirectory(self.engine, fresh_for=self.settings.hub_cache_seconds)
        return Gateways(
            directory,
            self.hub,
            ServiceTokenReader(),
            self.clock,
            linkage=linkage_secrets.HomeLinkagePin(self.settings.home.resolve()),
            batch_rows_per_day=self.settings.gateway_batch_rows_per_day,
        )

    def _keys(self) -> Keyring:
        assert self.keyring is not None
        return self.keyring

    def expire(self) -> Purged:
        """One purge of expired involvements (`serve` runs it every FINGERPOST_EXPIRE_EVERY_…)."""
        return self.hub.expire(RETENTION)

    def decommission(self, actor: Actor, agency: str | None) -> bytes:
        """Destroy an agency's data (None: everyone's) and return the signed certificate."""
        destruction = self.hub.decommission(actor, agency)
        return certificates.issue(destruction, self._signing_key)

    def verify_certificate(self, content: bytes) -> dict[str, object]:
        return certificates.verify(content, self.public_key)

    def rotate_master_key(self, actor: Actor) -> tuple[str, int]:
        check(actor, "key.rotate-master")  # before anything is rotated
        master, rewrapped = self._keys().rotate_master()
        self.hub.record_master_rotation(actor, master, rewrapped)
        return master, rewrapped

    def _home_keys(self) -> restores.HomeKeys:
        home = self.settings.home.resolve()
        return restores.HomeKeys(home, self._keys(), self._signing_key.public_key())

    def backup(self, actor: Actor, target: Path) -> backups.Summary:
        """A consistent, encrypted copy of the database (never the keys) in `target`; its
        header names the keys a restore will need (public values only)."""
        home = self.settings.home.resolve()
        about = restores.backup_header(self._home_keys())
        summary = backups.write(self.engine, target, backup_key(home), about=about)
        self.hub.record(actor, AuditAction.BACKUP_MADE, rows=str(summary.rows))
        return summary

    def restore(self, actor: Actor, source: Path) -> backups.Summary:
        """Replace the database's contents with a backup's, once every key it needs is found in
        the home (else RestoreRefused, nothing changed); then check the audit log."""
        summary = restores.restore(self.engine, source, self._home_keys())
        db.scrub(self.engine)  # what the restore replaced leaves no bytes behind
        self.hub.record_restore(actor, summary.rows)
        return summary

    def ready(self) -> bool:
        """The database answers and its schema is current."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return db.is_current(self.engine)
        except Exception:  # noqa: BLE001 - any failure means "not ready", reported as 503
            return False

    def deliver(self) -> Delivery | None:
        """One pass over the notification outbox; None when no mail server is configured."""
        if self.mailer is None:
            return None
        return self.hub.deliver_notifications(self.mailer, digest=self.settings.notify_digest)

    def close(self) -> None:
        self.engine.dispose()


Clock = Callable[[], datetime]
RETENTION = Actor(subject="system:retention", name="retention", agency="-", role=Role.OPERATOR)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class NoHome(Exception):
    """There is no installation to open, and the caller may not make one (a read-only command:
    a mistyped FINGERPOST_HOME must not become a new, empty home that "verifies")."""


def _home_is_empty(home: Path) -> bool:
    # A hub's home holds no linkage key (docs/adr/0032): its signing key says it is made.
    return not (home / LINKAGE_FILE).exists() and not (home / SIGNING_FILE).exists()


def _linkage_gateway(home: Path) -> Gateway:
    return Gateway(linkage_secret(home))


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock = _utcnow,
    create: bool = True,
    encoder: Callable[[Path], Gateway] = _linkage_gateway,
) -> Fingerpost:
    """Open (initialising if needed) the installation in `settings.home`; runs migrations.
    `create=False` opens only an existing installation: NoHome, with nothing made, when the
    home or its database is missing or empty."""
    settings = settings or Settings()
    home = settings.home.resolve()
    fresh = _home_is_empty(home)
    if fresh and not create:
        raise NoHome(f"no fingerpost home at {home}")
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = db.create(settings.resolved_database_url, sqlite_cache_mib=settings.sqlite_cache_mib)
    if not create and not db.has_schema(engine):
        engine.dispose()
        raise NoHome(f"no fingerpost database at {engine.url.render_as_string()} (home {home})")
    keyring = Keyring(home, master_key(home, settings.master_key.get_secret_value()))
    db.migrate(engine, keyring, retention_months=settings.retention_months)
    key = signing_key(home)
    uow_factory: Callable[[], UnitOfWork] = SqlUnitOfWorkFactory(
        engine,
        key,
        keyring,
        ranking=settings.candidate_ranking,
        agencies_fresh_for=settings.hub_cache_seconds,
    )
    had_secret = (home / LINKAGE_FILE).exists()
    gateway = encoder(home)  # the hub passes one that holds no secret (deployables.hub)
    made = not had_secret and (home / LINKAGE_FILE).exists()
    return Fingerpost(
        settings=settings,
        engine=engine,
        hub=Hub(
            uow_factory,
            policy=settings.policy,
            retention_months=settings.retention_months,
            keys=keyring,
            scrub=partial(db.scrub, engine),
            clock=clock,
            witness=FileWitness(home / WITNESS_FILE),
        ),
        gateway=gateway,
        snapshots=SnapshotSync(
            uow_factory,
            clock=clock,
            retention_months=settings.retention_months,
            max_end_share=settings.sync_max_end_share,
        ),
        tokens=_tokens(settings, key),
        unit_of_work=uow_factory,
        public_key=key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
        fresh=fresh,
        session_secret=session_secret(home),
        _signing_key=key,
        mailer=_mailer(settings),
        keyring=keyring,
        clock=clock,
        made_linkage_secret=home_linkage_fingerprint(home) if made else None,
    )


def _tokens(settings: Settings, key: Ed25519PrivateKey) -> TokenService:
    try:
        return TokenService(
            key,
            ttl=settings.token_ttl,
            max_lifetime=settings.token_max_lifetime,
            strong_acr=settings.strong_acr_values,
            provider=_provider(settings),
        )
    except ValueError as error:
        raise InvalidValue(str(error)) from None


def _provider(settings: Settings) -> OidcProvider | None:
    """The configured identity provider, or None (development tokens only)."""
    if not settings.oidc_issuer:
        return None
    try:
        return OidcProvider(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            jwks=settings.oidc_jwks,
            agency_claim=settings.oidc_agency_claim,
            role_claim=settings.oidc_role_claim,
            algorithms=tuple(a.strip() for a in settings.oidc_algorithms.split(",") if a.strip()),
        )
    except ValueError as error:
        raise InvalidValue(f"FINGERPOST_OIDC_*: {error}") from None


def _mailer(settings: Settings) -> Mailer | None:
    if settings.notification_channel == "govuk-notify":
        return NotifyMailer(
            settings.govuk_notify_api_key.get_secret_value(),
            settings.govuk_notify_template_id,
            templates=parse_templates(settings.govuk_notify_templates),
            base_url=settings.govuk_notify_base_url,
        )
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.smtp_from,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value(),
    )
