"""A deployment on loopback: the national hub (its every request body tapped) and two gateways —
a council's, acting for Leeds children's services and Leeds community health, and a police
force's — each with its own home, port, key and agencies, sharing the one linkage secret."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conftest import make_agency
from deploy.loopback import WireTap
from fingerpost.adapters.service_tokens import new_gateway_key
from fingerpost.bootstrap import Fingerpost
from fingerpost.config import Settings
from fingerpost.deployables import Deployable, GatewayInstallation, mark, open_gateway, open_hub
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.gateway_app import create_gateway_app
from fingerpost.entrypoints.hub_app import create_hub_app
from fingerpost.entrypoints.loopback import Served, free_port, serve

COUNCIL, HEALTH, POLICE = "CSC-LDS", "NHS-LTH", "POL-WY"
GATEWAY_AGENCIES = {"council": (COUNCIL, HEALTH), "police": (POLICE,)}
OPERATOR = Actor.system("OPS")


@dataclass
class Gateway:
    name: str
    home: Path
    fp: GatewayInstallation
    served: Served

    @property
    def url(self) -> str:
        return self.served.url

    def token(self, actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.fp.tokens.issue(actor)}"}


@dataclass
class Deployment:
    hub: Fingerpost  # the hub's installation, read directly by the tests (audit, registry)
    hub_home: Path
    hub_url: str
    tap: WireTap
    gateways: dict[str, Gateway]
    hub_served: Served | None = None

    @property
    def council(self) -> Gateway:
        return self.gateways["council"]

    @property
    def police(self) -> Gateway:
        return self.gateways["police"]


def practitioner(agency: str, email: str, name: str, role: Role = Role.PRACTITIONER) -> Actor:
    return Actor(email, name, agency, role, email, "0113 496 0001", strong_auth=True)


def enrol(hub: Fingerpost, home: Path, name: str, agencies: tuple[str, ...]) -> None:
    """The gateway's key pair made in its home and registered at the hub for its agencies."""
    operator = Actor("cli:operator", "command line", "-", Role.OPERATOR)
    hub.gateways.add(operator, name, list(agencies), new_gateway_key(home), batch=True)


@contextmanager
def deployment(root: Path, database_url: str | None = None) -> Iterator[Deployment]:
    hub_home = root / "hub"
    hub = open_hub(Settings(_env_file=None, home=hub_home, database_url=database_url))
    hub.hub.import_agencies(
        OPERATOR,
        [
            make_agency(COUNCIL, name="Leeds children's services", authority_area="E08000035"),
            make_agency(HEALTH, name="Leeds community health", kind="health",
                        authority_area="E08000035", duty_phone="0113 555 0100"),
            make_agency(POLICE, name="West Yorkshire Police", kind="police",
                        authority_area="E08000035", duty_phone="0113 555 0199",
                        out_of_hours_phone="101"),
        ],
    )  # fmt: skip
    port = free_port()
    hub_url = f"http://127.0.0.1:{port}"
    linkage = secrets.token_bytes(32).hex()
    homes = {}
    for name, agencies in GATEWAY_AGENCIES.items():
        home = root / f"gateway-{name}"
        mark(home, Deployable.GATEWAY, hub_url=hub_url, name=name)
        (home / "linkage.key").write_text(linkage)
        (home / "linkage.key").chmod(0o600)
        enrol(hub, home, name, agencies)
        homes[name] = home
    tap = WireTap(create_hub_app(hub))
    world = Deployment(hub, hub_home, hub_url, tap, {})
    world.hub_served = serve(tap, port)
    try:
        for name, home in homes.items():
            settings = Settings(_env_file=None, home=home, demo_sign_in=True, cookie_secure=False)
            installation = open_gateway(settings)
            served = serve(create_gateway_app(installation))
            world.gateways[name] = Gateway(name, home, installation, served)
        yield world
    finally:
        for gateway in world.gateways.values():
            gateway.served.stop()
            gateway.fp.close()
        if world.hub_served is not None:
            world.hub_served.stop()
        hub.close()
