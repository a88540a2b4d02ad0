"""An encoding sent from an encoding worker to the storing process (pickled) arrives whole: every
field, including those equality ignores (docs/adr/0037)."""

from __future__ import annotations

import pickle
from dataclasses import fields
from datetime import date

from fingerpost.gateway.secret import Gateway
from fingerpost.matching.encode import EncodedIdentity
from fingerpost.matching.normalise import ChildIdentity

CHILD = ChildIdentity(
    given_names="Olivia May",
    family_name="Harrison-Ahmed",
    other_names=("Liv",),
    date_of_birth=date(2015, 6, 7),
    sex="f",
    postcode="LS6 3HN",
    nhs_number="9434765919",
)


def _every_field(identity: EncodedIdentity) -> dict[str, object]:
    return {f.name: getattr(identity, f.name) for f in fields(identity)}


def test_a_pickled_encoding_reads_back_with_every_field() -> None:
    for wide in (False, True):
        query = Gateway(b"k" * 32).encode(CHILD, today=date(2026, 11, 1), wide=wide)
        back = pickle.loads(pickle.dumps(query))
        assert back == query
        assert _every_field(back.identity) == _every_field(query.identity)
        assert _every_field(back.probe) == _every_field(query.probe)
        assert back.identity.to_stored() == query.identity.to_stored()
        assert back.identity.digest() == query.identity.digest()
        assert (back.anchor_keys, back.name_keys) == (query.anchor_keys, query.name_keys)


def test_an_encoding_not_yet_digested_is_digested_alike_after_pickling() -> None:
    identity = Gateway(b"k" * 32).encode(CHILD).identity
    fresh = EncodedIdentity(**{f.name: getattr(identity, f.name) for f in fields(identity)
                               if f.init})  # fmt: skip
    back = pickle.loads(pickle.dumps(fresh))
    assert back.digest() == identity.digest()
