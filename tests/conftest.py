"""Fixtures shared by every test folder.

Any test that asks for `database_url` (directly, or through `settings`, `fp` or `scenario`) runs
twice: once on an SQLite file and once on a throw-away PostgreSQL database of its own. A test
marked `@pytest.mark.postgres` runs on PostgreSQL only.

PostgreSQL comes from `FINGERPOST_TEST_POSTGRES_URL` (default: the local server, user postgres).
When it cannot be reached the PostgreSQL half is skipped with the reason, or fails when `CI` is set:
a CI run must never pass green on one database only.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.model import Agency
from fingerpost.domain.vocabulary import AgencyKind, Role
from fingerpost.gateway import parse_enquiry_row, parse_register_row
from fingerpost.matching import frequency
from fingerpost.matching.encode import EncodedQuery
from fingerpost.service.records import EnquiryResult, Registration, RegistrationOutcome

POSTGRES_URL_ENV = "FINGERPOST_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PURPOSE = "section 47 child protection enquiry"


# -- the two databases ------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" not in metafunc.fixturenames:
        return
    backends = [pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]
    if metafunc.definition.get_closest_marker("postgres") is None:
        backends.insert(0, pytest.param("sqlite", id="sqlite"))
    metafunc.parametrize("database_url", backends, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine]:
    """An AUTOCOMMIT connection to the maintenance database, for CREATE/DROP DATABASE."""
    url = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    server = create_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 5}
    )
    try:
        with server.connect():
            pass
    except OperationalError as error:
        server.dispose()
        reason = (
            f"PostgreSQL is unreachable at {url.render_as_string(hide_password=True)} "
            f"(set {POSTGRES_URL_ENV}): {error.orig}"
        )
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    yield server
    server.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for this test alone.

    SQLite: the file where an installation keeps it by default (inside the home), so that scans of
    the home see it. PostgreSQL: a database with a random name, dropped (connections and all)
    afterwards, so that parallel or interrupted runs never collide.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'home' / 'fingerpost.db'}"
        return
    server: Engine = request.getfixturevalue("postgres_server")
    name = f"fp_test_{secrets.token_hex(6)}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- one installation -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No FINGERPOST_ setting of the developer's shell or `.env` leaks into a test."""
    for name in list(os.environ):
        if name.startswith("FINGERPOST_") and name != POSTGRES_URL_ENV:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def settings(home: Path, database_url: str) -> Settings:
    return Settings(home=home, database_url=database_url)


@pytest.fixture
def fp(settings: Settings) -> Iterator[Fingerpost]:
    installation = bootstrap(settings)
    yield installation
    installation.close()


# -- test data --------------------------------------------------------------------------------

_refs = itertools.count(1)


def make_agency(code: str = "CSC-MAN", **fields: object) -> Agency:
    values: dict[str, object] = {
        "name": f"{code} children's services",
        "authority_area": "E08000003",
        "kind": AgencyKind.SOCIAL_CARE,
        "duty_phone": "0161 234 5000",
        "duty_email": f"duty@{code.lower()}.example.org",
        "out_of_hours_phone": "0161 234 9999",
    }
    values.update(fields)
    values["kind"] = AgencyKind(values["kind"])
    return Agency(code=code, **values)  # type: ignore[arg-type]


def make_register_row(**fields: str) -> dict[str, str]:
    """A valid row of the contract's register CSV; any column can be overridden."""
    row = {
        "local_ref": f"REF-{next(_refs):05d}",
        "nhs_number": "",
        "given_names": "Olivia",
        "family_name": "Harrison",
        "other_names": "",
        "date_of_birth": "2015-06-07",
        "sex": "female",
        "postcode": "LS6 3HN",
        "involvement": "child-in-need",
        "practitioner_name": "Priya Shah",
        "practitioner_role": "Social worker",
        "practitioner_phone": "0113 496 0000",
        "practitioner_email": "priya.shah@leeds.example.org",
        "start_date": "2024-02-01",
        "end_date": "",
    }
    row.update(fields)
    return row


