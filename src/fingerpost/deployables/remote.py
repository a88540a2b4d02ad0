"""The gateway's client of the hub (the wire's `RemoteHub`, ADR 0026), configured from its
home's mark and the environment."""

import os
from pathlib import Path
from typing import cast

from fingerpost.adapters.hub_client import RemoteHub
from fingerpost.adapters.service_tokens import load_gateway_key
from fingerpost.service.hub import Hub
from fingerpost.service.unavailable import HubUnavailable

__all__ = ["GATEWAY_NAME_ENV", "HUB_URL_ENV", "HubUnavailable", "as_hub", "connect"]

HUB_URL_ENV = "FINGERPOST_HUB_URL"
GATEWAY_NAME_ENV = "FINGERPOST_GATEWAY_NAME"


def connect(home: Path, mark: dict[str, str]) -> RemoteHub:
    url = os.environ.get(HUB_URL_ENV) or mark.get("hub_url", "")
    name = os.environ.get(GATEWAY_NAME_ENV) or mark.get("name", "")
    if not url or not name:
        raise ValueError(
            f"the gateway does not know its hub: set {HUB_URL_ENV} and {GATEWAY_NAME_ENV}, or"
            " run `fingerpost gateway init --hub URL --name NAME` in its home"
        )
    return RemoteHub(url, name, load_gateway_key(home))


def as_hub(remote: RemoteHub) -> Hub:
    """RemoteHub offers Hub's public methods over HTTP (the wire's own test checks they match),
    so the entrypoints take it where they take the in-process hub."""
    return cast("Hub", remote)
