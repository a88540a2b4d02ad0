"""The two deployables of the split (docs/adr/0032): the national hub, which holds no linkage
secret, and the gateways, which hold it and reach the hub over HTTP. `open_home` opens whichever
a home is marked for, or the single-process development installation when it is unmarked."""

from collections.abc import Callable
from datetime import UTC, datetime

from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.deployables.gateway import GatewayInstallation, NoLinkageSecret, open_gateway
from fingerpost.deployables.homes import Deployable, LinkageAtHub, WrongHome, mark, marked
from fingerpost.deployables.hub import open_hub
from fingerpost.deployables.remote import HubUnavailable
from fingerpost.service.unavailable import GatewayNotTrusted, HubOnly, HubRefused

__all__ = [
    "Deployable",
    "GatewayInstallation",
    "GatewayNotTrusted",
    "HubOnly",
    "HubRefused",
    "HubUnavailable",
    "LinkageAtHub",
    "NoLinkageSecret",
    "WrongHome",
    "mark",
    "marked",
    "open_gateway",
    "open_home",
    "open_hub",
]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def open_home(
    settings: Settings, *, create: bool = True, clock: Callable[[], datetime] = _utcnow
) -> Fingerpost:
    """The installation in `settings.home`, as its mark says."""
    kind = marked(settings.home.resolve())
    if kind is Deployable.HUB:
        return open_hub(settings, create=create, clock=clock)
    if kind is Deployable.GATEWAY:
        return open_gateway(settings, create=create, clock=clock)
    return bootstrap(settings, create=create, clock=clock)
