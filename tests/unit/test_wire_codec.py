"""The wire's codec reads back exactly what it wrote (docs/wire.md): every field of an encoded
child, including the probe's fields the packed form leaves out, and every registration."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fingerpost.domain.model import InvolvementTerms, Practitioner
from fingerpost.domain.retention import half_year_after
from fingerpost.domain.vocabulary import InvolvementKind
from fingerpost.gateway.secret import Gateway
from fingerpost.matching.encode import BLOOM_BITS, UNSALTED, EncodedIdentity, EncodedQuery
from fingerpost.matching.normalise import ChildIdentity
from fingerpost.service.records import Registration
from fingerpost.wire import WireError, query_from_wire, query_to_wire
from fingerpost.wire.models import RegisterRequest, RegistrationIn, registration_to_wire

tokens = st.binary(min_size=8, max_size=8)
token_sets = st.frozensets(tokens, max_size=12)
blooms = st.integers(min_value=0, max_value=2**BLOOM_BITS - 1)
keys = st.frozensets(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=40)
filters = st.tuples(blooms, blooms, st.lists(blooms, max_size=3).map(tuple))


@st.composite
def identities(draw: st.DrawFn) -> EncodedIdentity:
    alts = tuple(draw(st.lists(blooms, max_size=4)))
    optional = st.none() | tokens
    return EncodedIdentity(
        nhs=draw(optional),
        given_bf=draw(blooms),
        family_bf=draw(blooms),
        alt_bfs=alts,
        given_forms=draw(token_sets),
        given_sound=draw(token_sets),
        family_sound=draw(token_sets),
        dob=draw(optional),
        dob_swapped=draw(optional),
        dob_month=draw(optional),
        dob_year=draw(optional),
        dob_near=draw(token_sets),
        postcode_unit=draw(optional),
        postcode_sector=draw(optional),
        postcode_district=draw(optional),
        sex=draw(st.sampled_from(["", "m", "f"])),
        blocking_keys=draw(keys),
        names_salted=draw(st.booleans()),
        middle_count=draw(st.integers(min_value=-1, max_value=len(alts))),
    )


@st.composite
def queries(draw: st.DrawFn) -> EncodedQuery:
    probe = draw(identities())
    salts = st.none() | st.just(UNSALTED) | tokens
    variants = draw(st.dictionaries(salts, filters, max_size=5))
    return EncodedQuery(
        identity=draw(identities()),
        probe_keys=draw(keys),
        probe=EncodedIdentity(
            **{name: getattr(probe, name) for name in _INIT_FIELDS},
            name_variants=variants,
            first_forms=draw(token_sets),
            dob_close=draw(token_sets),
        ),
        anchor_keys=draw(keys),
        name_keys=draw(keys),
    )


_INIT_FIELDS = [
    name
    for name in EncodedIdentity.__dataclass_fields__
    if EncodedIdentity.__dataclass_fields__[name].init
    and name not in {"name_variants", "first_forms", "dob_close"}
]


def assert_same(a: EncodedQuery, b: EncodedQuery) -> None:
    """Equal in every field, including those `==` leaves out (probe-only and middle count)."""
    assert a == b
    for x, y in ((a.identity, b.identity), (a.probe, b.probe)):
        assert x.middle_count == y.middle_count
        assert dict(x.name_variants) == dict(y.name_variants)
        assert (x.first_forms, x.dob_close) == (y.first_forms, y.dob_close)
    assert a.identity.digest() == b.identity.digest()
    # What the gateway made and the hub keeps as it came: the same as the hub would remake.
    assert a.identity.to_stored() == b.identity.to_stored()
    remade = replace(a.identity)  # a copy without the caches
    assert (remade.digest(), remade.to_stored()) == (b.identity.digest(), b.identity.to_stored())


@settings(max_examples=150, deadline=None)
@given(queries())
def test_an_encoded_child_reads_back_as_it_was_written(query: EncodedQuery) -> None:
    assert_same(query_from_wire(json.loads(json.dumps(query_to_wire(query)))), query)


@pytest.mark.parametrize("wide", [True, False])
def test_a_real_encoding_reads_back_as_it_was_written(wide: bool) -> None:
    child = ChildIdentity(
        given_names="Amelia Rose",
        family_name="Smith-Jones",
        other_names=("Brown",),
        date_of_birth=date(2015, 3, 4),
        postcode="LS1 4AP",
        nhs_number="9434765919",
        sex="female",
    )
    query = Gateway(b"k" * 32).encode(child, wide=wide)
    assert_same(query_from_wire(query_to_wire(query)), query)


@settings(max_examples=60, deadline=None)
@given(
    queries(),
    st.text(min_size=1, max_size=30),
    st.sampled_from(list(InvolvementKind)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
    st.none() | st.dates(min_value=date(2030, 1, 2), max_value=date(2040, 1, 1)),
)
def test_a_registration_batch_reads_back_as_it_was_written(
    query: EncodedQuery, ref: str, kind: InvolvementKind, start: date, end: date | None
) -> None:
    terms = InvolvementTerms(kind, Practitioner("Priya Shah", phone="0113 496 0000"), start, end)
    ages_out = end and half_year_after(end)  # the hub takes half-years only (ADR 0034)
    registration = Registration(ref, terms, query, ages_out=ages_out)
    sent = RegisterRequest(
        wire="fingerpost-encoded/1", registrations=[RegistrationIn.of(registration)]
    ).model_dump_json()
    (read,) = RegisterRequest.model_validate_json(sent).registrations
    back = read.registration()
    assert (back.local_ref, back.terms, back.ages_out) == (ref, terms, ages_out)
    assert_same(back.child, query)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("identity", "not base64!", "identity: not base64"),
        ("identity", "e30=", "identity: not a packed encoding"),  # "{}": the old JSON form
        ("probe_keys", "AAAA", "probe_keys: not a whole number"),
        ("first_forms", "AAAA", "first_forms: not a whole number of tokens"),
        ("name_variants", [{"salt": None}], "name_variants: each item"),
        ("digest", "ABC", "digest: 64 lower-case hex"),
        ("probe", {"given_forms": ""}, "probe: the tokens it adds"),
    ],
)
def test_a_malformed_encoding_is_refused_not_guessed_at(
    field: str, value: object, says: str
) -> None:
    wire = query_to_wire(Gateway(b"k" * 32).encode(ChildIdentity(given_names="Ada")))
    with pytest.raises(WireError, match=says):
        query_from_wire(wire | {field: value})
    with pytest.raises(WireError, match="not allowed"):
        query_from_wire(wire | {"given_names": "Ada"})


def test_a_registration_made_directly_is_what_the_model_writes() -> None:
    query = Gateway(b"k" * 32).encode(ChildIdentity(given_names="Ada", family_name="Lovelace"))
    terms = InvolvementTerms(
        InvolvementKind.LOOKED_AFTER, Practitioner("Priya Shah", email="p@x.org"), date(2024, 1, 1)
    )
    registration = Registration("R1", terms, query, ages_out=date(2031, 7, 1))
    assert registration_to_wire(registration) == RegistrationIn.of(registration).model_dump(
        mode="json", exclude_unset=True
    )
    assert "row_digest" not in registration_to_wire(registration)  # as an older hub reads it


def test_a_snapshot_rows_digest_travels_with_its_registration() -> None:
    query = Gateway(b"k" * 32).encode(ChildIdentity(given_names="Ada", family_name="Lovelace"))
    terms = InvolvementTerms(
        InvolvementKind.LOOKED_AFTER, Practitioner("Priya Shah", email="p@x.org"), date(2024, 1, 1)
    )
    registration = Registration("R1", terms, query, row_digest="ab" * 32)
    sent = RegisterRequest(
        wire="fingerpost-encoded/1", registrations=[registration_to_wire(registration)]
    ).model_dump_json()
    (read,) = RegisterRequest.model_validate_json(sent).registrations
    assert read.registration().row_digest == "ab" * 32


def test_a_row_digest_that_is_not_64_hex_digits_is_refused() -> None:
    query = Gateway(b"k" * 32).encode(ChildIdentity(given_names="Ada"))
    terms = InvolvementTerms(
        InvolvementKind.LOOKED_AFTER, Practitioner("Priya Shah", email="p@x.org"), date(2024, 1, 1)
    )
    wire = registration_to_wire(Registration("R1", terms, query)) | {"row_digest": "Ada"}
    with pytest.raises(ValidationError):
        RegistrationIn.model_validate(wire)
