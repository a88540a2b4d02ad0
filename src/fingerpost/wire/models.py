"""The requests a gateway sends the hub (docs/wire.md): pydantic models that refuse any field
they do not name, so nothing but encodings and the agency's own terms gets through."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fingerpost.domain.model import InvolvementTerms, Practitioner
from fingerpost.domain.retention import is_half_year
from fingerpost.domain.values import MAX_PURPOSE_LENGTH
from fingerpost.domain.vocabulary import InvolvementKind
from fingerpost.matching.encode import EncodedQuery
from fingerpost.service.records import Registration
from fingerpost.wire.codec import WIRE_VERSION, query_from_wire, query_to_wire

__all__ = [
    "MAX_QUERIES",
    "MAX_REGISTRATIONS",
    "AuditRecord",
    "CloseReview",
    "EncodedChild",
    "EndRequest",
    "EnquireRequest",
    "NameVariant",
    "RegisterRequest",
    "RegistrationIn",
    "ShieldRequest",
    "SubjectReportRequest",
    "TermsIn",
    "Wire",
    "WithdrawRequest",
    "register_body",
    "registration_json",
]

MAX_REGISTRATIONS = 2000  # a 10,000-row file is five requests
MAX_QUERIES = 500  # an enquiry's probe is wider (names under every year): ~16 kB each
_TEXT = 200  # a reference, a reason: not a case note

Wire = Literal["fingerpost-encoded/1"]
assert WIRE_VERSION == "fingerpost-encoded/1"

Short = Annotated[str, Field(max_length=_TEXT)]
B64 = Annotated[str, Field(max_length=1 << 20)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NameVariant(_Strict):
    salt: B64 | None
    filters: B64


class ProbeWidening(_Strict):
    """The probe as the tokens it adds to the identity's (`wire.codec`)."""

    given_forms: B64
    given_sound: B64
    family_sound: B64


class EncodedChild(_Strict):
    """One child, encoded at the gateway (codec: `wire.codec`)."""

    identity: B64
    digest: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    probe: B64 | ProbeWidening
    first_forms: B64
    dob_close: B64
    name_variants: list[NameVariant] = Field(max_length=64)
    probe_keys: B64
    anchor_keys: B64
    name_keys: B64

    @classmethod
    def of(cls, query: EncodedQuery) -> EncodedChild:
        return cls.model_validate(query_to_wire(query))

    def query(self) -> EncodedQuery:
        """Raises WireError when the encoding does not decode."""
        return query_from_wire(
            {
                "identity": self.identity,
                "digest": self.digest,
                "probe": self.probe if isinstance(self.probe, str) else self.probe.model_dump(),
                "first_forms": self.first_forms,
                "dob_close": self.dob_close,
                "name_variants": [
                    {"salt": v.salt, "filters": v.filters} for v in self.name_variants
                ],
                "probe_keys": self.probe_keys,
                "anchor_keys": self.anchor_keys,
                "name_keys": self.name_keys,
            }
        )


class TermsIn(_Strict):
    kind: InvolvementKind
    practitioner_name: Short
    practitioner_role: Short = ""
    practitioner_phone: Short = ""
    practitioner_email: Short = ""
    start_date: date
    end_date: date | None = None

    @classmethod
    def of(cls, terms: InvolvementTerms) -> TermsIn:
        p = terms.practitioner
        return cls(
            kind=terms.kind,
            practitioner_name=p.name,
            practitioner_role=p.role,
            practitioner_phone=p.phone,
            practitioner_email=p.email,
            start_date=terms.start_date,
            end_date=terms.end_date,
        )

    def terms(self) -> InvolvementTerms:
        """Raises InvalidValue as the domain does (no contact, end before start)."""
        practitioner = Practitioner(
            self.practitioner_name,
            self.practitioner_role,
            self.practitioner_phone,
            self.practitioner_email,
        )
        return InvolvementTerms(self.kind, practitioner, self.start_date, self.end_date)


