"""`why` read aloud: the sentence a practitioner would say on the phone.

A signpost's `why` is the short list the contract fixes ("NHS number; date of birth; family name
similar"); this turns each part into words a practitioner would use, in the GOV.UK style (plain
English, no jargon, sentence case)."""

__all__ = ["spoken_why"]

# Each part of `why` (the comparison levels' `says`) as it is said.
_SAID = {
    "NHS number": "same NHS number",
    "different NHS number": "a different NHS number",
    "given name": "same given name",
    "given name a known variant": "given name is a known short form or spelling",
    "given name similar": "given name spelt a little differently",
    "given name sounds alike": "given name sounds the same",
    "different given name": "a different given name",
    "family name": "same family name",
    "family name similar": "family name spelt a little differently",
    "family name sounds alike": "family name sounds the same",
    "different family name": "a different family name",
    "a middle name": "a middle name in common",
    "date of birth": "same date of birth",
    "date of birth with day and month swapped": "date of birth with the day and month swapped",
    "date of birth one digit apart": "date of birth one digit different",
    # ADR 0024: a day, ten days or a year off, or two digits the other way round.
    "date of birth close": "date of birth a little different (a slip of a day, ten days or a year)",
    "different date of birth": "a different date of birth",
    "postcode": "same postcode",
    "postcode sector": "lived at a nearby postcode",
    "postcode district": "lived in the same postcode district",
    "different sex": "a different sex recorded",
}


def spoken_why(why: str) -> str:
    """`date of birth; given name a known variant` → `Same date of birth; given name is a known
    short form or spelling.` A part without words of its own is said as it is."""
    parts = [_SAID.get(part.strip(), part.strip()) for part in why.split(";") if part.strip()]
    if not parts:
        return ""
    sentence = "; ".join(parts)
    return f"{sentence[0].upper()}{sentence[1:]}."
