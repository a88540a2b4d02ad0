"""What differs between an enquiry and the registered record of the same child, in words: the
patterns `bench.misses` counts its misses by (tuning data only, docs/adr/0023).

Each field gets one tag, read from the two clear-text rows as a person would read them: the
given names the same, in another order, the first one the other's middle, one or two edits away,
the names swapped with the family name, missing, or something else; a date of birth a day, ten
days or a year off, one digit or two transposed, day and month swapped; the postcode the same,
the same sector, another or missing.
"""

from datetime import date

import jellyfish

from fingerpost.matching.normalise import split_names

__all__ = ["pattern"]


def _near(a: str, b: str) -> str:
    distance = jellyfish.damerau_levenshtein_distance(a, b)
    return "same" if distance == 0 else "one edit" if distance == 1 else (
        "two edits" if distance == 2 else "other"
    )  # fmt: skip


def _given(e: dict[str, str], r: dict[str, str]) -> str:
    eg, rg = split_names(e["given_names"]), split_names(r["given_names"])
    ef, rf = "".join(split_names(e["family_name"])), "".join(split_names(r["family_name"]))
    if not eg or not rg:
        return "missing"
    if eg[0] == rg[0]:
        return "same"
    if set(eg) == set(rg):
        return "other order"
    if eg[0] in rg[1:] or rg[0] in eg[1:]:
        return "first is middle"
    if _near(eg[0], rf) != "other" or _near(ef, rg[0]) != "other":
        return "swapped with family"
    near = _near(eg[0], rg[0])
    if near == "other" and len(eg) + len(rg) > 2:
        crossed = [_near(x, y) for x in eg for y in rg if (x, y) != (eg[0], rg[0])]
        if any(c != "other" for c in crossed):
            return "first is middle, typo"
    return near


def _family(e: dict[str, str], r: dict[str, str]) -> str:
    ef, rf = "".join(split_names(e["family_name"])), "".join(split_names(r["family_name"]))
    if not ef or not rf:
        return "missing"
    others = {
        "".join(split_names(r.get("other_names", ""))),
        "".join(split_names(e.get("other_names", ""))),
    }
    if ef in others or rf in others:
        return "previous name"
    return _near(ef, rf)


def _dob(e: dict[str, str], r: dict[str, str]) -> str:
    if not e["date_of_birth"] or not r["date_of_birth"]:
        return "missing"
    a, b = date.fromisoformat(e["date_of_birth"]), date.fromisoformat(r["date_of_birth"])
    if a == b:
        return "same"
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return "day-month swapped"
    days = abs((a - b).days)
    if days in {1, 10}:
        return f"{days} day{'s' * (days > 1)} off"
    if (a.month, a.day) == (b.month, b.day) and abs(a.year - b.year) == 1:
        return "year off"
    x, y = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    differ = [i for i in range(8) if x[i] != y[i]]
    if len(differ) == 1:
        return "one digit"
    if len(differ) == 2 and differ[1] == differ[0] + 1 and x[differ[0]] == y[differ[1]]:
        return "transposed"
    return "other"


def _postcode(e: dict[str, str], r: dict[str, str]) -> str:
    a, b = e["postcode"].strip().upper(), r["postcode"].strip().upper()
    if not a or not b:
        return "missing"
    return "same" if a == b else "same sector" if a[:-2] == b[:-2] else "other"


def pattern(enquiry: dict[str, str], registered: dict[str, str]) -> str:
    """The pattern of differences between two clear-text rows of one child."""
    return (
        f"given {_given(enquiry, registered)}; family {_family(enquiry, registered)};"
        f" dob {_dob(enquiry, registered)}; postcode {_postcode(enquiry, registered)}"
    )