class RegistrationIn(_Strict):
    local_ref: Short = Field(min_length=1)
    terms: TermsIn
    child: EncodedChild
    ages_out: date | None = None
    # A snapshot row's keyed digest (docs/adr/0037): optional, sent by a sync only. A hub older
    # than it refuses the field (422): a hub is upgraded before its gateways (docs/wire.md).
    row_digest: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None

    @field_validator("ages_out")
    @classmethod
    def _half_year(cls, value: date | None) -> date | None:
        # To the month it would give away the child's birth month (ADR 0034): refused, not
        # rounded here, so that a gateway that sends one is told and fixed.
        if value is not None and not is_half_year(value):
            raise ValueError("ages_out must be a 1 January or a 1 July (ADR 0034)")
        return value

    @classmethod
    def of(cls, registration: Registration) -> RegistrationIn:
        return cls(
            local_ref=registration.local_ref,
            terms=TermsIn.of(registration.terms),
            child=EncodedChild.of(registration.child),
            ages_out=registration.ages_out,
            # Left unset when there is none: a plain registration is as an older hub reads it.
            **({"row_digest": registration.row_digest} if registration.row_digest else {}),
        )

    def registration(self) -> Registration:
        return Registration(
            self.local_ref,
            self.terms.terms(),
            self.child.query(),
            self.ages_out,
            row_digest=self.row_digest,
        )


def registration_to_wire(registration: Registration) -> dict[str, Any]:
    """`RegistrationIn.of(registration)` as JSON, made directly: a gateway sends thousands."""
    terms = registration.terms
    p = terms.practitioner
    return {
        "local_ref": registration.local_ref,
        "terms": {
            "kind": terms.kind.value,
            "practitioner_name": p.name,
            "practitioner_role": p.role,
            "practitioner_phone": p.phone,
            "practitioner_email": p.email,
            "start_date": terms.start_date.isoformat(),
            "end_date": terms.end_date.isoformat() if terms.end_date else None,
        },
        "child": query_to_wire(registration.child),
        "ages_out": registration.ages_out.isoformat() if registration.ages_out else None,
    } | ({"row_digest": registration.row_digest} if registration.row_digest else {})


def registration_json(registration: Registration) -> bytes:
    """One registration's wire form as JSON text: made in a gateway's encoding worker, beside
    the encoding, so that the process that sends the batch only joins them (ADR 0045)."""
    return json.dumps(registration_to_wire(registration), separators=(",", ":")).encode()


def register_body(sent: Sequence[bytes]) -> bytes:
    """A `RegisterRequest` of registrations already in their JSON form (`registration_json`)."""
    head = b'{"wire":' + json.dumps(WIRE_VERSION).encode() + b',"registrations":['
    return head + b",".join(sent) + b"]}"


class RegisterRequest(_Strict):
    wire: Wire
    registrations: list[RegistrationIn] = Field(min_length=1, max_length=MAX_REGISTRATIONS)


class EnquireRequest(_Strict):
    wire: Wire
    purpose: Annotated[str, Field(max_length=MAX_PURPOSE_LENGTH * 2)]
    urgent: bool = False
    batch: bool = False  # the operator's CSV channel: not rate limited (see ADR 0026)
    override_reason: Short = ""
    queries: list[EncodedChild] = Field(min_length=1, max_length=MAX_QUERIES)


class SubjectReportRequest(_Strict):
    wire: Wire
    reference: Short
    child: EncodedChild


class EndRequest(_Strict):
    end_date: date | None = None


class WithdrawRequest(_Strict):
    reason: Short


class ShieldRequest(_Strict):
    shielded: bool
    reason: Short


class CloseReview(_Strict):
    outcome: Short  # checked by the hub, as for any caller
    note: Annotated[str, Field(max_length=1000)] = ""


class AuditRecord(_Strict):
    """An event a gateway records at the hub: what it did itself (issuing an API token)."""

    action: Short
    detail: dict[Short, Short] = Field(default_factory=dict, max_length=10)
