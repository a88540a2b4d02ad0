"""A second, independent corruption model: records of the same invented children, messed up the
way published record-linkage corruptors and linkage-error studies say real records are.

The matcher was tuned on the mess of `generator.py` (its nicknames, its typo routine, its rates).
This world keeps the generator's people (households, twins, agencies, NHS test numbers) and
replaces *every* per-record error with a model taken from the literature, so that a figure
measured here says how the engine does on mess it was never fitted to (docs/adr/0023):

- **How many errors a record carries, which field, which kind.** Febrl's data generator
  (Christen 2005, "Probabilistic data generation for deduplication and data linkage", IDEAL; and
  its successor, Christen & Pudjijono 2009, "Accurate synthetic generation of realistic personal
  information", PAKDD — whose default attribute configuration is reproduced in GeCo, Tran,
  Vatsalan & Christen 2013, CIKM): a duplicate gets up to a maximum number of modifications
  (Poisson-like), each on a field chosen by its *select* probability — given name 0.25, surname
  0.30, date of birth 0.10, sex 0.05 (the address fields' share goes to the postcode) — and of a
  kind chosen by that field's probabilities: for a given name insert 0.05, delete 0.15,
  substitute 0.35, transpose 0.05, another value 0.02, swap words 0.02, split 0.01, merge 0.01,
  missing 0.02; for a surname insert 0.10, delete 0.10, substitute 0.35, transpose 0.04, another
  value 0.02, swap words 0.02, split 0.01, merge 0.02, missing 0.02; for a date of birth
  substitute a digit 0.5, transpose 0.3, another value 0.05, missing 0.1. The generator's share of
  error *types* is typing 0.3, phonetic 0.3, OCR 0.4; a substituted key is on the same keyboard
  row 0.4 of the time, in the same column 0.3; given and family names are swapped in 0.05 of
  the records the generator modifies.
- **Typing errors** by keyboard neighbour (QWERTY rows and columns), **phonetic** errors by
  rewrite rules of the kind GeCo's phonetic table holds (ph↔f, ck↔k, double ↔ single letters,
  ie↔ei, y↔i…), **OCR** errors by look-alike letters (rn↔m, cl↔d, li↔h, e↔c…). The rules are
  written here from those descriptions; no data or code of Febrl or GeCo is copied.
- **Date-of-birth errors by kind** (the brief of issue 19 and Febrl's digit substitution and
  transposition): one digit, two digits transposed, day and month swapped, a day off, ten days
  off, a year off, missing, another date.
- **Moves, missing and changed identifiers** from English linkage-error studies: in Hospital
  Episode Statistics linked to the Personal Demographic Service, sex or date of birth disagreed
  or were missing in 0.11 % of records and the postcode in 53 % (Harron et al. 2017, "Utilising
  identifier error variation in linkage of large administrative data sources", BMC Medical
  Research Methodology 17:23) — a postcode disagrees for a quarter of this world's records
  (agencies record a child within months, not years, of each other); missed links concentrate
  on records with missing data and on non-white children (Hagger-Johnson et al. 2015, "Data
  linkage errors in hospital administrative data when applying a pseudonymisation algorithm to
  paediatric intensive care records", BMJ Open 5:e008118), which is why names here are swapped,
  dropped and given in another order more than the own generator does; a missing NHS number is
  as common as the generator's by kind of agency, and a mistyped one (refused by its check
  digit, so set aside) appears in one record in a hundred.

What this world does *not* have: nickname tables (Febrl and GeCo have none; the own generator
does), term-frequency-calibrated names (the population is the generator's). The proportions of
Febrl/GeCo are defaults for Australian and generic data, not measured on English children's
records; they are used because they were set by someone else, before this engine existed.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fingerpost.synth.generator import Child, _Generator

__all__ = [
    "DOB_ERRORS",
    "FIELD_SELECT",
    "IndependentCorruptor",
    "keyboard_neighbour",
    "ocr_error",
    "phonetic_error",
]

# Modifications per record: a register row is an agency's own considered record; an enquiry is
# made in a hurry (Febrl duplicates carry "up to" a maximum, Poisson-distributed).
MODIFICATIONS_REGISTER = {0: 0.50, 1: 0.30, 2: 0.14, 3: 0.06}
MODIFICATIONS_ENQUIRY = {0: 0.25, 1: 0.35, 2: 0.25, 3: 0.15}
# Febrl / GeCo select probabilities, over the fields a child's record carries here.
FIELD_SELECT = {"given": 0.25, "family": 0.30, "dob": 0.10, "postcode": 0.10, "sex": 0.05}
ERROR_TYPES = {"typing": 0.3, "phonetic": 0.3, "ocr": 0.4}
GIVEN_TYPING = {"insert": 0.05, "delete": 0.15, "substitute": 0.35, "transpose": 0.05,
                "other-value": 0.02, "swap-words": 0.02, "split": 0.01, "merge": 0.01,
                "missing": 0.02}  # fmt: skip
FAMILY_TYPING = {"insert": 0.10, "delete": 0.10, "substitute": 0.35, "transpose": 0.04,
                 "other-value": 0.02, "swap-words": 0.02, "split": 0.01, "merge": 0.02,
                 "missing": 0.02}  # fmt: skip
# Febrl's date errors (substitute a digit 0.5, transpose 0.3, another value 0.05, missing 0.1)
# split into the kinds issue 19 names: a digit substituted, or a day or ten days off (a digit of
# the day); two digits transposed, or day and month swapped; a year off.
DOB_ERRORS = {"one-digit": 0.25, "day-off": 0.15, "ten-days-off": 0.10, "transposed": 0.10,
              "day-month-swapped": 0.15, "year-off": 0.10, "missing": 0.10,
              "other-date": 0.05}  # fmt: skip
NAMES_SWAPPED = 0.05  # given and family name fields swapped (Febrl's field swap)
# Events that are not typing at all, per record.
MIDDLE_SHOWN = 0.5  # the middle name written in the given-names field
KNOWN_BY_MIDDLE = 0.04  # the first name dropped: the child goes by the middle name
GIVEN_ORDER_SWAPPED = 0.04  # "Dalia Paulina" for "Paulina Dalia"
FAMILY_CHANGED = 0.04  # a step-parent's or the other parent's name, sometimes double-barrelled
MOVED = 0.25
POSTCODE_MISSING = 0.05
SEX_MISSING = 0.08
NHS_MISSING = {"police": 0.7, "education": 0.5, "youth-justice": 0.5, "other": 0.6,
               "social-care": 0.25, "health": 0.02}  # fmt: skip
NHS_MISTYPED = 0.01

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Phonetic rewrites, each way round (GeCo's phonetic table has rules of this kind).
_PHONETIC = [("ph", "f"), ("ck", "k"), ("ch", "sh"), ("ie", "ei"), ("ee", "ea"), ("y", "i"),
             ("ou", "ow"), ("z", "s"), ("c", "k"), ("th", "t"), ("ai", "ay"), ("wh", "w"),
             ("gh", "g"), ("kh", "k"), ("oo", "u"), ("v", "w"), ("x", "ks"), ("qu", "kw"),
             ("dj", "j"), ("ue", "u")]  # fmt: skip
_OCR = [("rn", "m"), ("cl", "d"), ("li", "h"), ("e", "c"), ("o", "c"), ("u", "v"), ("n", "h"),
        ("i", "l"), ("vv", "w"), ("a", "o"), ("b", "h"), ("g", "q"), ("f", "t")]  # fmt: skip


def _pick(rng: random.Random, table: dict[str, float]) -> str:
    return rng.choices(list(table), list(table.values()))[0]


def keyboard_neighbour(rng: random.Random, letter: str) -> str:
    """A key typed instead of `letter`: on its row (0.4), in its column (0.3), or any (0.3)."""
    lower = letter.lower()
    for r, row in enumerate(_ROWS):
        if lower in row:
            c = row.index(lower)
            roll = rng.random()
            if roll < 0.4:
                near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            elif roll < 0.7:
                near = [_ROWS[i][c] for i in (r - 1, r + 1) if 0 <= i < 3 and c < len(_ROWS[i])]
            else:
                near = []
            chosen = rng.choice(near or [x for x in _LETTERS if x != lower])
            return chosen.upper() if letter.isupper() else chosen
    return letter


def _rewrite(rng: random.Random, word: str, rules: list[tuple[str, str]]) -> str:
    """One rule applied once, either way round, at one place it fits; the word unchanged if
    none fits."""
    lower = word.lower()
    options = [
        (i, old, new)
        for a, b in rules
        for old, new in ((a, b), (b, a))
        for i in range(1, len(lower))  # never the first letter (Pollock & Zamora 1984)
        if lower.startswith(old, i)
    ]
    if not options:
        return word
    i, old, new = rng.choice(options)
    changed = lower[:i] + new + lower[i + len(old) :]
    return changed.title() if word[:1].isupper() else changed


def phonetic_error(rng: random.Random, word: str) -> str:
    return _rewrite(rng, word, _PHONETIC)


def ocr_error(rng: random.Random, word: str) -> str:
    return _rewrite(rng, word, _OCR)


def _typing(rng: random.Random, word: str, kind: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)  # the first letter is rarely the wrong one
    match kind:
        case "insert":
            return word[:i] + keyboard_neighbour(rng, word[i]) + word[i:]
        case "delete":
            return word[:i] + word[i + 1 :]
        case "substitute":
            return word[:i] + keyboard_neighbour(rng, word[i]) + word[i + 1 :]
        case "transpose":
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        case "split":
            return word[:i] + " " + word[i:]
    return word


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def dob_error(rng: random.Random, born: date, kind: str, as_of: date) -> date | None:
    """`born` with one error of `kind`; None when the date goes missing. An error that would give
    an impossible date, or one after `as_of`, leaves the date as it was (a form refuses those)."""
    changed: date | None = born
    match kind:
        case "missing":
            return None
        case "one-digit":
            digits = list(born.strftime("%Y%m%d"))
            i = rng.choice([2, 3, 4, 5, 6, 7])  # a century digit is never the slip
            digits[i] = rng.choice([d for d in "0123456789" if d != digits[i]])
            text = "".join(digits)
            changed = _valid_date(int(text[:4]), int(text[4:6]), int(text[6:]))
        case "transposed":
            digits = list(born.strftime("%Y%m%d"))
            i = rng.choice([2, 4, 6])  # within the year, the month or the day
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
            text = "".join(digits)
            changed = _valid_date(int(text[:4]), int(text[4:6]), int(text[6:]))
        case "day-month-swapped":
            changed = _valid_date(born.year, born.day, born.month)
        case "day-off":
            changed = born + timedelta(days=rng.choice([-1, 1]))
        case "ten-days-off":
            changed = born + timedelta(days=rng.choice([-10, 10]))
        case "year-off":
            changed = _valid_date(born.year + rng.choice([-1, 1]), born.month, born.day)
        case "other-date":
            changed = born - timedelta(days=rng.randrange(1, 365 * 10))
    # A date the form refuses (in the future, or of someone out of scope) is not what is typed.
    if changed is None or changed > as_of or changed.year < as_of.year - 25:
        return born
    return changed


class IndependentCorruptor:
    """One agency's (or one enquirer's) record of a child, with this module's error model."""

    def __init__(self, gen: "_Generator") -> None:
        self.gen = gen
        self.rng = gen.rng

    def _name(self, word: str, typing_table: dict[str, float], pool: list[str]) -> str:
        rng = self.rng
        kind = _pick(rng, ERROR_TYPES)
        if kind == "phonetic":
            return phonetic_error(rng, word)
        if kind == "ocr":
            return ocr_error(rng, word)
        op = _pick(rng, typing_table)
        if op == "other-value":
            return rng.choice(pool)
        if op == "missing":
            return ""
        if op in {"swap-words", "merge"}:
            return word  # handled on the whole field by the caller
        return _typing(rng, word, op)

    def view(self, child: "Child", kind: str, boost: float = 1.0) -> dict[str, str]:
        rng = self.rng
        # The draws below keep their order: a seed must give the same world as before.
        given_words = self._given_words(child)
        family, other = self._family(child)
        born: date | None = child.born
        postcode = child.postcode
        if rng.random() < MOVED:
            postcode = rng.choice(self.gen.pools.postcodes)
        fields = _Fields(given_words, family, born, postcode, child.sex)
        table = MODIFICATIONS_ENQUIRY if boost > 1 else MODIFICATIONS_REGISTER
        for _ in range(int(_pick(rng, {str(k): p for k, p in table.items()}))):
            self._modify(child, fields)
        given_words, family, born, postcode, sex = (
            fields.given_words, fields.family, fields.born, fields.postcode, fields.sex,
        )  # fmt: skip
        given = " ".join(given_words)
        if rng.random() < NAMES_SWAPPED * (0.5 if boost <= 1 else 1.0):
            given, family = family, given_words[0] if given_words else ""
        if rng.random() < POSTCODE_MISSING * boost:
            postcode = ""
        if rng.random() < SEX_MISSING:
            sex = ""
        return {
            "nhs_number": self._nhs(child, kind, boost),
            "given_names": given,
            "family_name": family,
            "other_names": other,
            "date_of_birth": born.isoformat() if born else "",
            "sex": sex,
            "postcode": postcode,
        }

    def _given_words(self, child: "Child") -> list[str]:
        rng = self.rng
        given_words = [child.given]
        if child.middle and rng.random() < MIDDLE_SHOWN:
            given_words.append(child.middle)
            if rng.random() < KNOWN_BY_MIDDLE:
                given_words = [child.middle]
            elif rng.random() < GIVEN_ORDER_SWAPPED:
                given_words.reverse()
        return given_words

    def _family(self, child: "Child") -> tuple[str, str]:
        """The family name as recorded, and the earlier one where it changed and was kept."""
        rng = self.rng
        family, other = child.family, ""
        if rng.random() < FAMILY_CHANGED:
            new = rng.choice(self.gen.pools.family["en_GB"])
            family, other = (f"{family}-{new}", "") if rng.random() < 0.3 else (new, child.family)
            if rng.random() < 0.5 and not family.count("-"):
                other = ""  # the earlier name not recorded
        return family, other

    def _modify(self, child: "Child", fields: "_Fields") -> None:
        """One modification of one field, chosen by FIELD_SELECT."""
        rng, gen = self.rng, self.gen
        match _pick(rng, FIELD_SELECT):
            case "given" if fields.given_words:
                words = fields.given_words
                op_word = rng.randrange(len(words))
                pool = gen.pools.given["en_GB"][child.sex]
                if len(words) > 1 and rng.random() < 0.04:  # swap or merge words
                    fields.given_words = (
                        [words[1], words[0], *words[2:]]
                        if rng.random() < 0.6
                        else ["".join(words[:2]), *words[2:]]
                    )
                else:
                    words[op_word] = self._name(words[op_word], GIVEN_TYPING, pool)
                    fields.given_words = [w for w in words if w]
            case "family":
                fields.family = self._name(fields.family, FAMILY_TYPING, gen.pools.family["en_GB"])
            case "dob" if fields.born is not None:
                fields.born = dob_error(rng, fields.born, _pick(rng, DOB_ERRORS), gen.as_of)
            case "postcode" if fields.postcode:
                # A key slip in the inward code's last letter: still a well-formed postcode
                # (a malformed one is set aside at the door, which is another test's).
                postcode = fields.postcode
                fields.postcode = postcode[:-1] + keyboard_neighbour(rng, postcode[-1])
            case "sex":
                fields.sex = rng.choice(
                    ["", "unknown", "male" if fields.sex == "female" else "female"]
                )

    def _nhs(self, child: "Child", kind: str, boost: float) -> str:
        rng = self.rng
        nhs = "" if rng.random() < NHS_MISSING.get(kind, 0.4) else child.nhs
        # Only in registers: an enquiry form refuses a number failing its check digit at once,
        # and the practitioner types it again; an agency's export carries it.
        if nhs and boost <= 1 and rng.random() < NHS_MISTYPED:
            i = rng.randrange(9)
            nhs = nhs[:i] + str((int(nhs[i]) + rng.randrange(1, 10)) % 10) + nhs[i + 1 :]
        return nhs


@dataclass
class _Fields:
    """A record's fields while its modifications are applied, one after another."""

    given_words: list[str]
    family: str
    born: date | None
    postcode: str
    sex: str
