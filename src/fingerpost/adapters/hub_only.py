"""What a gateway's `RemoteHub` does not do: the hub's own work (expiry, decommissioning, audit
proofs, key rotation, the match model), refused with `HubOnly` so that a command run in a
gateway's home says where to run it instead of failing obscurely."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from fingerpost.service.unavailable import HubOnly

__all__ = ["HUB_ONLY", "RemoteModel", "hub_only"]

HUB_ONLY = (
    "expire",
    "decommission",
    "inclusion_proof",
    "consistency_proof",
    "audit_export",
    "audit_checkpoints",
    "rotate_agency_key",
    "record_master_rotation",
    "record_restore",
    "train_model",
    "set_possible_rise",
    "deliver_notifications",
    "import_agencies",
    "unreadable",
)


class RemoteModel:
    """What a gateway knows of the hub's match model: its version (the model stays there)."""

    def __init__(self, version: str) -> None:
        self.version = version

    def to_json(self) -> str:
        raise HubOnly(
            f"the match model ({self.version}) is the hub's: `fingerpost model show` in the"
            " hub's home prints it"
        )


def hub_only(name: str) -> Callable[..., NoReturn]:
    def refuse(*_: Any, **__: Any) -> NoReturn:
        raise HubOnly(f"{name} runs at the hub, which holds the data: run it in the hub's home")

    return refuse
