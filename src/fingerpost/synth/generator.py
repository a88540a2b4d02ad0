"""Invented agencies, children and messy records of them, with the truth kept aside.

Children live in households (siblings, twins) and are registered by one to three agencies, each
record an independent, imperfect view of the child: nicknames, other spellings, typos, swapped
day and month, missing NHS numbers, house moves. Enquiries ask about registered children (often
with two kinds of mess at once), about children registered nowhere, and about their unregistered
brothers and sisters (the hard negatives). `truth.csv` says who is who.
"""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from faker import Faker
from nicknames import NickNamer

from fingerpost.synth.corrupt import IndependentCorruptor
from fingerpost.synth.files import ENQUIRY_MESS, ENQUIRY_SHARES, enquiries_of, write_files
from fingerpost.synth.mess import nhs_numbers, plain, typo
from fingerpost.synth.names import SPELLING_VARIANTS
from fingerpost.synth.population import NAME_SOURCES, Pools, RealisticNames, default_names

__all__ = ["ENQUIRY_MESS", "ENQUIRY_SHARES", "WORLDS", "DatasetSummary", "write_dataset"]

# The corruption models a dataset can be made with: this module's own (the one the matcher was
# tuned on) and the independent one of `corrupt.py` (docs/adr/0023).
WORLDS = ("own", "independent")


# How often each kind of mess appears in one record (per record, independently).
NICKNAME = 0.10
OTHER_SPELLING = 0.5  # when the name has known variants
GIVEN_TYPO = 0.04
FAMILY_TYPO = 0.05
CASE_CHANGE = 0.10
DIACRITICS_LOST = 0.5  # when the name has any
FAMILY_CHANGED = 0.04  # a new family name; the old one sometimes kept in other_names
NAMES_SWAPPED = 0.015
MIDDLE_NAME_SHOWN = 0.35
DOB_SWAPPED = 0.03
DOB_DIGIT = 0.02
DOB_MISSING = 0.02
MOVED = 0.10
POSTCODE_MISSING = 0.06
POSTCODE_UNTIDY = 0.2
NHS_MISSING = {"police": 0.6, "education": 0.5, "youth-justice": 0.4, "other": 0.4,
               "social-care": 0.2, "health": 0.03}  # fmt: skip
TWINS = 0.03
CARE_LEAVERS = 0.03

AREAS = [
    ("MAN", "Manchester", "E08000003"),
    ("LDS", "Leeds", "E08000035"),
    ("BHM", "Birmingham", "E08000025"),
    ("LIV", "Liverpool", "E08000012"),
    ("BRS", "Bristol", "E06000023"),
    ("SHF", "Sheffield", "E08000019"),
    ("NCL", "Newcastle upon Tyne", "E08000021"),
    ("NOT", "Nottingham", "E06000018"),
]
KINDS = [
    ("social-care", "CSC", "{area} City Council Children's Services", ["child-in-need", "child-protection-plan", "looked-after", "early-help"], ["Social worker", "Senior social worker", "Family support worker"]),
    ("police", "POL", "{area} Police", ["police-concern"], ["Detective constable", "Police constable", "Sergeant, public protection"]),
    ("health", "NHS", "{area} University Hospitals NHS FT", ["health-visiting", "other"], ["Health visitor", "Safeguarding nurse", "Paediatrician"]),
    ("education", "EDU", "{area} Schools Safeguarding Service", ["school-safeguarding"], ["Designated safeguarding lead", "Education welfare officer"]),
    ("youth-justice", "YJS", "{area} Youth Justice Service", ["youth-justice"], ["Youth justice worker", "Case manager"]),
    ("other", "VCS", "{area} Family Support Trust", ["early-help", "other"], ["Key worker", "Family practitioner"]),
]  # fmt: skip


@dataclass(frozen=True)
class DatasetSummary:
    out_dir: Path
    agencies: int
    children: int
    involvements: int
    enquiries: int
    files: tuple[Path, ...]


@dataclass
class Child:
    id: str
    given: str
    middle: str
    family: str
    sex: str
    born: date
    postcode: str
    nhs: str
    registered: bool = True


@dataclass
class AgencyPlan:
    code: str
    name: str
    area: str
    kind: str
    involvements: list[str]
    practitioners: list[tuple[str, str, str, str]] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    truth: list[tuple[str, str]] = field(default_factory=list)


