"""The hub keeps no child's identity in the clear.

Realistic children (diacritics, apostrophes, double-barrelled names, previous names, NHS numbers)
are registered through the command line and through the service, changed, synced as a snapshot,
linked across agencies and enquired about; then every byte the installation holds is searched
for every way their names, dates of birth, postcodes and NHS numbers could be written. On SQLite
that is every file under FINGERPOST_HOME (database, -wal, -shm, -journal, keys); on PostgreSQL
every row of every table, and the files of the home (keys).

A short ASCII string turns up by chance inside the keyed encodings (base64 and hex text), so plain
ASCII forms shorter than six characters are not searched: "Zoë" is searched as typed, lower and
upper case, not as "zoe". Every child below has longer names as well. For the same reason a
compact date of birth (20160403) counts only where it starts or ends a run of digits.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from fingerpost.bootstrap import bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.model import Agency
from fingerpost.domain.vocabulary import AgencyKind
from fingerpost.entrypoints.cli import app
from fingerpost.gateway import parse_enquiry_row, parse_register_row
from fingerpost.matching.normalise import fold
from fingerpost.service.records import Registration

SHORTEST_ASCII_NEEDLE = 6


def nhs(stem: str) -> str:
    total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    assert check != 10, stem
    return f"{stem}{check}"


@dataclass(frozen=True)
class Child:
    given: str
    family: str
    born: date
    postcode: str
    nhs_number: str = ""
    other: str = ""
    sex: str = ""

    def row(self, **fields: str) -> dict[str, str]:
        return {
            "nhs_number": self.nhs_number,
            "given_names": self.given,
            "family_name": self.family,
            "other_names": self.other,
            "date_of_birth": self.born.isoformat(),
            "sex": self.sex,
            "postcode": self.postcode,
            **fields,
        }


CHILDREN = [
    Child("Zoë", "O'Brien", date(2016, 4, 3), "M14 5RP", nhs("943476591"), "Zoë Walsh", "female"),
    Child("Oluwaseun", "Adebayo-Okafor", date(2012, 9, 17), "SE15 4QN", nhs("485777345")),
    Child("Łukasz", "Wójcik", date(2014, 11, 28), "LS11 5DJ", "", "Lukas Wojcik", "male"),
    Child("Siobhán Máire", "Ní Bhriain", date(2019, 2, 14), "BT12 6HQ", nhs("656231908")),
    Child("Mohammed", "Al-Hassan", date(2013, 7, 5), "BD8 7PL", nhs("750231906"), "", "male"),
    Child("Chloé", "Lefèvre-Dubois", date(2017, 12, 9), "NW10 8UH", "", "Chloe Dubois"),
    Child("Amelia-Rose", "Thistlewood", date(2010, 3, 22), "DN31 2QR", nhs("601933004")),
    Child("Sebastián", "Muñoz García", date(2015, 8, 30), "CR0 2XH", "", "", "male"),
    Child("Björnsson", "Ångström", date(2011, 5, 19), "NE6 5XB", nhs("612344570")),
    Child("Precious", "Nwachukwu", date(2018, 10, 2), "B33 8TH", nhs("443200118"), "", "female"),
    Child("Kacper", "Wiśniewski", date(2009, 1, 26), "PL4 8AA", ""),
    Child("Aoibheann", "MacGiolla Phádraig", date(2020, 6, 11), "L17 7AE", nhs("488203451")),
]
# Asked about but never registered: must leave no trace either.
STRANGERS = [
    Child("Maximilian", "Fairweather", date(2014, 2, 8), "EX4 4QJ", nhs("401023213")),
    Child("Esmeralda", "Quiñones", date(2012, 12, 12), "CF10 3AT"),
]


def spellings(name: str) -> set[str]:
    forms = {name, name.lower(), name.upper(), name.title()}
    folded = fold(name)
    forms |= {folded, folded.upper(), folded.title(), folded.replace(" ", "")}
    for form in list(forms):
        forms |= set(form.replace("-", " ").replace("'", " ").split())
    return forms


def needles(child: Child) -> set[str]:
    found: set[str] = set()
    for name in (child.given, child.family, *child.other.split(";")):
        if name:
            found |= spellings(name)
    day = child.born
    found |= {
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.strftime("%Y%m%d"),
        day.strftime("%d%m%Y"),
    }
    for postcode in (child.postcode, child.postcode.lower()):
        found |= {postcode, postcode.replace(" ", "")}
    if child.nhs_number:
        digits = child.nhs_number
        found |= {digits, f"{digits[:3]} {digits[3:6]} {digits[6:]}"}
        found.add(f"{digits[:3]}-{digits[3:6]}-{digits[6:]}")
    return {n for n in found if not n.isascii() or len(n) >= SHORTEST_ASCII_NEEDLE}


ALL_NEEDLES = sorted(set().union(*(needles(c) for c in CHILDREN + STRANGERS)))


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def involvement(ref: str, kind: str, practitioner: str, **fields: str) -> dict[str, str]:
    return {
        "local_ref": ref,
        "involvement": kind,
        "practitioner_name": practitioner,
        "practitioner_email": f"{practitioner.split(maxsplit=1)[0].lower()}@agency.example",
        "practitioner_phone": "0300 123 4567",
        "start_date": "2024-01-15",
        **fields,
    }


def _pattern(needle: str) -> re.Pattern[bytes]:
    found = re.escape(needle.encode())
    if needle.isdigit() and len(needle) < 10:
        # A compact date: the keyed blocking keys are stored as 19-digit decimal numbers, which
        # hold any 8 digits somewhere by chance, so it must start or end a run of digits.
        return re.compile(rb"(?<![0-9])" + found + rb"|" + found + rb"(?![0-9])")
    return re.compile(found)


PATTERNS = {needle: _pattern(needle) for needle in ALL_NEEDLES}


def hits(haystack: bytes) -> list[str]:
    return [needle for needle, pattern in PATTERNS.items() if pattern.search(haystack)]


def home_bytes(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in home.rglob("*") if p.is_file()}


def database_bytes(url: str) -> bytes:
    """Every row of every table, as the database's own text rendering of it."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            assert {"involvements", "audit_events", "notifications", "blocking_keys"} <= set(tables)
            rendered = [
                row[0]
                for table in tables
                for row in connection.execute(text(f'SELECT t::text FROM "{table}" t'))
            ]
    finally:
        engine.dispose()
    return "\n".join(rendered).encode()


