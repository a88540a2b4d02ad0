"""The schema comes only from Alembic migrations, and they agree with the table definitions: an
installation of any earlier version upgrades in place, keeping its data."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from fingerpost.adapters.crypto import Keyring, master_key
from fingerpost.adapters.db import engine as db
from fingerpost.adapters.db.sealed import open_sealed, seal
from fingerpost.adapters.db.tables import metadata
from fingerpost.matching.encode import EncodedIdentity, Encoder
from fingerpost.matching.normalise import ChildIdentity, normalise


@pytest.fixture
def engine(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'fingerpost.db'}"
    created = db.create(database_url)
    yield created
    created.dispose()


def test_the_migrations_build_exactly_the_tables_the_code_defines(engine: Engine) -> None:
    db.migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert db.is_current(engine)


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    db.migrate(engine)
    db.migrate(engine)
    assert db.is_current(engine)


def test_an_installation_from_the_first_release_upgrades_keeping_its_notifications(
    engine: Engine, tmp_path: Path
) -> None:
    config = db._config(engine)
    command.upgrade(config, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO agencies (code, name, authority_area, kind, duty_phone, duty_email,"
                " out_of_hours_phone, created_at, updated_at) VALUES ('GMP', 'Police', 'E08000003',"
                " 'police', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO involvements (public_id, agency_id, local_ref, kind,"
                " practitioner_name, practitioner_role, practitioner_phone, practitioner_email,"
                " start_date, shielded, identity, identity_digest, created_at, updated_at)"
                " VALUES ('inv1', 1, 'R1', 'police-concern', 'Jo', 'DC', '', 'jo@gmp.example',"
                " '2026-01-01', false, '{}', 'd', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO notifications (public_id, agency_id, recipient_email, involvement_id,"
                " kind, about, created_at) VALUES ('n1', 1, 'jo@gmp.example', 1, 'enquiry', '{}',"
                " CURRENT_TIMESTAMP)"
            )
        )
    keyring = Keyring(tmp_path, master_key(tmp_path))
    db.migrate(engine, keyring)
    with engine.connect() as connection:
        kept = connection.execute(
            text("SELECT public_id, attempts, delivered_at IS NOT NULL FROM notifications")
        ).all()
        sealed = connection.execute(text("SELECT sealed FROM involvements")).scalar_one()
    # Shown in the inbox before e-mail existed: not e-mailed as a backlog after the upgrade.
    assert [tuple(row) for row in kept] == [("n1", 0, True)]
    # The involvement's private fields are now sealed with the agency's data key (0004).
    assert b"jo@gmp.example" not in sealed
    opened = open_sealed(keyring, "GMP", "inv1", sealed)
    assert (opened.local_ref, opened.contact[3]) == ("R1", "jo@gmp.example")
    # Stored packed, as releases from ADR 0014 on store a child's encoding...
    child = ChildIdentity(given_names="Ada", family_name="Lovelace", postcode="M1 1AA")
    identity = Encoder(b"k" * 32).encode(normalise(child)).identity
    _, repacked = seal(keyring.current("GMP"), "inv1", "R1", opened.contact, identity.to_stored())
    with engine.begin() as connection:
        connection.execute(text("UPDATE involvements SET sealed = :s"), {"s": repacked})
    # ... and opened again on the way down, the encoding written back as the JSON it was then.
    config = db._config(engine)
    config.attributes["keyring"] = keyring
    command.downgrade(config, "0003")
    with engine.connect() as connection:
        clear = connection.execute(
            text("SELECT local_ref, practitioner_email, identity FROM involvements")
        ).all()
    assert [tuple(row[:2]) for row in clear] == [("R1", "jo@gmp.example")]
    assert EncodedIdentity.from_json(clear[0][2]) == identity


def test_every_migration_can_be_undone(engine: Engine) -> None:
    db.migrate(engine)
    command.downgrade(db._config(engine), "base")
    db.migrate(engine)
    assert db.is_current(engine)


def test_the_age_limits_kept_to_the_month_are_rounded_up_to_the_half_year(engine: Engine) -> None:
    """0012 (ADR 0034): never earlier than the rule; the expiry moves with the age limit where
    the limit set it, and stays where the end's retention set it."""
    config = db._config(engine)
    command.upgrade(config, "0011")
    rows = [  # ages_out, expires_on, end_date → ages_out, expires_on after
        ("2033-10-01", "2033-10-01", None, "2034-01-01", "2034-01-01"),  # active: the limit
        ("2030-03-01", "2030-03-01", "2029-06-10", "2030-07-01", "2030-07-01"),  # end + 12 later
        ("2030-03-01", "2030-03-01", "2029-02-10", "2030-07-01", "2030-03-01"),  # end + 12 first
        ("2031-05-01", "2028-02-01", "2027-01-05", "2031-07-01", "2028-02-01"),  # the end's
        ("2032-07-01", "2032-07-01", None, "2032-07-01", "2032-07-01"),  # a half-year already
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO agencies (code, name, authority_area, kind, duty_phone, duty_email,"
                " out_of_hours_phone, created_at, updated_at) VALUES ('GMP', 'Police', 'E08000003',"
                " 'police', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        for n, (ages, expiry, end, _, _) in enumerate(rows):
            connection.execute(
                text(
                    "INSERT INTO involvements (public_id, agency_id, kind, start_date, end_date,"
                    " shielded, sealed, identity_digest, ref_hash, ages_out, expires_on,"
                    " created_at, updated_at) VALUES (:p, 1, 'police-concern', '2026-01-01', :e,"
                    " false, :s, 'd', :h, :a, :x, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"p": f"inv{n}", "e": end, "s": b"x", "h": f"h{n}", "a": ages, "x": expiry},
            )
    db.migrate(engine, retention_months=12)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT ages_out, expires_on FROM involvements ORDER BY public_id")
        ).all()
    assert [(str(a), str(x)) for a, x in found] == [(a, x) for *_, a, x in rows]
    # Going down keeps the rounded values: the month is not recoverable, by design.
    command.downgrade(db._config(engine), "0011")
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT ages_out FROM involvements ORDER BY public_id"))
        assert [str(a) for (a,) in kept] == [a for *_, a, _ in rows]
