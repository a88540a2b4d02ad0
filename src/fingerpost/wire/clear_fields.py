"""Clear identity fields: a request to the hub that names one anywhere is refused whole.

The hub takes encodings only. A gateway that sends a child's name, date of birth, NHS number,
postcode or address — by mistake or because it was taken over — gets a 422 naming the *field*;
the value is never read further, stored, logged or echoed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["CLEAR_IDENTITY_FIELDS", "any_clear_field", "clear_identity_fields", "loads_noting_keys"]

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


def any_clear_field(keys: Iterable[str]) -> bool:
    """Whether any of a body's keys (collected as it is parsed) is a clear identity field: the
    quick test, before the walk that says where (a 2,000-row batch has ~50,000 keys, ~30 apart)."""
    return any(_bare(key) in CLEAR_IDENTITY_FIELDS for key in keys)


def loads_noting_keys(text: str) -> tuple[Any, set[str]]:
    """`json.loads`, and every object key met on the way (at C speed but for one call per
    object)."""
    keys: set[str] = set()

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys.update(key for key, _ in items)
        return dict(items)

    return json.loads(text, object_pairs_hook=pairs), keys


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
