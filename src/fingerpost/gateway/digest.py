"""The keyed digest of a register row, by which a snapshot sync knows a row is unchanged without
encoding it again (docs/adr/0021).

Keyed with a key derived from the linkage secret, which the hub never holds: the hub stores the
digest beside the involvement but can neither reverse it nor test a guess of a child's details
against it. The agency's reference is inside it, so equal digests never tie two agencies' rows.
"""

import hashlib
import hmac
import json

from fingerpost.gateway.rows import RegisterRow

__all__ = ["RowDigester"]

_PURPOSE = b"fingerpost row digest v1"


class RowDigester:
    def __init__(self, linkage_secret: bytes) -> None:
        self._key = hmac.new(linkage_secret, _PURPOSE, hashlib.sha256).digest()

    def __call__(self, row: RegisterRow) -> str:
        """Every value the row stores, as parsed (dates ISO, postcode, NHS number and vocabulary
        in their canonical forms), so that what reads the same digests the same."""
        child, terms = row.child, row.terms
        person = terms.practitioner
        values = (
            row.local_ref,
            child.nhs_number,
            child.given_names,
            child.family_name,
            list(child.other_names),
            child.date_of_birth and child.date_of_birth.isoformat(),
            child.sex,
            child.postcode,
            terms.kind.value,
            person.name,
            person.role,
            person.phone,
            person.email,
            terms.start_date.isoformat(),
            terms.end_date and terms.end_date.isoformat(),
            row.ages_out and row.ages_out.isoformat(),
        )
        text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()
