"""Audit events as `subject:action` names and small immutable records.

Each event is a leaf of an RFC 9162 Merkle tree (`audit.merkle`); its leaf data is the event's
sequence number and canonical JSON, so editing, deleting or reordering stored events changes the
tree, and every append signs a checkpoint (size, root) with the service's Ed25519 key.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum

from fingerpost.audit.merkle import leaf_hash

__all__ = ["AuditAction", "AuditEvent", "Checkpoint", "DamagedCheckpoint", "leaf_for"]


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
    MODEL_TRAINED = "model:trained"
    MODEL_CHANGED = "model:changed"  # a threshold policy set by an operator, with a reason
    ENQUIRY_REFUSED = "enquiry:refused"  # an enquiry limit was reached
    ALERT_RAISED = "alert:raised"  # the agency's administrators were alerted
    BREAKGLASS_USED = "breakglass:used"  # an urgent enquiry passed the limits; review opened
    REVIEW_CLOSED = "review:closed"
    NOTIFICATION_SENT = "notification:sent"
    NOTIFICATION_FAILED = "notification:failed"
    NOTIFICATION_STATUS = "notification:status"  # the channel said what became of a message
    INVOLVEMENT_SHIELDED = "involvement:shielded"
    INVOLVEMENT_UNSHIELDED = "involvement:unshielded"
    SHIELD_OVERRIDDEN = "shield:overridden"  # a shielded practitioner was disclosed, with reason
    USER_FIRST_SEEN = "user:first-seen"  # a signed-in user recorded in the practitioners table
    USERS_READ = "users:read"  # an auditor or operator listed every agency's users and contacts
    NOTIFICATIONS_READ = "notifications:read"  # an agency's inbox listed at the command line
    INVOLVEMENT_EXPIRED = "involvement:expired"  # a purge batch: how many, never which child
    AGENCY_DECOMMISSIONED = "agency:decommissioned"  # data purged, keys destroyed, certified
    SERVICE_DECOMMISSIONED = "service:decommissioned"  # the same for every agency
    KEY_ROTATED = "key:rotated"  # a data key or the master key replaced
    SUBJECT_ACCESS_REPORTED = "subject-access:reported"  # what is held about a child, to an auditor
    NOTICE_PRODUCED = "notice:produced"  # a family notice (GDPR art. 14) for a registration
    BACKUP_MADE = "backup:made"
    BACKUP_RESTORED = "backup:restored"
    SNAPSHOT_SYNCED = "snapshot:synced"  # one per sync: its counts (new, changed, ended…)
    GATEWAY_ADDED = "gateway:added"  # a gateway registered at the hub, with its agencies
    GATEWAY_REVOKED = "gateway:revoked"
    GATEWAY_REFUSED = "gateway:refused"  # a gateway acted for an agency it may not (ADR 0026)
    GATEWAY_CHANGED = "gateway:changed"  # its batch permission granted or withdrawn (ADR 0034)
    LINKAGE_PINNED = "linkage:pinned"  # the hub took the first gateway's fingerprint (ADR 0034)


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
        # Field by field rather than asdict (which deep-copies): this runs for every event.
        body = {f.name: getattr(self, f.name) for f in fields(self)}
        body["at"] = self.at.isoformat()
        body["detail"] = dict(self.detail)
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def leaf_for(seq: int, event: AuditEvent) -> bytes:
    """The Merkle leaf hash of the event stored at position `seq` (1-based)."""
    return leaf_hash(f"{seq}\n".encode() + event.canonical())


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed tree head: the log had `size` events and this root at this time."""

    size: int
    root: bytes
    at: datetime
    signature: bytes = b""

    def message(self) -> bytes:
        """The bytes that are signed: a fixed label, so a signature means nothing elsewhere."""
        lines = (
            "fingerpost audit checkpoint v1",
            str(self.size),
            self.root.hex(),
            self.at.isoformat(),
        )
        return ("\n".join(lines) + "\n").encode()

    def to_json(self) -> dict[str, object]:
        return {
            "size": self.size,
            "root": self.root.hex(),
            "at": self.at.isoformat(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, body: Mapping[str, object]) -> "Checkpoint":
        """A checkpoint as `to_json` wrote it (or as `audit export` and `audit proof` print it);
        ValueError, naming the field and what is wrong with it, when one is missing or
        malformed."""
        if not isinstance(body, Mapping):
            raise ValueError("not a signed checkpoint: expected a JSON object")
        missing = [name for name in ("size", "root", "at", "signature") if name not in body]
        if missing:
            raise ValueError(f"not a signed checkpoint: no {', '.join(missing)}")
        try:
            at = datetime.fromisoformat(str(body["at"]))
        except ValueError:
            raise ValueError(
                f"its time is not an ISO 8601 time ({str(body['at'])[:40]!r})"
            ) from None
        return cls.from_parts(body["size"], body["root"], at, body["signature"])

    @classmethod
    def from_parts(
        cls, size: object, root: object, at: datetime, signature: object
    ) -> "Checkpoint":
        """A checkpoint from its stored fields (hexadecimal root and signature); ValueError
        saying which field is wrong and how."""
        if not str(size).isdigit():
            raise ValueError(f"its size is not a whole number ({str(size)[:20]!r})")
        return cls(
            size=int(str(size)),
            root=_hex(root, "root hash", 32),
            at=at,
            signature=_hex(signature, "signature", 64),
        )


class DamagedCheckpoint(ValueError):
    """A signed checkpoint, stored or kept, that cannot even be read: the message says which
    one and what is wrong with it."""


def _hex(value: object, name: str, length: int) -> bytes:
    text = str(value)
    try:
        data = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"its {name} is not hexadecimal ({text[:20]!r}…)") from None
    if len(data) != length:
        raise ValueError(f"its {name} has {len(data)} bytes, not {length}")
    return data
