"""`fingerpost hub serve`'s installation: the national hub, which holds no linkage secret.

It is the single-process installation without its gateway: the same database, audit log,
notifications, retention, signing key and keyring, opened by `bootstrap` with an encoder that
refuses to encode. The hub's home is checked for a linkage secret before anything is opened,
and after, so that no code path can have left one behind."""

from collections.abc import Callable, Generator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.deployables.homes import Deployable, WrongHome, mark, marked, refuse_linkage
from fingerpost.domain.errors import DomainError
from fingerpost.gateway import Gateway, Parsed
from fingerpost.gateway.digest import RowDigester
from fingerpost.matching.encode import EncodedQuery

__all__ = ["NoLinkageHere", "NoLinkageSecret", "open_hub"]


class NoLinkageHere(DomainError):
    """Something at the hub tried to encode a child: only a gateway can."""


class _NoRowDigest(RowDigester):
    """A snapshot row's digest is keyed with the linkage secret: the hub refuses it too."""

    def __init__(self) -> None:
        pass

    def __call__(self, row: Mapping[str, str | None]) -> str:  # noqa: ARG002 - refuses any row
        raise NoLinkageHere("the hub holds no linkage secret: encode at a gateway")


class NoLinkageSecret(Gateway):
    """The hub's stand-in for the gateway. It holds no secret, so every way to encode a child
    refuses: a hub that could encode names could re-identify its own register."""

    def __init__(self) -> None:  # deliberately no secret, no encoder, no row digest
        self.row_digest = _NoRowDigest()

    @staticmethod
    def _refuse() -> NoReturn:
        raise NoLinkageHere("the hub holds no linkage secret: encode at a gateway")

    def encode(self, *_: Any, **__: Any) -> EncodedQuery:
        self._refuse()

    def parse_one(self, *_: Any, **__: Any) -> Parsed[Any]:
        self._refuse()

    def parse_stream(self, *_: Any, **__: Any) -> Generator[Any, None, None]:
        self._refuse()

    def encode_stream(self, *_: Any, **__: Any) -> Generator[Any, None, None]:
        self._refuse()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def open_hub(
    settings: Settings, *, create: bool = True, clock: Callable[[], datetime] = _utcnow
) -> Fingerpost:
    """Open the hub's home (marking a new one as a hub's). Refuses, before anything is opened,
    a home that holds a linkage secret or belongs to a gateway."""
    home: Path = settings.home.resolve()
    refuse_linkage(home)
    if marked(home) is Deployable.GATEWAY:
        raise WrongHome(f"{home} is a gateway's home: a hub needs its own")
    hub = bootstrap(settings, clock=clock, create=create, encoder=lambda _: NoLinkageSecret())
    if create:
        mark(home, Deployable.HUB)
    refuse_linkage(home)  # nothing in opening it may have made one
    return hub
