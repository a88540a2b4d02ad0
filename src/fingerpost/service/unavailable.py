"""What a gateway meets when the hub cannot answer: one exception for every way that happens, so
that each entrypoint fails closed in one place (a plain page, exit status 2)."""

__all__ = ["GatewayNotTrusted", "HubOnly", "HubRefused", "HubUnavailable"]


class HubUnavailable(Exception):
    """The hub could not be reached, timed out, or failed (5xx): nothing was done, or — for a
    call that is not idempotent — it is not known whether it was. Safe to re-run."""


class GatewayNotTrusted(HubUnavailable):
    """The hub refused this gateway's service token (unknown or revoked gateway, wrong key,
    clock far off): an operator must register the gateway or fix its key."""


class HubRefused(HubUnavailable):
    """The hub answered, but refused the request in a way this gateway cannot read (a 4xx with
    no error code it knows: most often a route a hub older than this gateway lacks). Nothing was
    done; unlike an outage, retrying will not help until the hub or the gateway is upgraded."""


class HubOnly(Exception):
    """An operation that runs only at the hub, which holds the data (expire, decommission,
    audit verification, key rotation, model training…), asked of a gateway."""
