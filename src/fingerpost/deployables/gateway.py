"""`fingerpost gateway serve`'s installation: an agency's (or a region's) side of the split.

It holds the linkage secret, its own signing key (the bearer tokens it issues), the web session
key and a small store of web sign-ins; its `hub` is a client of the national hub over HTTP. The
entrypoints take it exactly as they take the single-process installation: the pages, the API,
FHIR and the CSV commands encode here and call the hub, which never sees a child's details."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fingerpost.adapters.keys import LINKAGE_FILE, linkage_secret, session_secret, signing_key
from fingerpost.bootstrap import Fingerpost, NoHome, _tokens
from fingerpost.config import Settings
from fingerpost.deployables.directory import Directory
from fingerpost.deployables.homes import Deployable, WrongHome, mark, marked, read_mark
from fingerpost.deployables.remote import as_hub, connect
from fingerpost.deployables.remote_sync import RemoteSnapshots
from fingerpost.deployables.store import STORE_FILE, GatewayStore
from fingerpost.gateway import Gateway
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.records import Purged
from fingerpost.service.sync import SnapshotSync
from fingerpost.service.unavailable import HubOnly

__all__ = ["GatewayInstallation", "NoLinkageSecret", "open_gateway"]


class NoLinkageSecret(Exception):
    """The gateway's home has no linkage secret yet. Every gateway must hold the same one (that
    is what makes their encodings comparable), so a gateway never makes its own on the side."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class GatewayInstallation(Fingerpost):
    """The single-process installation's shape, with the hub behind HTTP."""

    directory: Directory | None = None

    def expire(self) -> Purged:
        # Nothing of a child is kept here to expire (sign-ins expire as people sign in); the
        # hub runs retention in its own background loop.
        return Purged()

    def close(self) -> None:
        super().close()
        closing = getattr(self.hub, "close", None)  # the hub's client: its pooled connections
        if callable(closing):
            closing()

    def ready(self) -> bool:
        """The gateway's store answers and so does the hub (its directory is refreshed)."""
        try:
            with self.unit_of_work() as uow:
                uow.web_sessions.is_live("-", self.clock())
            if self.directory is not None:
                self.directory.refresh()
        except Exception:  # noqa: BLE001 - any failure means "not ready", reported as 503
            return False
        return True

    def decommission(self, *_: Any, **__: Any) -> bytes:
        raise HubOnly("decommission runs at the hub (fingerpost decommission in the hub's home)")

    def backup(self, *_: Any, **__: Any) -> Any:
        raise HubOnly("backups are of the hub's database: run fingerpost backup at the hub")

    def restore(self, *_: Any, **__: Any) -> Any:
        raise HubOnly("restore runs at the hub")

    def rotate_master_key(self, *_: Any, **__: Any) -> tuple[str, int]:
        raise HubOnly("the master key is the hub's: rotate it there")


def open_gateway(
    settings: Settings,
    *,
    create: bool = True,
    clock: Callable[[], datetime] = _utcnow,
) -> GatewayInstallation:
    """Open the gateway's home; its hub is the one its mark (or the environment) names."""
    home = settings.home.resolve()
    kind = marked(home)
    if kind is Deployable.HUB:
        raise WrongHome(f"{home} is the hub's home: a gateway needs its own")
    fresh = not (home / STORE_FILE).exists()
    if fresh and not create:
        raise NoHome(f"no fingerpost gateway home at {home}")
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    if kind is None:
        mark(home, Deployable.GATEWAY)
    if not (home / LINKAGE_FILE).exists():
        raise NoLinkageSecret(
            f"{home} holds no linkage secret: import the deployment's with `fingerpost gateway"
            " secret import` (or make the first with `fingerpost gateway secret new`);"
            " see docs/key-ceremony.md"
        )
    store = GatewayStore(home)
    key = signing_key(home)  # signs the bearer tokens this gateway issues
    client = connect(home, read_mark(home))
    remote = as_hub(client)
    sync = RemoteSnapshots(client, max_end_share=settings.sync_max_end_share)
    return GatewayInstallation(
        settings=settings,
        engine=store.engine,
        hub=remote,
        gateway=Gateway(linkage_secret(home)),
        snapshots=cast("SnapshotSync", sync),  # the same steps, over the wire
        tokens=_tokens(settings, key),
        unit_of_work=cast("Callable[[], UnitOfWork]", store),
        public_key=key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
        fresh=fresh,
        session_secret=session_secret(home),
        _signing_key=key,
        clock=clock,
        directory=Directory(home, remote.agencies),
    )