def make_enquiry_row(**fields: str) -> dict[str, str]:
    """A valid row of the contract's enquiry CSV; by default the child of `make_register_row`."""
    row = {
        "enquiry_ref": f"ENQ-{next(_refs):05d}",
        "nhs_number": "",
        "given_names": "Olivia",
        "family_name": "Harrison",
        "other_names": "",
        "date_of_birth": "2015-06-07",
        "sex": "",
        "postcode": "",
    }
    row.update(fields)
    return row


@pytest.fixture
def register_row() -> Callable[..., dict[str, str]]:
    """`register_row(family_name="Smith")`: a valid register row with some columns changed."""
    return make_register_row


@pytest.fixture
def enquiry_row() -> Callable[..., dict[str, str]]:
    return make_enquiry_row


@dataclass
class Scenario:
    """Drives one installation the way an agency's gateway does: rows in, encodings to the hub."""

    fp: Fingerpost
    today: date = field(default_factory=date.today)

    def agency(self, code: str, **fields: object) -> Agency:
        agency = make_agency(code, **fields)
        self.fp.hub.import_agencies(Actor.system(code), [agency])
        return agency

    def registration(self, row: Mapping[str, str], *, wide: bool = True) -> Registration:
        """`wide=False` encodes as a register file does (the API's single rows probe wide)."""
        parsed = parse_register_row(row, self.today)
        return Registration(
            parsed.local_ref,
            parsed.terms,
            self.fp.gateway.encode(parsed.child, wide=wide),
            ages_out=parsed.ages_out,
        )

    def register(
        self, agency: str, *rows: Mapping[str, str], wide: bool = True
    ) -> RegistrationOutcome:
        registrations = [self.registration(row, wide=wide) for row in rows]
        return self.fp.hub.register(Actor.system(agency), registrations)

    def register_one(self, agency: str, **fields: str) -> str:
        """Register one row and return the involvement's id."""
        return self.register(agency, make_register_row(**fields)).ids[0]

    def query(self, **fields: str) -> EncodedQuery:
        """The encoded enquiry for a row of the enquiry CSV (default: `make_enquiry_row`)."""
        return self.fp.gateway.encode(parse_enquiry_row(make_enquiry_row(**fields)).child)

    def enquire(
        self,
        agency: str,
        purpose: str = PURPOSE,
        *,
        actor: Actor | None = None,
        **fields: str,
    ) -> EnquiryResult:
        return self.fp.hub.enquire(actor or Actor.system(agency), purpose, self.query(**fields))

    @staticmethod
    def practitioner(
        agency: str,
        email: str,
        name: str = "A practitioner",
        phone: str = "0300 000 0000",
        *,
        role: Role = Role.PRACTITIONER,
        strong_auth: bool = True,
    ) -> Actor:
        """A user signed in with a bearer token (by default with strong, multi-factor
        authentication): a practitioner sees only their own notifications."""
        return Actor(
            subject=email.lower(),
            name=name,
            agency=agency,
            role=role,
            email=email,
            phone=phone,
            strong_auth=strong_auth,
        )

    @staticmethod
    def auditor(agency: str = "AUDIT") -> Actor:
        return Actor(
            subject="auditor@example.org", name="Auditor", agency=agency, role=Role.AUDITOR
        )

    def shield(self, involvement_id: str) -> None:
        """Shield an involvement (e.g. a child in a refuge), as an agency administrator would."""
        with self.fp.unit_of_work() as uow:
            uow.involvements.set_shielded(involvement_id, True)
            uow.commit()

    def name_counts(self, **child: str) -> tuple[int, int]:
        """(involvements under the child's first name, under its family name), as an enquiry
        for that child (`make_enquiry_row`) counts them: the rarest token of each (ADR 0044)."""
        tokens = frequency.probe_tokens(self.query(**child))
        with self.fp.unit_of_work() as uow:
            counted = uow.involvements.count_each(tokens.all())
        given = min((counted.get(t, 0) for t in tokens.given), default=0)
        family = min((counted.get(t, 0) for t in tokens.family), default=0)
        return given, family

    def count(self, table: str) -> int:
        return int(self.sql(f"SELECT count(*) FROM {table}")[0][0])  # type: ignore[call-overload]

    def sql(self, statement: str, **params: object) -> list[tuple[object, ...]]:
        with self.fp.engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []


@pytest.fixture
def scenario(fp: Fingerpost) -> Scenario:
    return Scenario(fp)
