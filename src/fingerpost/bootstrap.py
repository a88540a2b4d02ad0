"""Wires adapters into the service layer. Entrypoints get everything they need from here."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, text

from fingerpost.adapters.db import engine as db
from fingerpost.adapters.db.uow import SqlUnitOfWorkFactory
from fingerpost.adapters.keys import LINKAGE_FILE, linkage_secret, session_secret, signing_key
from fingerpost.adapters.mail import SmtpMailer
from fingerpost.adapters.tokens import InvalidToken, OidcProvider, TokenService
from fingerpost.adapters.witness import WITNESS_FILE, FileWitness, read_witness
from fingerpost.config import Settings
from fingerpost.domain.errors import InvalidValue
from fingerpost.gateway import Gateway
from fingerpost.service.hub import Delivery, Hub
from fingerpost.service.ports import Mailer, UnitOfWork

__all__ = ["Fingerpost", "InvalidToken", "bootstrap", "read_witness"]


@dataclass(frozen=True)
class Fingerpost:
    """One running installation: the hub, the gateway in front of it, and the token issuer."""

    settings: Settings
    engine: Engine
    hub: Hub
    gateway: Gateway
    tokens: TokenService
    unit_of_work: Callable[[], UnitOfWork]  # for operator tools and tests; use cases go via hub
    public_key: bytes  # raw Ed25519 public key: verifies tokens and audit checkpoints
    fresh: bool  # True when this start initialised an empty home
    session_secret: bytes  # signs the web's session cookies
    mailer: Mailer | None = None  # None: notifications stay in the inbox (no SMTP configured)

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


def _home_is_empty(home: Path) -> bool:
    return not (home / LINKAGE_FILE).exists()


def bootstrap(settings: Settings | None = None) -> Fingerpost:
    """Open (initialising if needed) the installation in `settings.home`; runs migrations."""
    settings = settings or Settings()
    home = settings.home.resolve()
    fresh = _home_is_empty(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = db.create(settings.resolved_database_url, sqlite_cache_mib=settings.sqlite_cache_mib)
    db.migrate(engine)
    key = signing_key(home)
    uow_factory: Callable[[], UnitOfWork] = SqlUnitOfWorkFactory(engine, key)
    return Fingerpost(
        settings=settings,
        engine=engine,
        hub=Hub(uow_factory, policy=settings.policy, witness=FileWitness(home / WITNESS_FILE)),
        gateway=Gateway(linkage_secret(home)),
        tokens=TokenService(
            key,
            ttl=settings.token_ttl,
            strong_acr=settings.strong_acr_values,
            provider=_provider(settings),
        ),
        unit_of_work=uow_factory,
        public_key=key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
        fresh=fresh,
        session_secret=session_secret(home),
        mailer=_mailer(settings),
    )


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
