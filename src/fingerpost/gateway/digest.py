"""The keyed digest of a register row, by which a snapshot sync knows a row is unchanged without
parsing or encoding it again (docs/adr/0021).

The row is normalised the cheap way, as CSV cells: every contract column in the contract's order
(a file's own column order and extra columns do not matter), each cell trimmed, a missing one
empty. A row the agency sends again exactly as before digests the same; one whose export changed
only its formatting (a date written another way) is taken as changed, parsed and re-registered,
and the hub finds nothing to update — slower, never wrong.

Keyed with a key derived from the linkage secret, which the hub never holds: the hub stores the
digest beside the involvement but can neither reverse it nor test a guess of a child's details
against it. The agency's reference is inside it, so equal digests never tie two agencies' rows.
"""

import hashlib
import hmac
import json
from collections.abc import Mapping

from fingerpost.gateway.rows import REGISTER_COLUMNS

__all__ = ["RowDigester"]

_PURPOSE = b"fingerpost row digest v1"


class RowDigester:
    def __init__(self, linkage_secret: bytes) -> None:
        self._key = hmac.new(linkage_secret, _PURPOSE, hashlib.sha256).digest()

    def __call__(self, row: Mapping[str, str | None]) -> str:
        cells = [(row.get(column) or "").strip() for column in REGISTER_COLUMNS]
        text = json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()
