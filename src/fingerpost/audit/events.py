"""Audit events as `subject:action` names and small immutable records, chained by hash.

Each event's hash covers the previous event's hash, so any edit, deletion or reordering of stored
events breaks the chain (`fingerpost audit verify`). The Merkle tree and signed checkpoints of the
accountability work build on these same event records.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = ["GENESIS", "AuditAction", "AuditEvent", "chain_hash"]

GENESIS = "0" * 64


class AuditAction(StrEnum):
    AGENCY_IMPORTED = "agency:imported"
    INVOLVEMENT_REGISTERED = "involvement:registered"
    INVOLVEMENT_UPDATED = "involvement:updated"
    INVOLVEMENT_ENDED = "involvement:ended"
    INVOLVEMENT_WITHDRAWN = "involvement:withdrawn"
    INVOLVEMENT_VIEWED = "involvement:viewed"
    LINK_FOUND = "link:found"
    ENQUIRY_MADE = "enquiry:made"
    SIGNPOST_DISCLOSED = "signpost:disclosed"
    TOKEN_ISSUED = "token:issued"  # noqa: S105 - an event name, not a secret
    AUDIT_READ = "audit:read"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    action: AuditAction
    actor: str
    agency: str
    at: datetime
    purpose: str = ""
    result_count: int = 0
    urgent: bool = False
    # References are the hub's own opaque ids (involvement ids), never identity.
    detail: dict[str, str] = field(default_factory=dict)

    def canonical(self) -> bytes:
        body = asdict(self)
        body["at"] = self.at.isoformat()
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(previous: str, event: AuditEvent) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + event.canonical()).hexdigest()
