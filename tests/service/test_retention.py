"""Retention, subject rights and provable destruction (docs/adr/0009).

Every involvement is forgotten on time — a set number of months after it ends, and in any case
when the child passes the age limit (18; 25 for a care leaver) — and a purge leaves no byte of it
in the database's files. Agencies' data is sealed with their own keys, so destroying a key makes
the data unreadable everywhere, old backups included; decommissioning proves it with a signed
certificate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from conftest import Scenario, make_register_row
from fingerpost.adapters.db.tables import metadata
from fingerpost.bootstrap import BackupError, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import NotFound, PermissionDenied
from fingerpost.domain.retention import ages_out, expires_on
from fingerpost.domain.vocabulary import Role

OPERATOR = Actor(subject="ops", name="Operator", agency="-", role=Role.OPERATOR)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.now = moment

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 10, 9, tzinfo=UTC))


@pytest.fixture
def timed(settings: Settings, clock: Clock) -> Iterator[Scenario]:
    installation = bootstrap(settings, clock=clock)
    yield Scenario(installation, today=clock.now.date())
    installation.close()


# -- the policy, month by month ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "care_leaver", "end", "months", "expected"),
    [
        # Ended: kept 12 months, from the first day of the month after.
        (date(2015, 6, 7), False, date(2025, 1, 15), 12, date(2026, 2, 1)),
        # The 18th birthday comes first: gone at the first 1 January or 1 July after its month
        # (ADR 0034): here the month after it...
        (date(2008, 6, 7), False, date(2026, 1, 15), 12, date(2026, 7, 1)),
        # ... here five months after it, the most the half-year adds.
        (date(2008, 7, 7), False, date(2026, 1, 15), 12, date(2027, 1, 1)),
        # A care leaver is kept to 25.
        (date(2008, 6, 7), True, date(2026, 1, 15), 12, date(2027, 2, 1)),
        # Still active: only the age limit.
        (date(2015, 6, 7), False, None, 12, date(2033, 7, 1)),
        # Age unknown, still active: the latest the child could turn 18 (born at most nine
        # months after the work started, as pre-birth work may), to the half-year.
        (None, False, None, 12, date(2045, 1, 1)),
        # A 29 February birthday in a year without one.
        (date(2008, 2, 29), False, None, 12, date(2026, 7, 1)),
        # No retention after the end: gone the month after it ends.
        (None, False, date(2026, 12, 31), 0, date(2027, 1, 1)),
    ],
)
def test_an_involvement_expires_after_its_end_and_at_the_latest_at_the_age_limit(
    born: date | None, care_leaver: bool, end: date | None, months: int, expected: date | None
) -> None:
    limit = ages_out(born, care_leaver=care_leaver, start=date(2026, 2, 10))
    assert expires_on(limit, end, months) == expected


def test_the_hub_stores_half_years_and_months_only_never_the_date_of_birth(
    timed: Scenario,
) -> None:
    timed.agency("CSC-LDS")
    involvement = timed.register_one("CSC-LDS", date_of_birth="2015-09-07", end_date="2026-01-20")
    stored = timed.fp.hub.get(Actor.system("CSC-LDS"), involvement)
    # A September birthday: the age limit is kept as the next 1 January, not 1 October.
    assert (stored.ages_out, stored.expires_on) == (date(2034, 1, 1), date(2027, 2, 1))
    assert all(day.day == 1 for day in (stored.ages_out, stored.expires_on))


def test_a_care_leaver_column_keeps_the_record_to_25(timed: Scenario) -> None:
    timed.agency("CSC-LDS")
    involvement = timed.register_one("CSC-LDS", date_of_birth="2008-06-07", care_leaver="yes")
    assert timed.fp.hub.get(Actor.system("CSC-LDS"), involvement).expires_on == date(2033, 7, 1)


def test_ending_an_involvement_brings_its_expiry_forward(timed: Scenario) -> None:
    timed.agency("CSC-LDS")
    involvement = timed.register_one("CSC-LDS", date_of_birth="2015-06-07")
    ended = timed.fp.hub.end(Actor.system("CSC-LDS"), involvement, date(2026, 3, 1))
    assert ended.expires_on == date(2027, 4, 1)


# -- expiry under a controllable clock --------------------------------------------------------


def test_expiry_purges_at_the_start_of_the_expiry_month_and_not_a_day_before(
    timed: Scenario, clock: Clock
) -> None:
    timed.agency("CSC-LDS")
    timed.agency("GMP", kind="police")
    ended = timed.register_one("CSC-LDS", end_date="2026-03-05")  # expires 2027-04-01
    timed.register_one("GMP", practitioner_email="jo@gmp.example.org")  # linked, kept
    assert timed.count("links") == 1

    clock.set(date(2027, 3, 31))
    assert timed.fp.expire().involvements == 0
    clock.set(date(2027, 4, 1))
    purged = timed.fp.expire()

    assert (purged.involvements, purged.links) == (1, 1)
    assert purged.blocking_keys > 0
    assert purged.notifications == 2
    with pytest.raises(NotFound, match="no such involvement"):
        timed.fp.hub.get(Actor.system("CSC-LDS"), ended)
    assert timed.count("involvements") == 1
    events = timed.sql("SELECT detail FROM audit_events WHERE action = 'involvement:expired'")
    assert [json.loads(str(d))["involvements"] for (d,) in events] == ["1"]
    assert timed.fp.hub.verify_audit(OPERATOR) is None


def test_an_expired_involvement_is_no_longer_counted(timed: Scenario, clock: Clock) -> None:
    timed.agency("CSC-LDS")
    timed.agency("GMP", kind="police")
    timed.register_one("CSC-LDS", end_date="2026-03-05")  # expires 2027-04-01
    timed.register_one("GMP")
    assert timed.name_counts() == (2, 2)
    clock.set(date(2027, 4, 1))
    assert timed.fp.expire().involvements == 1
    assert timed.name_counts() == (1, 1)


def test_operators_see_what_is_due_to_expire_and_when_the_last_purge_ran(
    timed: Scenario, clock: Clock
) -> None:
    timed.agency("CSC-LDS")
    timed.register_one("CSC-LDS", end_date="2026-03-05")  # expires 2027-04-01
    timed.register_one("CSC-LDS", given_names="Amelia", end_date="2026-03-20")  # 2027-04-01
    timed.register_one("CSC-LDS", given_names="Grace")  # open: kept until the age limit
    hub = timed.fp.hub

    clock.set(date(2027, 3, 10))
    before = hub.retention_status(OPERATOR)
    assert (before.due, before.due_within_30_days) == (0, 2)
    assert before.last_purge_at is None

    clock.set(date(2027, 4, 1))
    assert hub.retention_status(OPERATOR).due == 2
    timed.fp.expire()
    after = hub.retention_status(OPERATOR)
    assert (after.due, after.due_within_30_days) == (0, 0)
    assert after.last_purge_at == clock.now
    assert after.last_purge_removed == 2
    with pytest.raises(PermissionDenied):
        hub.retention_status(Actor.system("CSC-LDS"))


def test_expiry_is_for_operators(timed: Scenario) -> None:
    with pytest.raises(PermissionDenied):
        timed.fp.hub.expire(Actor.system("CSC-LDS"))


# -- zero bytes after a purge ------------------------------------------------------------------


def _files(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file() and p.name.startswith("fingerpost.db")]


def _stored_bytes(timed: Scenario, home: Path) -> dict[str, bytes]:
    """SQLite: every database file (db, -wal, -journal) as it lies on disk. PostgreSQL, whose
    files are the server's (there crypto-shredding is the guarantee, see ADR 0009): every row
    of every table."""
    if timed.fp.engine.dialect.name == "sqlite":
        return {path.name: path.read_bytes() for path in _files(home)}
    with timed.fp.engine.connect() as connection:
        return {
            table.name: b"".join(
                bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                for row in connection.execute(table.select())
                for v in row
            )
            for table in metadata.sorted_tables
        }


def test_after_a_purge_no_byte_of_the_purged_involvements_remains(
    timed: Scenario, clock: Clock, home: Path
) -> None:
    timed.agency("CSC-LDS")
    timed.agency("GMP", kind="police")
    gone = [
        timed.registration(
            {
                **row,
                "local_ref": f"PURGE-REF-{n:04d}",
                "practitioner_email": f"gone{n}@purge.example",
            }
        )
        for n, row in enumerate(
            _rows(
                [
                    ("Ezekiel", "Quartermaine"),
                    ("Philippa", "Wolstenholme"),
                    ("Barnaby", "Featherstonehaugh"),
                ]
            )
        )
    ]
    timed.fp.hub.register(Actor.system("CSC-LDS"), gone)
    timed.register_one("GMP", given_names="Philippa", family_name="Wolstenholme",
                       practitioner_email="kept@gmp.example")  # fmt: skip
    ids = [s.id for s in timed.fp.hub.list_involvements(Actor.system("CSC-LDS"))]
    assert len(ids) == 3
    blobs = [
        bytes(b) for (b,) in timed.sql("SELECT sealed FROM involvements WHERE shielded = false")
    ]
    identities = [g.child.identity.to_stored() for g in gone]
    needles = [
        *(f"PURGE-REF-{n:04d}".encode() for n in range(3)),
        *(f"gone{n}@purge.example".encode() for n in range(3)),
        *(blob[16:48] for blob in blobs),  # the sealed fields as stored
        # The encodings themselves: stretches from the start, middle and end of each.
        *(i[k : k + 32] for i in identities for k in (10, len(i) // 2, len(i) - 40)),
    ]
    before = b"".join(_stored_bytes(timed, home).values())
    assert all(blob[16:48] in before for blob in blobs)  # the scan sees what is there
    clock.set(date(2034, 1, 1))  # every child here is past 18
    assert timed.fp.expire().involvements == 4
    found = [
        (where, needle[:20])
        for where, content in _stored_bytes(timed, home).items()
        for needle in needles
        if needle in content
    ]
    assert found == []


def _rows(names: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [make_register_row(given_names=g, family_name=f) for g, f in names]


# -- encryption at rest and crypto-shredding --------------------------------------------------


def test_stored_fields_are_sealed_and_lookups_still_work(scenario: Scenario) -> None:
    scenario.agency("CSC-LDS")
    row_fields = {"local_ref": "LDS-SECRET-77", "practitioner_email": "sealed@leeds.example"}
    first = scenario.register_one("CSC-LDS", **row_fields)
    raw = b"".join(
        bytes(b) if isinstance(b, bytes | memoryview) else str(b).encode()
        for row in scenario.sql("SELECT * FROM involvements")
        for b in row
        if b is not None
    )
    assert b"LDS-SECRET-77" not in raw
    assert b"sealed@leeds.example" not in raw
    # Idempotent on (agency, local_ref, involvement) through the keyed hash.
    again = scenario.register("CSC-LDS", {**_rows([("Olivia", "Harrison")])[0], **row_fields})
    assert again.ids == [first]
    assert again.created == 0
    listed = scenario.fp.hub.list_involvements(Actor.system("CSC-LDS"), local_ref="LDS-SECRET-77")
    assert [s.id for s in listed] == [first]


def test_rotating_an_agency_key_reseals_its_rows_and_destroys_the_old_key(
    scenario: Scenario, home: Path
) -> None:
    scenario.agency("CSC-LDS")
    involvement = scenario.register_one("CSC-LDS", local_ref="ROT-1")
    version, rows = scenario.fp.hub.rotate_agency_key(OPERATOR, "CSC-LDS")
    assert (version, rows) == (2, 1)
    assert scenario.fp.keyring is not None
    assert scenario.fp.keyring.versions("CSC-LDS") == [2]
    fresh = bootstrap(scenario.fp.settings)  # no key cached: read from the files
    try:
        assert fresh.hub.get(Actor.system("CSC-LDS"), involvement).key.local_ref == "ROT-1"
        _master, rewrapped = fresh.rotate_master_key(OPERATOR)
        assert rewrapped == 1
    finally:
        fresh.close()
    again = bootstrap(scenario.fp.settings)
    try:
        assert again.hub.get(Actor.system("CSC-LDS"), involvement).key.local_ref == "ROT-1"
    finally:
        again.close()


def admin(agency: str) -> Actor:
    return Actor(subject=f"admin@{agency}", name="Admin", agency=agency, role=Role.AGENCY_ADMIN)


def _two_agencies(scenario: Scenario) -> tuple[str, str]:
    scenario.agency("CSC-LDS")
    scenario.agency("GMP", kind="police")
    leeds = scenario.register_one("CSC-LDS", local_ref="LDS-1")
    police = scenario.register_one("GMP", local_ref="GMP-1", practitioner_email="jo@gmp.example")
    return leeds, police


def test_a_backup_restores_in_full_and_its_audit_log_verifies(
    scenario: Scenario, tmp_path: Path
) -> None:
    leeds, _police = _two_agencies(scenario)
    target = tmp_path / "fingerpost.backup"
    made = scenario.fp.backup(OPERATOR, target)
    assert made.rows > 0
    assert b"LDS-1" not in target.read_bytes()
    scenario.fp.hub.withdraw(Actor.system("CSC-LDS"), leeds, "registered in error")
    assert scenario.fp.hub.verify_audit(OPERATOR) is None  # the home keeps this longer log's head
    [(longer,)] = scenario.sql("SELECT max(seq) FROM audit_events")
    restored = scenario.fp.restore(OPERATOR, target)

    assert restored.tables == made.tables
    assert scenario.fp.hub.get(Actor.system("CSC-LDS"), leeds).key.local_ref == "LDS-1"
    assert scenario.fp.hub.verify_audit(OPERATOR) is None
    # The rollback is on record: the restore names the head of the log it replaced.
    [restore] = [
        e for e in scenario.fp.hub.audit_events(scenario.auditor()) if e.action == "backup:restored"
    ]
    assert restore.detail["superseded_size"] == str(longer)
    # Writing goes on after a restore (ids continue past the restored rows).
    scenario.register_one("CSC-LDS", local_ref="LDS-2", given_names="Amelia")
    assert scenario.count("involvements") == 3


def test_an_altered_or_foreign_backup_is_refused_and_changes_nothing(
    scenario: Scenario, tmp_path: Path
) -> None:
    _two_agencies(scenario)
    target = tmp_path / "fingerpost.backup"
    scenario.fp.backup(OPERATOR, target)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 1
    target.write_bytes(bytes(data))
    with pytest.raises(BackupError):
        scenario.fp.restore(OPERATOR, target)
    assert scenario.count("involvements") == 2


def test_after_an_agency_key_is_shredded_an_older_backup_cannot_reveal_its_data(
    scenario: Scenario, tmp_path: Path
) -> None:
    leeds, police = _two_agencies(scenario)
    target = tmp_path / "before.backup"
    scenario.fp.backup(OPERATOR, target)
    scenario.fp.decommission(OPERATOR, "CSC-LDS")
    scenario.fp.restore(OPERATOR, target)  # the old backup, rows and all

    assert scenario.count("involvements") == 2  # the rows are back ...
    assert scenario.fp.hub.list_involvements(Actor.system("CSC-LDS")) == []  # ... unreadable
    with pytest.raises(NotFound, match="no such involvement"):
        scenario.fp.hub.get(Actor.system("CSC-LDS"), leeds)
    # Only that agency: the police involvement reads as before, and finds nobody at Leeds.
    assert scenario.fp.hub.get(Actor.system("GMP"), police).key.local_ref == "GMP-1"
    assert scenario.enquire("GMP").signposts == []
    # What the police were told about Leeds' practitioner was sealed with Leeds' key too.
    [told] = [n for n in scenario.fp.hub.notifications(admin("GMP")) if n.kind == "link"]
    assert told.about == {}
    assert scenario.fp.hub.verify_audit(OPERATOR) is None


# -- decommissioning and its certificate ------------------------------------------------------


def test_decommissioning_an_agency_destroys_its_data_and_certifies_it(
    scenario: Scenario,
) -> None:
    _leeds, _police = _two_agencies(scenario)
    signed = scenario.fp.decommission(OPERATOR, "CSC-LDS")
    certificate = scenario.fp.verify_certificate(signed)

    assert certificate["scope"] == "agency"
    assert certificate["agencies"] == ["CSC-LDS"]
    destroyed = certificate["destroyed"]
    assert isinstance(destroyed, dict)
    assert (destroyed["involvements"], destroyed["links"], destroyed["data_keys"]) == (1, 1, 1)
    checkpoints = scenario.fp.hub.audit_checkpoints(OPERATOR)
    assert certificate["audit"] == {
        "size": checkpoints[-1].size,
        "root": checkpoints[-1].root.hex(),
    }
    assert scenario.count("involvements") == 1
    with pytest.raises(PermissionDenied, match="has left"):
        scenario.register_one("CSC-LDS")
    # Its users' tokens outlive it, but they can no longer ask about anyone.
    leeds_worker = scenario.practitioner("CSC-LDS", "sw@leeds.example")
    with pytest.raises(PermissionDenied, match="has left"):
        scenario.enquire("CSC-LDS", actor=leeds_worker)
    # Run again (e.g. after an interruption): nothing is left to destroy, and it says so.
    again = scenario.fp.verify_certificate(scenario.fp.decommission(OPERATOR, "CSC-LDS"))
    assert again["destroyed"] == dict.fromkeys(destroyed, 0)


def test_closing_the_service_destroys_everything(scenario: Scenario) -> None:
    _two_agencies(scenario)
    certificate = scenario.fp.verify_certificate(scenario.fp.decommission(OPERATOR, None))
    assert certificate["scope"] == "service"
    assert certificate["agencies"] == ["CSC-LDS", "GMP"]
    assert scenario.count("involvements") == 0
    assert scenario.count("notifications") == 0
    assert scenario.fp.hub.verify_audit(OPERATOR) is None


def test_a_certificate_changed_by_one_byte_does_not_verify(scenario: Scenario) -> None:
    _two_agencies(scenario)
    signed = scenario.fp.decommission(OPERATOR, "GMP")
    for position in (0, len(signed) // 3, len(signed) // 2, len(signed) - 2):
        changed = bytearray(signed)
        changed[position] = ord("7") if changed[position] != ord("7") else ord("8")
        with pytest.raises(ValueError, match=r"changed|signature|not a destruction"):
            scenario.fp.verify_certificate(bytes(changed))
    assert scenario.fp.verify_certificate(signed)["scope"] == "agency"


# -- subject access and family notices --------------------------------------------------------


def test_a_subject_access_report_lists_what_is_held_who_looked_and_who_was_told(
    scenario: Scenario,
) -> None:
    leeds, police = _two_agencies(scenario)
    scenario.register_one("CSC-LDS", given_names="Someone", family_name="Else",
                          date_of_birth="2012-01-01", local_ref="OTHER")  # fmt: skip
    asker = scenario.practitioner("GMP", "dc.patel@gmp.example")
    scenario.enquire("GMP", actor=asker)
    report = scenario.fp.hub.subject_report(
        scenario.auditor(), scenario.query(), reference="SAR-2026-014"
    )
    assert sorted(h.involvement.id for h in report.involvements) == sorted([leeds, police])
    [enquiry] = report.enquiries
    assert (enquiry.actor, enquiry.agency, enquiry.involvements) == (
        "dc.patel@gmp.example",
        "GMP",
        [leeds],
    )
    kinds = sorted(n.kind for n in report.notifications)
    assert kinds == ["enquiry", "link", "link"]
    [event] = [
        e
        for e in scenario.fp.hub.audit_export(OPERATOR)
        if e[1].action == "subject-access:reported"
        for e in scenario.fp.hub.audit_export(OPERATOR)
        if e[1].action == "subject-access:reported"
    ]
    assert event[1].purpose == "SAR-2026-014"
    assert event[1].result_count == 2


def test_subject_access_is_for_auditors(scenario: Scenario) -> None:
    with pytest.raises(PermissionDenied):
        scenario.fp.hub.subject_report(Actor.system("GMP"), scenario.query(), reference="x")


def test_a_family_notice_names_the_agency_what_is_held_how_long_and_how_to_ask(
    scenario: Scenario,
) -> None:
    from fingerpost.entrypoints.reports import notice_html, notice_text

    scenario.agency("CSC-LDS")
    involvement = scenario.register_one("CSC-LDS", local_ref="LDS-9", end_date="2026-01-20")
    produced = scenario.fp.hub.family_notice(Actor.system("CSC-LDS"), involvement)
    text = notice_text(produced)
    assert "CSC-LDS children's services" in text
    assert "end of January 2027" in text
    assert "0161 234 5000" in text
    assert "subject access request" in text
    assert "LDS-9" in text
    assert "Harrison" not in text
    assert "<h1>" in notice_html(produced)
    with pytest.raises(NotFound, match="no such involvement"):
        scenario.fp.hub.family_notice(Actor.system("GMP"), involvement)


def test_decommissioning_needs_an_operator(scenario: Scenario) -> None:
    _two_agencies(scenario)
    with pytest.raises(PermissionDenied):
        scenario.fp.hub.decommission(Actor.system("GMP"), "GMP")


def test_a_purge_hands_the_freed_pages_back_to_the_file_system(
    timed: Scenario, clock: Clock, home: Path
) -> None:
    if timed.fp.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL manages its own files (VACUUM marks the space reusable)")
    timed.agency("CSC-LDS")
    rows = _rows([(f"Given{n:03d}x", f"Family{n:03d}y") for n in range(300)])
    timed.register("CSC-LDS", *rows)
    before = sum(path.stat().st_size for path in _files(home))
    clock.set(date(2034, 1, 1))
    assert timed.fp.expire().involvements == 300
    [(free,)] = timed.sql("PRAGMA freelist_count")
    assert free == 0
    assert sum(path.stat().st_size for path in _files(home)) < before / 2


def test_an_involvement_withdrawn_in_error_leaves_no_byte_at_once(
    timed: Scenario, home: Path
) -> None:
    timed.agency("CSC-LDS")
    involvement = timed.register_one("CSC-LDS", local_ref="ERROR-REF-1")
    [(blob,)] = timed.sql("SELECT sealed FROM involvements")
    needle = bytes(blob)[16:48]  # type: ignore[call-overload]
    assert needle in b"".join(_stored_bytes(timed, home).values())
    timed.fp.hub.withdraw(Actor.system("CSC-LDS"), involvement, "registered in error")
    assert all(needle not in content for content in _stored_bytes(timed, home).values())
