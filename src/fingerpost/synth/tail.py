"""Names for the ranks of the frequency tables (docs/adr/0039): the published head by name, then
real names from the languages of England's families, then made-up names that look like them.

England has some 250,000 family names; no list shipped with this project holds that many, so past
the real names a rank's name is made by a character model (three letters of memory) trained on
the real ones: "Hallinson", "Brackley", "Wozniewski" — plausible, each rank's the same in every
run (made from the rank alone), and never one of the real names.
"""

from __future__ import annotations

import random
from collections import defaultdict
from functools import cache

from faker import Faker
from faker.providers.person.en_GB import Provider as EnGb

from fingerpost.synth.frequencies import family_head, given_head
from fingerpost.synth.names import CURATED_FAMILY, CURATED_GIVEN

__all__ = ["RankedNames", "family_names", "given_names"]

# The languages whose names a child in England may carry, besides English (roughly in order of
# how many children): Ireland, South Asia and Africa (curated), Poland, Romania, Italy, Portugal,
# Turkey, Lithuania, Germany, France, Spain, the Netherlands, the United States.
_LOCALES = ("en_IE", "pl_PL", "ro_RO", "it_IT", "pt_PT", "tr_TR", "lt_LT", "de_DE", "fr_FR",
            "es_ES", "nl_NL", "en_US")  # fmt: skip
_DRAWS = 1500  # names drawn from each locale (a locale's list is shorter or about as long)
_ORDER = 3
_END = "$"


@cache
def _locale_names(kind: str) -> tuple[str, ...]:
    """Real names of `kind` ("family", "male", "female") from the locales, interleaved so that
    each language appears early in the tail; each once."""
    shuffle = random.Random(f"tail:{kind}")
    lists: list[list[str]] = []
    if kind == "family":
        lists.append(list(CURATED_FAMILY))
    else:
        # England's own names first, in the ONS's order, with the curated ones among them.
        english = list(EnGb.first_names_male if kind == "male" else EnGb.first_names_female)
        curated = [name for name, sex in CURATED_GIVEN if sex == kind]
        lists.append([n for i, e in enumerate(english) for n in (e, *curated[i : i + 1])])
    for locale in _LOCALES:
        fake = Faker(locale)
        fake.seed_instance(0)
        draw = {
            "family": fake.last_name,
            "male": fake.first_name_male,
            "female": fake.first_name_female,
        }[kind]
        names = sorted({draw() for _ in range(_DRAWS)})
        shuffle.shuffle(names)  # not alphabetical: a rank says nothing of a name's letters
        lists.append(names)
    out = list(dict.fromkeys(lists[0]))
    seen = set(out)
    lists = lists[1:]
    for i in range(max(len(names) for names in lists)):
        for names in lists:
            if i < len(names) and names[i] not in seen and " " not in names[i]:
                seen.add(names[i])
                out.append(names[i])
    return tuple(out)


class _Model:
    """Which letter follows three: counts from real names, to make plausible new ones."""

    def __init__(self, names: tuple[str, ...]) -> None:
        table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for name in names:
            if len(name.lower()) != len(name):  # e.g. a Turkish dotted İ: lowercasing adds a dot
                continue
            padded = "^" * _ORDER + name.lower() + _END
            for i in range(_ORDER, len(padded)):
                table[padded[i - _ORDER : i]][padded[i]] += 1
        self.table = {
            state: (list(following), list(following.values())) for state, following in table.items()
        }
        self.real = {name.lower() for name in names}

    def make(self, seed: str, taken: set[str]) -> str:
        """A plausible name made from `seed` alone, none of the real ones nor of `taken`."""
        rng = random.Random(seed)
        for attempt in range(50):
            state, letters = "^" * _ORDER, list[str]()
            while len(letters) < 14:
                choices, weights = self.table[state]
                letter = rng.choices(choices, weights)[0]
                if letter == _END:
                    break
                letters.append(letter)
                state = state[1:] + letter
            word = "".join(letters)
            name = word.title()
            if 4 <= len(word) <= 12 and word not in self.real and name not in taken:
                return name
            rng.seed(f"{seed}/{attempt}")
        return f"{seed.title()}"  # never reached in practice: a name is made within a few tries


@cache
def _real(kind: str) -> tuple[str, ...]:
    if kind == "family":
        head = tuple(name for name, _ in family_head())
    else:
        head = tuple(name for name, _ in given_head(kind))
    return head + tuple(n for n in _locale_names(kind) if n not in set(head))


@cache
def _model(kind: str) -> _Model:
    return _Model(_real(kind))


class RankedNames:
    """The name of each rank: the head's, then the real tail's, then made ones. A made name is
    made when its rank is first drawn and differs from every name made before it, so one
    dataset never gives two ranks one name (each dataset has its own, made in its own order)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.real = _real(kind)
        self.model = _model(kind)
        self.made: dict[int, str] = {}
        self.taken: set[str] = set()

    def __getitem__(self, rank: int) -> str:
        """The name of `rank` (0 the commonest)."""
        if rank < len(self.real):
            return self.real[rank]
        name = self.made.get(rank)
        if name is None:
            name = self.made[rank] = self.model.make(f"{self.kind}:{rank}", self.taken)
            self.taken.add(name)
        return name


def family_names() -> RankedNames:
    return RankedNames("family")


def given_names(sex: str) -> RankedNames:
    return RankedNames(sex)
