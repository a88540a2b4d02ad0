"""Opening the database: pragmas for SQLite, migrations for both engines."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from fingerpost.adapters.crypto import Keyring

__all__ = ["create", "has_schema", "is_current", "migrate", "scrub"]

_MIGRATIONS = Path(__file__).with_name("migrations")


_CHECKPOINT_PAGES = 65_536  # of 4 KiB: 256 MiB


def _sqlite_pragmas(cache_mib: int) -> Callable[[Any, ConnectionPoolEntry], None]:
    def on_connect(dbapi_connection: Any, _: ConnectionPoolEntry) -> None:
        # Autocommit at the driver so that SQLAlchemy's "begin" below is the only transaction
        # start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            # Freed pages can be handed back to the file system after a purge (`scrub`). Takes
            # effect only before the first table exists; `migrate` converts older databases.
            "auto_vacuum=INCREMENTAL",
            "journal_mode=WAL",  # readers never block the writer
            "foreign_keys=ON",
            "synchronous=FULL",  # an acknowledged audit event survives power loss
            "secure_delete=ON",  # deleted rows are overwritten, not left in free pages
            "busy_timeout=10000",
            # Blocking keys are random numbers: each insert lands on a different index page,
            # and with SQLite's default 2 MiB cache most of those pages are read from disk again.
            f"cache_size={-1024 * cache_mib}",
            # Checkpoint after 256 MiB of log rather than SQLite's 4 MiB: a registration batch
            # dirties tens of MiB of the key index, so every commit used to checkpoint, copying
            # pages the next batch would dirty again; now a page is copied once per few batches
            # (a quarter less written on a 100,000-row load, docs/adr/0040). The log file is
            # then cut back to 64 MiB, and `scrub` still truncates it.
            f"wal_autocheckpoint={_CHECKPOINT_PAGES}",
            f"journal_size_limit={64 * 1024 * 1024}",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return on_connect


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock up front: every use case appends to the audit chain, and upgrading a
    # read lock later would fail under concurrency instead of waiting. A backup reads a snapshot
    # and must never hold writers up: it begins a plain (deferred) read transaction.
    if connection.get_execution_options().get("fingerpost_snapshot"):
        connection.exec_driver_sql("BEGIN")
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create(url: str, *, sqlite_cache_mib: int = 64) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas(sqlite_cache_mib))
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # Sessions in UTC whatever the server's default, so timestamps read back as written.
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        connect_args={"options": "-c timezone=UTC"},
    )
    event.listen(engine, "connect", _checked_in)  # a new connection is alive
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _ping_if_idle(engine))
    return engine


# A pooled connection idle longer than this is asked whether it is still alive before it is
# handed out (a round trip). One used more recently is not: on loopback the ask cost as much as
# a statement of the enquiry, and a hub serving requests uses its connections every few
# milliseconds. If the server went away within this time, the first request on a dead
# connection fails (and the pool then drops all of its older connections, SQLAlchemy's
# `is_disconnect`); with a ping on every checkout it would have been retried (docs/adr/0043).
PING_AFTER_IDLE_S = 5.0
_CHECKED_IN = "fingerpost_checked_in"


def _checked_in(_: Any, record: ConnectionPoolEntry) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_if_idle(engine: Engine) -> Callable[[Any, ConnectionPoolEntry, Any], None]:
    def checkout(dbapi: Any, record: ConnectionPoolEntry, _: PoolProxiedConnection) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error
        if not alive:
            raise DisconnectionError("the connection did not answer")

    return checkout


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(
    engine: Engine, keyring: Keyring | None = None, *, retention_months: int | None = None
) -> None:
    """Bring the schema to the newest revision (idempotent). `keyring` seals rows stored before
    encryption at rest (revision 0004); `retention_months` recomputes expiries (revision 0012;
    the default when not given)."""
    config = _config(engine)
    config.attributes["keyring"] = keyring
    if retention_months is not None:
        config.attributes["retention_months"] = retention_months
    command.upgrade(config, "head")
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            if raw.execute("PRAGMA auto_vacuum").fetchone()[0] != _INCREMENTAL:
                # A home made before retention: one full rebuild switches incremental vacuum on.
                raw.execute("PRAGMA auto_vacuum=INCREMENTAL")
                raw.execute("VACUUM")


_INCREMENTAL = 2
# Tables a purge deletes from (PostgreSQL vacuums them; SQLite's are in one file).
_PURGED = ("involvements", "blocking_keys", "links", "notifications", "practitioners")


def scrub(engine: Engine) -> bool:
    """After a purge, leave no copy of what was deleted where the database keeps its bytes.

    SQLite (with `secure_delete` on, deleted rows are already overwritten in their pages): hand
    free pages back to the file system, then checkpoint the write-ahead log and truncate it,
    since it still holds earlier images of the changed pages. PostgreSQL: VACUUM the purged
    tables so their dead rows' space is reclaimed (crypto-shredding is the guarantee there; see
    docs/adr/0009). Returns False when SQLite could not truncate the log because another
    connection was reading (the next scrub will).
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            # Stepped to completion by executescript: `execute` would free a single page.
            raw.executescript("PRAGMA incremental_vacuum")
            busy = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            return not busy
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM {', '.join(_PURGED)}")
    return True


def is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def has_schema(engine: Engine) -> bool:
    """Whether the database holds fingerpost's schema at any revision (False: a new database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() is not None
