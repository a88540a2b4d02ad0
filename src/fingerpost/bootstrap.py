"""Wires adapters into the service layer. Entrypoints get everything they need from here."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, text

from fingerpost.adapters.db import engine as db
from fingerpost.adapters.db.uow import SqlUnitOfWorkFactory
from fingerpost.adapters.keys import LINKAGE_FILE, linkage_secret, signing_key
from fingerpost.adapters.tokens import InvalidToken, TokenService
from fingerpost.config import Settings
from fingerpost.gateway import Gateway
from fingerpost.service.hub import Hub
from fingerpost.service.ports import UnitOfWork

__all__ = ["Fingerpost", "InvalidToken", "bootstrap"]


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

    def ready(self) -> bool:
        """The database answers and its schema is current."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return db.is_current(self.engine)
        except Exception:  # noqa: BLE001 - any failure means "not ready", reported as 503
            return False

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
    engine = db.create(settings.resolved_database_url)
    db.migrate(engine)
    key = signing_key(home)
    uow_factory: Callable[[], UnitOfWork] = SqlUnitOfWorkFactory(engine, key)
    return Fingerpost(
        settings=settings,
        engine=engine,
        hub=Hub(uow_factory),
        gateway=Gateway(linkage_secret(home)),
        tokens=TokenService(key, ttl=settings.token_ttl),
        unit_of_work=uow_factory,
        public_key=key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
        fresh=fresh,
    )
