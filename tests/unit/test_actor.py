"""Who is acting, as other people are shown them: a name, e-mail or phone number from a token (the
development issuer's, an agency's OpenID Connect provider's, or a gateway's word to the hub) goes
into other practitioners' notifications, e-mails and the operator's listings, so it carries no
invisible or control character — a direction override can make a name or number read otherwise,
an escape sequence can drive the operator's terminal."""

from __future__ import annotations

import pytest

from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("DC Jo Patel", "DC Jo Patel"),
        ("Jo \u202eletaP", "Jo letaP"),
        ("Jo\u200d Patel", "Jo Patel"),
        ("Jo\x1b[31m Patel", "Jo[31m Patel"),
        ("Jo\nPatel", "Jo Patel"),
    ],
)
def test_a_name_is_kept_as_it_reads(given: str, shown: str) -> None:
    assert Actor("jo", given, "LDS-POL", Role.PRACTITIONER).name == shown


def test_the_contacts_are_kept_as_they_read_and_the_subject_as_it_was_given() -> None:
    actor = Actor(
        "jo\u200b@x", "Jo", "LDS-POL", Role.PRACTITIONER,
        email="jo@example.org\u202e", phone="0113\u2066 000 0000",
    )  # fmt: skip
    assert (actor.email, actor.phone) == ("jo@example.org", "0113 000 0000")
    assert actor.subject == "jo\u200b@x"  # an identifier compared as it came, never shown as a name
