"""The gateway's client of the hub (the wire's `RemoteHub`, ADR 0026), configured from its
home's mark and the environment."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, cast

from fingerpost.adapters.hub_client import HUB_KEEP_ALIVE_S, RemoteHub
from fingerpost.adapters.keys import home_linkage_fingerprint
from fingerpost.adapters.service_tokens import load_gateway_key
from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.service.hub import Hub
from fingerpost.service.unavailable import HubOnly, HubUnavailable

if TYPE_CHECKING:
    from fingerpost.service.hub_port import HubCalls

    def _both_answer_a_gateway(hub: Hub, remote: "GatewayHub") -> "tuple[HubCalls, HubCalls]":
        """Never called: mypy checks here that the in-process hub and the gateway's client each
        have every call a gateway makes, with the same signature (ADR 0033)."""
        return hub, remote


__all__ = [
    "GATEWAY_NAME_ENV",
    "HUB_KEEP_ALIVE_S",
    "HUB_URL_ENV",
    "HubUnavailable",
    "as_hub",
    "connect",
]

HUB_URL_ENV = "FINGERPOST_HUB_URL"
GATEWAY_NAME_ENV = "FINGERPOST_GATEWAY_NAME"


class GatewayHub(RemoteHub):
    """The wire's client, with what a gateway records at the hub of its own doing."""

    def record(self, actor: Actor, action: AuditAction, **detail: str) -> None:
        if action is not AuditAction.TOKEN_ISSUED:
            raise HubOnly(f"{action.value} is recorded at the hub, by the hub")
        body = {"subject": detail["subject"], "role": detail["role"]}
        self._call(actor, "POST", "/records/token-issued", body=body, idempotent=False)


def connect(home: Path, mark: dict[str, str]) -> GatewayHub:
    url = os.environ.get(HUB_URL_ENV) or mark.get("hub_url", "")
    name = os.environ.get(GATEWAY_NAME_ENV) or mark.get("name", "")
    if not url or not name:
        raise ValueError(
            f"the gateway does not know its hub: set {HUB_URL_ENV} and {GATEWAY_NAME_ENV}, or"
            " run `fingerpost gateway init --hub URL --name NAME` in its home"
        )
    # Its secret's fingerprint rides in every token: the hub refuses another secret (ADR 0034).
    fingerprint = home_linkage_fingerprint(home)
    return GatewayHub(url, name, load_gateway_key(home), linkage_fingerprint=fingerprint)


def as_hub(remote: RemoteHub) -> Hub:
    """RemoteHub offers Hub's public methods over HTTP (the wire's own test checks they match),
    so the entrypoints take it where they take the in-process hub."""
    return cast("Hub", remote)
