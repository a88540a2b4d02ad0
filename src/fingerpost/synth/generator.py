"""Invented agencies, children and messy records of them, with the truth kept aside.

Children live in households (siblings, twins) and are registered by one to three agencies, each
record an independent, imperfect view of the child: nicknames, other spellings, typos, swapped
day and month, missing NHS numbers, house moves. Enquiries ask about registered children (often
with two kinds of mess at once), about children registered nowhere, and about their unregistered
brothers and sisters (the hard negatives). `truth.csv` says who is who.
"""

import csv
import math
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from faker import Faker
from nicknames import NickNamer

from fingerpost.synth.corrupt import IndependentCorruptor
from fingerpost.synth.names import SPELLING_VARIANTS
from fingerpost.synth.population import NAME_SOURCES, Pools, RealisticNames

__all__ = ["WORLDS", "DatasetSummary", "write_dataset"]

# The corruption models a dataset can be made with: this module's own (the one the matcher was
# tuned on) and the independent one of `corrupt.py` (docs/adr/0023).
WORLDS = ("own", "independent")


def default_names(world: str) -> str:
    """The own world's children have England's name frequencies (ADR 0039); the independent
    world keeps the locale pools its figures (ADR 0036) were measured with."""
    return "realistic" if world == "own" else "locales"


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
# Enquiries are made in a hurry: each kind of mess is this much likelier than in a register.
ENQUIRY_MESS = 2.0
ENQUIRY_SHARES = {"registered": 0.7, "unregistered": 0.2, "sibling": 0.1}
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
REGISTER_COLUMNS = [
    "local_ref", "nhs_number", "given_names", "family_name", "other_names", "date_of_birth",
    "sex", "postcode", "involvement", "practitioner_name", "practitioner_role",
    "practitioner_phone", "practitioner_email", "start_date", "end_date",
]  # fmt: skip
ENQUIRY_COLUMNS = [
    "enquiry_ref", "nhs_number", "given_names", "family_name", "other_names", "date_of_birth",
    "sex", "postcode",
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


_NHS_TEST_BODIES = 1_000_000  # the first nine digits of 999 000 0000 – 999 999 9999


def _nhs_numbers(rng: random.Random) -> Iterator[str]:
    """Valid NHS numbers from the range reserved for test data (999 000 0000 – 999 999 9999),
    each once, in an order set by `rng`: the i-th body is a·i + b modulo the range's size, with
    `a` coprime to it, so none repeats and drawing never slows down. The range holds about
    909,000 valid numbers (a check digit of 10 is never issued); children made after that have
    none (""), as if it were unknown: a real number must never appear in invented data."""
    a = rng.randrange(1, _NHS_TEST_BODIES)
    while a % 2 == 0 or a % 5 == 0:
        a = rng.randrange(1, _NHS_TEST_BODIES)
    b = rng.randrange(_NHS_TEST_BODIES)
    for i in range(_NHS_TEST_BODIES):
        body = 999_000_000 + (a * i + b) % _NHS_TEST_BODIES
        digits = [int(d) for d in str(body)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        yield f"{body}{check}"
    while True:
        yield ""


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    match rng.randrange(4):
        case 0:
            return word[:i] + word[i + 1 :]
        case 1:
            return word[:i] + rng.choice(letters) + word[i:]
        case 2:
            return word[:i] + rng.choice(letters) + word[i + 1 :]
        case _:
            return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("Ł", "L").replace("ł", "l"))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


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
        self.nhs = _nhs_numbers(self.rng)
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
            name = _typo(self.rng, name)
        if name != _plain(name) and self.chance(DIACRITICS_LOST):
            name = _plain(name)
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
            family = _typo(rng, family)
        if self.chance(CASE_CHANGE, boost):
            given, family = (
                (given.upper(), family.upper())
                if rng.random() < 0.5
                else (given.lower(), family.lower())
            )
        if family != _plain(family) and self.chance(DIACRITICS_LOST):
            family = _plain(family)
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


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


# What each kind's out-of-hours line is, and who always answers (the night answer, ADR 0020).
_OUT_OF_HOURS = {
    "social-care": "Emergency Duty Team, 24 hours",
    "police": "Force control room, 24 hours",
    "health": "Hospital switchboard, ask for the on-call safeguarding lead",
    "youth-justice": "Emergency Duty Team, 24 hours",
}
_ALWAYS_OPEN = {"police"}


def _write_agencies(path: Path, plans: list[AgencyPlan], rng: random.Random) -> Path:
    def phone() -> str:
        return f"0300 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"

    rows = [
        {
            "code": p.code,
            "name": p.name,
            "authority_area": p.area,
            "kind": p.kind,
            "duty_phone": phone(),
            "duty_email": f"duty@{p.code.lower()}.example.org",
            "out_of_hours_phone": phone(),
            "out_of_hours_name": _OUT_OF_HOURS.get(p.kind, "Out-of-hours service"),
            "office_hours": "24/7" if p.kind in _ALWAYS_OPEN else "Mon-Fri 09:00-17:00",
        }
        for p in plans
    ]
    columns = ["code", "name", "authority_area", "kind", "duty_phone", "duty_email"]
    added = ["out_of_hours_name", "office_hours"]  # optional columns, after the contract's
    _write(path, [*columns, "out_of_hours_phone", *added], rows)
    return path


def _enquiries(
    gen: "_Generator",
    plans: list[AgencyPlan],
    registered: list[Child],
    unregistered_siblings: list[Child],
    enquiries: int,
) -> tuple[dict[str, list[dict[str, str]]], list[tuple[str, ...]]]:
    rng = gen.rng
    # Enquiries come from the police and health agencies (A&E at night), or the first two.
    enquirers = [p for p in plans if p.kind in {"police", "health"}][:2] or plans[:2]
    by_agency = {plan.code: {cid for _, cid in plan.truth} for plan in plans}
    enquiry_rows: dict[str, list[dict[str, str]]] = {p.code: [] for p in enquirers}
    truth: list[tuple[str, ...]] = []
    for number in range(enquiries):
        plan = enquirers[number % len(enquirers)]
        kind = rng.choices(list(ENQUIRY_SHARES), list(ENQUIRY_SHARES.values()))[0]
        if kind == "registered":
            # A child some *other* agency knows (the enquirer's own records are never shown).
            child = rng.choice(registered)
            for _ in range(20):
                if any(child.id in ids for code, ids in by_agency.items() if code != plan.code):
                    break
                child = rng.choice(registered)
        elif kind == "sibling" and unregistered_siblings:
            child = rng.choice(unregistered_siblings)
        else:
            kind = "unregistered"
            child = gen.household()[0]
            child.registered = False
        ref = f"ENQ-{plan.code}-{number + 1:06d}"
        row = {"enquiry_ref": ref, **gen.view(child, plan.kind, ENQUIRY_MESS)}
        # At least two of NHS number, a name, date of birth, postcode: restore the date if needed.
        present = sum(bool(row[k]) for k in ("nhs_number", "date_of_birth", "postcode")) + 1
        if present < 2:
            row["date_of_birth"] = child.born.isoformat()
        enquiry_rows[plan.code].append(row)
        truth.append(("enquiry", plan.code, ref, child.id, kind))
    return enquiry_rows, truth


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
    enquiry_rows, truth = _enquiries(gen, plans, registered, unregistered_siblings, enquiries)
    files: list[Path] = [_write_agencies(out_dir / "agencies.csv", plans, rng)]
    for plan in plans:
        path = out_dir / f"register-{plan.code}.csv"
        _write(path, REGISTER_COLUMNS, plan.rows)
        files.append(path)
        truth.extend(
            ("register", plan.code, ref, cid, "") for ref, cid in dict.fromkeys(plan.truth)
        )
    for code, rows in enquiry_rows.items():
        path = out_dir / f"enquiries-{code}.csv"
        _write(path, ENQUIRY_COLUMNS, rows)
        files.append(path)
    truth_path = out_dir / "truth.csv"
    with truth_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        # enquiry_for: whom an enquiry is about — a `registered` child, an unregistered
        # `sibling` of one, or a child `unregistered` anywhere (empty on register rows).
        writer.writerow(["kind", "agency", "ref", "child_id", "enquiry_for"])
        writer.writerows(truth)
    files.append(truth_path)
    return DatasetSummary(
        out_dir=out_dir,
        agencies=len(plans),
        children=len(registered),
        involvements=involvements,
        enquiries=enquiries,
        files=tuple(files),
    )
