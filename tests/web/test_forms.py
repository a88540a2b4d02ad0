"""The enquiry form in the GOV.UK way: each mistake named at its field, in plain words; what was
typed kept; the row the gateway takes built from the three date boxes."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from fingerpost.entrypoints.web.forms import EnquiryForm

NAMED = {"given_names": "Olivia", "family_name": "Harrison", "purpose": "emergency-care"}
BORN = {"dob-day": "7", "dob-month": "6", "dob-year": "2015"}


def posted(**fields: str) -> EnquiryForm:
    return EnquiryForm.posted(FormData(list(fields.items())))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"purpose": ""}, "purpose", "Select why you are asking"),
        ({"purpose": "other"}, "purpose_other", "Enter the reason you are asking"),
        ({"purpose": "other", "purpose_other": "x" * 201}, "purpose_other",
         "The reason must be 200 characters or fewer"),
        ({"purpose": "other", "purpose_other": "\u200b"}, "purpose_other",
         "Enter the reason in words, without the child's details"),
        ({"purpose": "other", "purpose_other": "?!"}, "purpose_other",
         "Enter the reason in words, without the child's details"),
        ({"family_name": "Harrison"}, "given_names",
         "Enter at least two of: the child's name, date of birth, NHS number, postcode"),
        ({"dob-day": "7"}, "dob-day", "Date of birth must include a month and year"),
        ({"dob-day": "7", "dob-month": "June", "dob-year": "2015"}, "dob-day",
         "Date of birth must be a real date, in numbers"),
        ({"dob-day": "31", "dob-month": "2", "dob-year": "2015"}, "dob-day",
         "Date of birth must be a real date in the past"),
        ({"nhs_number": "123 456 7890"}, "nhs_number",
         "This NHS number is not valid: a digit is wrong (it fails the check digit). Correct it,"
         " or search without it"),
        ({"postcode": "NOT A CODE"}, "postcode", "Enter a real UK postcode, like M1 1AA"),
    ],
)  # fmt: skip
def test_each_mistake_is_named_at_its_field(
    fields: dict[str, str], field: str, message: str
) -> None:
    form = posted(**{"purpose": "emergency-care", **fields})
    assert form.errors.get(field) == message
    assert {"text": message, "href": f"#{field}"} in form.summary()


def test_a_usable_enquiry_has_no_errors_and_becomes_the_gateway_row() -> None:
    form = posted(**NAMED, **BORN, urgent="yes")
    assert form.errors == {}
    assert form.child()["date_of_birth"] == "2015-6-7"
    assert form.child()["given_names"] == "Olivia"
    assert form.purpose == "emergency-care"
    assert form.urgent


def test_other_with_a_reason_states_the_reason() -> None:
    form = posted(**{**NAMED, **BORN, "purpose": "other", "purpose_other": "missing from care"})
    assert form.errors == {}
    assert form.purpose == "missing from care"


def test_what_was_typed_is_kept_for_the_form_shown_again() -> None:
    form = posted(family_name="  Harrison ", nhs_number="123")
    assert form.values["family_name"] == "Harrison"
    assert form.values["nhs_number"] == "123"
    assert not form.urgent
