"""A hub served on loopback HTTP and gateways that reach it with their own keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from conftest import Scenario
from fingerpost.adapters.hub_client import RemoteHub
from fingerpost.adapters.keys import home_linkage_fingerprint
from fingerpost.adapters.service_tokens import public_text
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.hub_api import install_hub_api
from fingerpost.entrypoints.loopback import serving

LEEDS, MANCHESTER, POLICE = "CSC-LDS", "CSC-MAN", "POL-WY"
OPERATOR = Actor(subject="cli:operator", name="operator", agency="-", role=Role.OPERATOR)


def hub_app(fp: Fingerpost) -> FastAPI:
    """The hub's application as `fingerpost hub serve` builds it, reduced to the wire."""
    app = FastAPI()
    install_hub_api(app, fp)
    return app


@pytest.fixture
def hub_url(fp: Fingerpost) -> Iterator[str]:
    with serving(hub_app(fp)) as url:
        yield url


@dataclass
class Gateways:
    fp: Fingerpost
    url: str
    opened: list[RemoteHub]

    def add(self, name: str, *agencies: str) -> Ed25519PrivateKey:
        key = Ed25519PrivateKey.generate()
        self.fp.gateways.add(OPERATOR, name, agencies, public_text(key))
        return key

    @property
    def fingerprint(self) -> str:
        """The linkage fingerprint every gateway of this hub sends (ADR 0034)."""
        found = home_linkage_fingerprint(self.fp.settings.home.resolve())
        assert found is not None
        return found

    def remote(self, name: str, key: Ed25519PrivateKey, **options: object) -> RemoteHub:
        options.setdefault("linkage_fingerprint", self.fingerprint)
        hub = RemoteHub(self.url, name, key, **options)  # type: ignore[arg-type]
        self.opened.append(hub)
        return hub


@pytest.fixture
def gateways(fp: Fingerpost, hub_url: str, scenario: Scenario) -> Iterator[Gateways]:
    for code in (LEEDS, MANCHESTER):
        scenario.agency(code)
    scenario.agency(POLICE, kind="police")
    made = Gateways(fp, hub_url, [])
    yield made
    for hub in made.opened:
        hub.close()


@pytest.fixture
def leeds(gateways: Gateways) -> RemoteHub:
    """Leeds's gateway, registered for Leeds children's services only."""
    return gateways.remote("leeds-gw", gateways.add("leeds-gw", LEEDS))


@pytest.fixture
def police(gateways: Gateways) -> RemoteHub:
    return gateways.remote("police-gw", gateways.add("police-gw", POLICE))


Practitioner = Callable[..., Actor]