class _Generator:
    def __init__(
        self, seed: int, as_of: date, world: str = "own", names: str | None = None
    ) -> None:
        if world not in WORLDS:
            raise ValueError(f"unknown world {world!r}: one of {', '.join(WORLDS)}")
        names = names or default_names(world)
        if names not in NAME_SOURCES:
            raise ValueError(f"unknown names {names!r}: one of {', '.join(NAME_SOURCES)}")
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.pools = Pools(self.rng, seed)
        self.realistic = RealisticNames(self.rng) if names == "realistic" else None
        self.nicknames = NickNamer()
        self.nhs = nhs_numbers(self.rng)
        self.child_count = 0
        self.refs = 0
        self.corruptor = IndependentCorruptor(self) if world == "independent" else None

    def chance(self, p: float, boost: float = 1.0) -> bool:
        return self.rng.random() < min(p * boost, 0.95)

    def household(self) -> list[Child]:
        rng = self.rng
        if self.realistic:
            locale, family = "", self.realistic.draw("family")
        else:
            locale = self.pools.locale()
            family = rng.choice(self.pools.family[locale])
        postcode = rng.choice(self.pools.postcodes)
        size = rng.choices([1, 2, 3, 4], [0.4, 0.35, 0.17, 0.08])[0]
        children: list[Child] = []
        while len(children) < size:
            sex = rng.choice(["male", "female"])
            if children and self.chance(TWINS):
                born = children[-1].born  # a twin: same family, date and address
            else:
                oldest = 25 if self.chance(CARE_LEAVERS) else 18
                born = self.as_of - timedelta(days=rng.randrange(30, 365 * oldest - 30))
            given, middle = self.given_names(locale, sex, {c.given for c in children})
            self.child_count += 1
            children.append(
                Child(
                    f"C{self.child_count:07d}",
                    given,
                    middle,
                    family,
                    sex,
                    born,
                    postcode,
                    next(self.nhs),
                )
            )
        return children

    def given_names(self, locale: str, sex: str, taken: set[str]) -> tuple[str, str]:
        """A first name no brother or sister has, and a middle name."""
        rng = self.rng
        if self.realistic:
            given = self.realistic.draw(sex)
            for _ in range(20):
                if given not in taken:
                    break
                given = self.realistic.draw(sex)
            return given, self.realistic.draw(sex)
        pool = self.pools.given[locale][sex]
        given = rng.choice([n for n in pool if n not in taken] or pool)
        middle = rng.choice(self.pools.given["en_GB" if rng.random() < 0.5 else locale][sex])
        return given, middle

    def new_family_name(self) -> str:
        if self.realistic:
            return self.realistic.draw("family")
        return self.rng.choice(self.pools.family["en_GB"])

    def given_view(self, child: Child, boost: float) -> str:
        name = child.given
        variants = SPELLING_VARIANTS.get(name)
        if variants and self.chance(OTHER_SPELLING):
            name = self.rng.choice(variants)
        elif self.chance(NICKNAME, boost):
            nicks = sorted(self.nicknames.nicknames_of(name.lower()))
            if nicks:
                name = self.rng.choice(nicks).title()
        if self.chance(GIVEN_TYPO, boost):
            name = typo(self.rng, name)
        if name != plain(name) and self.chance(DIACRITICS_LOST):
            name = plain(name)
        if child.middle and self.chance(MIDDLE_NAME_SHOWN):
            name = f"{name} {child.middle}"
        return name

    def view(self, child: Child, kind: str, boost: float = 1.0) -> dict[str, str]:
        """One agency's (or one enquirer's) imperfect record of the child."""
        if self.corruptor is not None:
            return self.corruptor.view(child, kind, boost)
        rng = self.rng
        given, family, other = self.given_view(child, boost), child.family, ""
        if self.chance(FAMILY_CHANGED, boost):
            new = self.new_family_name()
            family, other = (
                (f"{family}-{new}", "")
                if rng.random() < 0.4
                else (new, child.family if rng.random() < 0.5 else "")
            )
        if self.chance(FAMILY_TYPO, boost):
            family = typo(rng, family)
        if self.chance(CASE_CHANGE, boost):
            given, family = (
                (given.upper(), family.upper())
                if rng.random() < 0.5
                else (given.lower(), family.lower())
            )
        if family != plain(family) and self.chance(DIACRITICS_LOST):
            family = plain(family)
        if self.chance(NAMES_SWAPPED, boost):
            given, family = family, given.split(" ")[0]
        born: date | None = child.born
        if self.chance(DOB_MISSING, boost):
            born = None
        elif (
            child.born.day <= 12
            and child.born.day != child.born.month
            and self.chance(DOB_SWAPPED, boost)
        ):
            swapped = date(child.born.year, child.born.day, child.born.month)
            born = swapped if swapped <= self.as_of else child.born  # a mess, never invalid
        elif self.chance(DOB_DIGIT, boost):
            shifted = child.born + timedelta(days=rng.choice([-10, -1, 1, 10]))
            born = shifted if shifted <= self.as_of else child.born
        postcode = child.postcode
        if self.chance(MOVED, boost):
            postcode = rng.choice(self.pools.postcodes)
        if self.chance(POSTCODE_MISSING, boost):
            postcode = ""
        elif self.chance(POSTCODE_UNTIDY):
            postcode = postcode.lower() if rng.random() < 0.5 else postcode.replace(" ", "")
        nhs = "" if self.chance(NHS_MISSING.get(kind, 0.3), boost) else child.nhs
        if nhs and rng.random() < 0.3:
            nhs = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
        sex = child.sex if rng.random() < 0.9 else rng.choice(["", "unknown"])
        return {
            "nhs_number": nhs,
            "given_names": given,
            "family_name": family,
            "other_names": other,
            "date_of_birth": born.isoformat() if born else "",
            "sex": sex,
            "postcode": postcode,
        }

    def agencies(self, count: int) -> list[AgencyPlan]:
        plans: list[AgencyPlan] = []
        for index in range(count):
            # Different areas and kinds: signposting crosses authority boundaries.
            area_code, area, ons = AREAS[index % len(AREAS)]
            kind, suffix, name, involvements, roles = KINDS[index % len(KINDS)]
            # Area × kind pairs repeat after math.lcm(len(AREAS), len(KINDS)) agencies; later
            # rounds are numbered so that every agency's code (and file) is its own.
            rounds = index // math.lcm(len(AREAS), len(KINDS))
            number = f"{rounds + 1}" if rounds else ""
            code = f"{area_code}-{suffix}{number}"
            title = name.format(area=area) + (f" ({number})" if number else "")
            plan = AgencyPlan(code, title, ons, kind, involvements)
            domain = f"{code.lower()}.example.org"
            fake = Faker("en_GB")
            fake.seed_instance(self.rng.randrange(1 << 30))
            for _ in range(self.rng.randint(5, 40)):
                person = f"{fake.first_name()} {fake.last_name()}"
                email = person.lower().replace(" ", ".").replace("'", "") + "@" + domain
                phone = f"0{self.rng.randint(1000, 1999)} {self.rng.randint(100000, 999999)}"
                plan.practitioners.append((person, self.rng.choice(roles), phone, email))
            plans.append(plan)
        return plans

    def register_row(
        self,
        plan: AgencyPlan,
        identity: dict[str, str],
        child: Child,
        involvement: str,
        ref: str,
    ) -> dict[str, str]:
        name, role, phone, email = self.rng.choice(plan.practitioners)
        earliest = max(child.born, self.as_of - timedelta(days=5 * 365))
        start = earliest + timedelta(days=self.rng.randrange(max(1, (self.as_of - earliest).days)))
        end = ""
        if self.rng.random() < 0.3:
            end = (
                start + timedelta(days=self.rng.randrange(max(1, (self.as_of - start).days)))
            ).isoformat()
        return {
            "local_ref": ref,
            **identity,
            "involvement": involvement,
            "practitioner_name": name,
            "practitioner_role": role,
            "practitioner_phone": phone if self.rng.random() < 0.9 else "",
            "practitioner_email": email,
            "start_date": start.isoformat(),
            "end_date": end,
        }


