"""The wire between agency gateways and the hub: encodings only, versioned (docs/wire.md).

Pure: no I/O and no web framework, so both sides (the hub's router, the gateway's client) and
the tests share one definition of what may cross.
"""

from fingerpost.wire.clear_fields import clear_identity_fields
from fingerpost.wire.codec import WIRE_VERSION, WireError, query_from_wire, query_to_wire
from fingerpost.wire.records import from_plain, to_plain

__all__ = [
    "WIRE_VERSION",
    "WireError",
    "clear_identity_fields",
    "from_plain",
    "query_from_wire",
    "query_to_wire",
    "to_plain",
]