def test_the_needles_cover_every_child() -> None:
    for child in CHILDREN + STRANGERS:
        mine = needles(child)
        assert child.born.isoformat() in mine
        assert child.postcode.replace(" ", "") in mine
        assert any(fold(child.family) in n.lower() for n in mine)


def test_no_child_identity_is_stored(
    tmp_path: Path, home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINGERPOST_HOME", str(home))
    monkeypatch.setenv("FINGERPOST_DATABASE_URL", database_url)
    runner = CliRunner()

    def cli(*args: str | Path) -> None:
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output

    cli("init")
    agencies = [
        {"code": "CSC-MAN", "name": "Manchester children's services",
         "authority_area": "E08000003", "kind": "social-care"},
        {"code": "GMP", "name": "Greater Manchester Police",
         "authority_area": "E08000003", "kind": "police"},
    ]  # fmt: skip
    cli("agencies", "import", write_csv(tmp_path / "agencies.csv", agencies))

    # The council registers everyone through the command line, some dates typed the UK way.
    council = [
        c.row(**involvement(f"MAN-{i:04d}", "child-in-need", "Priya Shah"))
        for i, c in enumerate(CHILDREN)
    ]
    council[1]["date_of_birth"] = CHILDREN[1].born.strftime("%d/%m/%Y")
    council[3]["nhs_number"] = f"{council[3]['nhs_number'][:3]} {council[3]['nhs_number'][3:]}"
    cli("register", "--agency", "CSC-MAN", write_csv(tmp_path / "council.csv", council))
    # A change of address and of practitioner rewrites stored rows.
    council[0] |= {"postcode": "M13 9PL", "practitioner_name": "Tom Reid"}
    council[2] |= {"end_date": "2025-06-30"}
    cli("register", "--agency", "CSC-MAN", write_csv(tmp_path / "council.csv", council))
    # The next night's snapshot: one child's case has closed (ended), the rest are digested.
    cli("sync", "--agency", "CSC-MAN", write_csv(tmp_path / "snapshot.csv", council[:-1]))
    cli("sync", "--agency", "CSC-MAN", write_csv(tmp_path / "snapshot.csv", council[:-1]))

    # The NHS trust registers through the service, as the API does: linked to the council's.
    trust = Agency("NHS-MFT", "Manchester University NHS FT", "E08000003", AgencyKind.HEALTH)
    fp = bootstrap(Settings(home=home, database_url=database_url))
    try:
        fp.hub.import_agencies(Actor.system("NHS-MFT"), [trust])
        parsed = [
            parse_register_row(
                c.row(**involvement(f"RW3-{i}", "health-visiting", "Sam Otieno")), date.today()
            )
            for i, c in enumerate(CHILDREN[::2])
        ]
        outcome = fp.hub.register(
            Actor.system("NHS-MFT"),
            [Registration(p.local_ref, p.terms, fp.gateway.encode(p.child)) for p in parsed],
        )
        assert outcome.links > 0

        # Enquiries through the service (children known and unknown)…
        for child in (CHILDREN[1], CHILDREN[4], *STRANGERS):
            query = parse_enquiry_row({"enquiry_ref": "Q", **child.row()})
            fp.hub.enquire(Actor.system("GMP"), "missing child", fp.gateway.encode(query.child))
    finally:
        fp.close()

    # …and through the command line, in capitals and with UK dates.
    asked = [
        {
            "enquiry_ref": f"GMP-{i}",
            **c.row(given_names=c.given.upper(), date_of_birth=c.born.strftime("%d/%m/%Y")),
        }
        for i, c in enumerate([*CHILDREN[:6], *STRANGERS])
    ]
    output = tmp_path / "signposts.csv"
    cli(
        "enquire", "--agency", "GMP", "--purpose", "police protection",
        write_csv(tmp_path / "asked.csv", asked), "--output", output,
    )  # fmt: skip
    assert len(output.read_text().splitlines()) > 6, "the enquiries found the children"

    assert stat.S_IMODE((home / "linkage.key").stat().st_mode) == 0o600

    files = home_bytes(home)  # with SQLite's -wal and -shm as the commands left them
    gc.collect()  # engines the command line left open close, checkpointing the WAL
    files |= {f"{name} (after closing)": data for name, data in home_bytes(home).items()}
    if database_url.startswith("sqlite"):
        assert "fingerpost.db" in files
    else:
        files["<every row of every table>"] = database_bytes(database_url)
    leaks = {name: found for name, data in files.items() if (found := hits(data))}
    assert leaks == {}

    # The scan can see a leak: a family name typed into a purpose (free text) is found.
    fp = bootstrap(Settings(home=home, database_url=database_url))
    try:
        query = parse_enquiry_row({"enquiry_ref": "Q", **CHILDREN[6].row()})
        fp.hub.enquire(Actor.system("GMP"), "Thistlewood", fp.gateway.encode(query.child))
    finally:
        fp.close()
    planted = home_bytes(home)
    if not database_url.startswith("sqlite"):
        planted["rows"] = database_bytes(database_url)
    assert "Thistlewood" in set().union(*(hits(data) for data in planted.values()))
