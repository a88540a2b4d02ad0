"""Clear identity fields: a request to the hub that names one anywhere is refused whole.

The hub takes encodings only. A gateway that sends a child's name, date of birth, NHS number,
postcode or address — by mistake or because it was taken over — gets a 422 naming the *field*;
the value is never read further, stored, logged or echoed.
"""

from __future__ import annotations

import re

__all__ = ["CLEAR_IDENTITY_FIELDS", "clear_identity_fields"]

# Compared after lower-casing and dropping everything but letters and digits, so that
# `dateOfBirth`, `date-of-birth` and `DATE_OF_BIRTH` are one name.
CLEAR_IDENTITY_FIELDS = frozenset(
    {
        "name",
        "names",
        "fullname",
        "given",
        "givenname",
        "givennames",
        "forename",
        "forenames",
        "firstname",
        "firstnames",
        "middlename",
        "middlenames",
        "family",
        "familyname",
        "surname",
        "lastname",
        "othernames",
        "previousnames",
        "aliases",
        "dob",
        "dateofbirth",
        "birthdate",
        "birthday",
        "born",
        "nhs",
        "nhsnumber",
        "nhsno",
        "chinumber",
        "postcode",
        "postalcode",
        "zip",
        "address",
        "addressline1",
        "addressline2",
        "street",
        "town",
    }
)
_NOT_LETTERS = re.compile(r"[^a-z0-9]")
_MOST_FOUND = 20  # enough to say what was wrong; a hostile body is not walked for ever
_DEEPEST = 32


def _bare(key: str) -> str:
    return _NOT_LETTERS.sub("", key.lower())


def clear_identity_fields(body: object) -> list[str]:
    """The paths (`registrations.3.given_names`) of every clear identity field in a decoded
    JSON body, at any depth; empty when there is none."""
    found: list[str] = []
    stack: list[tuple[object, str, int]] = [(body, "", 0)]
    while stack and len(found) < _MOST_FOUND:
        value, path, depth = stack.pop()
        if depth > _DEEPEST:  # deeper than any wire form: the model refuses it anyway
            continue
        if isinstance(value, dict):
            for key, inner in value.items():
                where = f"{path}.{key}" if path else str(key)
                if _bare(str(key)) in CLEAR_IDENTITY_FIELDS:
                    found.append(where)
                else:
                    stack.append((inner, where, depth + 1))
        elif isinstance(value, list):
            stack.extend((inner, f"{path}.{i}", depth + 1) for i, inner in enumerate(value))
    return sorted(found)
