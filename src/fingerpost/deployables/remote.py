"""The gateway's client of the hub, configured from its home's mark and the environment."""

import os
from pathlib import Path

from fingerpost.service.hub import Hub

__all__ = ["HUB_URL_ENV", "HubUnavailable", "connect"]

HUB_URL_ENV = "FINGERPOST_HUB_URL"
GATEWAY_NAME_ENV = "FINGERPOST_GATEWAY_NAME"


class HubUnavailable(Exception):
    """The hub could not be reached."""


def connect(home: Path, mark: dict[str, str]) -> Hub:
    url = os.environ.get(HUB_URL_ENV) or mark.get("hub_url", "")
    name = os.environ.get(GATEWAY_NAME_ENV) or mark.get("name", "")
    if not url or not name:
        raise ValueError(
            f"the gateway does not know its hub: set {HUB_URL_ENV} and {GATEWAY_NAME_ENV}, or"
            " run `fingerpost gateway init --hub URL --name NAME` in its home"
        )
    raise NotImplementedError(f"the hub client ({url} as {name} from {home})")
