"""Which records an enquiry reaches at all: a pair that shares no blocking key is never scored,
however alike (docs/adr/0024, 0036). Each case is an enquiry and a registered record of the same
child, mistyped as the misses of the tuning worlds were; the enquiry's probe keys must meet the
record's stored keys."""

from dataclasses import replace
from datetime import date

import pytest

from fingerpost.matching import blocking
from fingerpost.matching.encode import EncodedIdentity, Encoder
from fingerpost.matching.keyed import KeyedHash
from fingerpost.matching.normalise import ChildIdentity, normalise
from fingerpost.matching.score import score

ENCODER = Encoder(b"a linkage secret for the blocking spec only")
YEARS = range(2000, 2027)


def child(
    given: str, family: str, born: str | None = None, postcode: str | None = None
) -> ChildIdentity:
    return ChildIdentity(
        given_names=given,
        family_name=family,
        date_of_birth=date.fromisoformat(born) if born else None,
        postcode=postcode,
    )


def reaches(enquiry: ChildIdentity, registered: ChildIdentity) -> bool:
    asked = ENCODER.encode(normalise(enquiry), birth_years=YEARS)
    stored = ENCODER.encode(normalise(registered), birth_years=YEARS, wide=False)
    return bool(asked.probe_keys & stored.identity.blocking_keys)


@pytest.mark.parametrize(
    ("enquiry", "registered"),
    [
        pytest.param(
            child("Dalia Paulina", "Kowalska", "2015-03-12", "B1 1AA"),
            child("Paulina Dalia", "Kowalska", "2015-03-22", "LS6 3HN"),
            id="'Paulina Dalia' is a candidate for 'Dalia Paulina' with the date ten days off",
        ),
        pytest.param(
            child("Allen", "Bethany", "2013-05-04", "M6 0AS"),
            child("Betany", "Allen", "2013-05-08"),
            id="names the other way round, the given name mistyped, and the date a digit off",
        ),
        pytest.param(
            child("Edward Howard", "Nawies", "2016-05-21", "HU5 4PL"),
            child("Howard", "Navies", "2015-02-03", "GL4 4YW"),
            id="the enquiry's middle name is the first name registered, the family name and the"
            " date mistyped",
        ),
        pytest.param(
            child("Rachel Trakey", "Tcwnsend", postcode="W8 5EF"),
            child("Rakhel Tracey", "Townsend", "2024-09-24", "W8 5EF"),
            id="both names mistyped beyond their sounds, no date, the same address",
        ),
    ],
)
def test_an_enquiry_reaches_the_same_child_mistyped(
    enquiry: ChildIdentity, registered: ChildIdentity
) -> None:
    assert reaches(enquiry, registered)


def test_a_stranger_born_the_same_day_whose_first_name_is_the_middle_name_is_not_reached() -> None:
    assert not reaches(
        child("Edward Howard", "Navies", "2016-05-21", "HU5 4PL"),
        child("Howard", "Brown", "2016-05-21", "GL4 4YW"),
    )


def test_a_stranger_with_the_same_initials_in_another_sector_is_not_reached() -> None:
    assert not reaches(
        child("Rachel", "Townsend", postcode="W8 5EF"),
        child("Ruby", "Thomas", "2012-01-02", "LS6 3HN"),
    )


def test_the_initials_key_is_a_stored_key_of_every_record_with_a_postcode_and_both_names() -> None:
    labels = {label for label, _ in blocking.keys(_parts("rachel", "townsend", "W8 5EF"))}
    assert "sector-initials" in labels
    assert "sector-initials" not in {
        label for label, _ in blocking.keys(_parts("rachel", "townsend", None))
    }


def _parts(given: str, family: str, postcode: str | None) -> blocking.Parts:
    return blocking.parts(
        nhs=None, postcode=postcode, days=[], given_words=(given,), family=family, name_years=["?"]
    )


def test_a_record_stored_before_a_key_was_added_is_read_scored_and_found_by_its_other_keys() -> (
    None
):
    """A register keeps what the gateways sent: a record encoded before a release added a key
    lacks it until its agency sends it again (docs/adr/0036). It is read and scored as before,
    and found through every key it has; only what the new key alone reaches is out of reach."""
    secret = b"a linkage secret for the blocking spec only"
    registered = child("Rachel Tracey", "Townsend", "2014-09-24", "W8 5EF")
    normalised = normalise(registered)
    current = ENCODER.encode(normalised, birth_years=YEARS, wide=False).identity
    added = [rule for rule in blocking.RULES if rule.label == "sector-initials"]
    made = blocking.keys(
        blocking.parts(
            nhs=None,
            postcode=normalised.postcode,
            days=[],
            given_words=normalised.given,
            family=normalised.family_joined,
        ),
        added,
    )
    new_keys = {KeyedHash(secret).block(label, value) for label, value in made}
    assert new_keys <= current.blocking_keys
    older = EncodedIdentity.from_stored(
        replace(current, blocking_keys=current.blocking_keys - new_keys).to_stored()
    )
    same_child = ENCODER.encode(normalise(child("Rachel", "Townsend", "2014-09-24", "W8 5EF")))
    assert same_child.probe_keys & older.blocking_keys
    assert score(same_child.probe, older) == score(same_child.probe, current)
    mistyped = ENCODER.encode(normalise(child("Rakhel Trakey", "Tcwnsend", postcode="W8 5EF")))
    assert mistyped.probe_keys & current.blocking_keys
    assert not mistyped.probe_keys & older.blocking_keys
