"""What the wire tap looks for: every child's names, dates of birth (in the formats a gateway
could let slip), NHS numbers and postcodes, as they were typed and as normalising makes them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

_WORD = "(?<![A-Za-z0-9]){}(?![A-Za-z0-9])"


def _date_forms(text: str) -> set[str]:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return {text} if text else set()
    return {
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        day.strftime("%d-%m-%Y"),
        day.strftime("%Y%m%d"),
        day.strftime("%d%m%Y"),
        day.strftime("%Y/%m/%d"),
    }


def _name_forms(text: str) -> set[str]:
    forms = set()
    for word in re.split(r"[\s;]+", text):
        part = word.strip(" -'")
        if len(part) >= 2:
            forms |= {part, part.lower(), part.upper(), part.title()}
    return forms


def needles(
    children: Iterable[Mapping[str, str]], allowed_words: Iterable[str] = ()
) -> dict[str, re.Pattern[str]]:
    """One pattern per value to look for, keyed by the value. `allowed_words`: what may
    legitimately cross and happens to equal a child's detail — a practitioner's own name that is
    also a child's family name, an involvement's start date that is also a baby's birthday."""
    allowed = {word.lower() for word in allowed_words}
    found: dict[str, re.Pattern[str]] = {}
    for child in children:
        values: set[str] = set()
        for field in ("given_names", "family_name", "other_names"):
            values |= _name_forms(child.get(field, ""))
        values |= _date_forms(child.get("date_of_birth", "").strip())
        nhs = re.sub(r"\D", "", child.get("nhs_number", ""))
        if nhs:
            values |= {nhs, f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"}
        postcode = child.get("postcode", "").strip().upper()
        if postcode:
            values |= {postcode, postcode.replace(" ", ""), postcode.lower()}
        for value in values - {v for v in values if v.lower() in allowed}:
            found[value] = re.compile(_WORD.format(re.escape(value)))
    return found


def hits(text: str, patterns: Mapping[str, re.Pattern[str]]) -> list[str]:
    return [value for value, pattern in patterns.items() if pattern.search(text)]