def write_dataset(
    out_dir: Path,
    *,
    seed: int = 1,
    children: int = 2000,
    agencies: int = 6,
    enquiries: int = 500,
    as_of: date = date(2026, 11, 1),
    progress: Callable[[int], None] | None = None,
    world: str = "own",
    names: str | None = None,
) -> DatasetSummary:
    """Write agencies.csv, register-<CODE>.csv, enquiries-<CODE>.csv and truth.csv. `world`
    chooses the corruption model of the records (`WORLDS`); `names` where the children's names
    come from (`NAME_SOURCES`; by default the world's, `default_names`)."""
    if agencies < 2:
        raise ValueError("at least two agencies: signposting is between agencies")
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = _Generator(seed, as_of, world, names)
    rng = gen.rng
    plans = gen.agencies(agencies)
    registered: list[Child] = []
    unregistered_siblings: list[Child] = []
    involvements = 0
    while len(registered) < children:
        for child in gen.household():
            # Some brothers and sisters are known to no agency: they are the hard negatives.
            if rng.random() < 0.25 and registered:
                child.registered = False
                unregistered_siblings.append(child)
                continue
            registered.append(child)
            count = rng.choices([1, 2, 3], [0.6, 0.3, 0.1])[0]
            for plan in rng.sample(plans, min(count, len(plans))):
                gen.refs += 1
                ref = f"{plan.code}-{gen.refs:07d}"
                kinds = plan.involvements
                chosen = [rng.choice(kinds)]
                if len(kinds) > 1 and rng.random() < 0.1:
                    chosen.append(rng.choice([k for k in kinds if k != chosen[0]]))
                # One agency holds one record of the child, whatever its involvements.
                identity = gen.view(child, plan.kind)
                for involvement in chosen:
                    plan.rows.append(gen.register_row(plan, identity, child, involvement, ref))
                    plan.truth.append((ref, child.id))
                    involvements += 1
            if progress:
                progress(count)
    enquiry_rows, truth = enquiries_of(gen, plans, registered, unregistered_siblings, enquiries)
    files = write_files(out_dir, plans, enquiry_rows, truth, rng)
    return DatasetSummary(
        out_dir=out_dir,
        agencies=len(plans),
        children=len(registered),
        involvements=involvements,
        enquiries=enquiries,
        files=tuple(files),
    )
