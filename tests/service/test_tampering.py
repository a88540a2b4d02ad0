"""Tampering with the stored audit log, at random: 100 tamperings of five kinds (edit a field,
delete an event, reorder events, truncate the log — its checkpoints too —, forge or append a
checkpoint), each on a fresh copy of one real log; `audit verify` finds every one. Runs on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, delete, insert, select, update

from conftest import Scenario
from fingerpost.adapters.db.tables import audit_checkpoints, audit_events
from fingerpost.audit.events import AuditAction, Checkpoint
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue

TAMPERINGS = 100
AUDITOR = Scenario.auditor()
CHILD = {"given_names": "Amelia", "family_name": "Nowak", "date_of_birth": "2012-10-30"}
STRANGER = {"given_names": "Chloe", "family_name": "Wright", "date_of_birth": "2011-12-25"}
Row = dict[str, Any]


@pytest.fixture
def logged(scenario: Scenario) -> Scenario:
    """A log of registrations, enquiries (some urgent), a token issue and reads, verified once
    so that the home keeps its head as the witness."""
    scenario.agency("CSC-BRM", authority_area="E08000025")
    scenario.agency("WMP", kind="police")
    scenario.register_one("CSC-BRM", **CHILD)
    scenario.register_one("CSC-BRM", given_names="Harry", family_name="Nowak")
    officer = scenario.practitioner("WMP", "pc@wmp.example")
    for number in range(12):
        child = CHILD if number % 3 else STRANGER
        scenario.fp.hub.enquire(
            officer, "emergency care", scenario.query(**child), urgent=number == 5
        )
    scenario.fp.hub.record(Actor.system("WMP"), AuditAction.TOKEN_ISSUED, role="practitioner")
    scenario.fp.hub.audit_events(scenario.auditor())
    assert scenario.fp.hub.verify_audit(AUDITOR) is None
    return scenario


def snapshot(connection: Connection) -> tuple[list[Row], list[Row]]:
    events = [dict(r._mapping) for r in connection.execute(select(audit_events))]
    heads = [dict(r._mapping) for r in connection.execute(select(audit_checkpoints))]
    return events, heads


def restore(connection: Connection, events: list[Row], heads: list[Row]) -> None:
    connection.execute(delete(audit_events))
    connection.execute(delete(audit_checkpoints))
    connection.execute(insert(audit_events), events)
    connection.execute(insert(audit_checkpoints), heads)


def other(value: str, choices: list[str], rng: random.Random) -> str:
    return rng.choice([choice for choice in choices if choice != value])


# Each edit gives a value different from the stored one.
EDITS = {
    "action": lambda v, rng: other(v, ["audit:read", "enquiry:made", "agency:imported"], rng),
    "actor": lambda v, rng: v + "x",
    "agency": lambda v, rng: other(v, ["GMP", "CSC-LDS", "OPS"], rng),
    "purpose": lambda v, rng: (v or "") + " (amended)",
    "result_count": lambda v, rng: v + rng.randint(1, 5),
    "urgent": lambda v, rng: not v,
    "at": lambda v, rng: v + timedelta(seconds=rng.randint(1, 3600)),
    "detail": lambda v, rng: json.dumps(json.loads(v) | {"tampered": str(rng.random())}),
    "leaf": lambda v, rng: rng.randbytes(32).hex(),
}


def tamper(connection: Connection, rng: random.Random, kind: str, events: list[Row]) -> None:
    size = len(events)
    if kind == "edit":
        row = rng.choice(events)
        column = rng.choice(sorted(EDITS))
        value = EDITS[column](row[column], rng)
        connection.execute(
            update(audit_events).where(audit_events.c.seq == row["seq"]).values({column: value})
        )
    elif kind == "delete":
        seq = rng.randint(1, size)
        connection.execute(delete(audit_events).where(audit_events.c.seq == seq))
    elif kind == "reorder":
        first, second = rng.sample(range(size), 2)
        a, b = events[first], events[second]
        content = [c for c in a if c not in {"seq", "leaf"}]
        for target, source in ((a, b), (b, a)):
            connection.execute(
                update(audit_events)
                .where(audit_events.c.seq == target["seq"])
                .values({c: source[c] for c in content} | {"leaf": source["leaf"]})
            )
    elif kind == "truncate":
        keep = rng.randint(0, size - 1)
        connection.execute(delete(audit_events).where(audit_events.c.seq > keep))
        if rng.random() < 0.5:  # the careful forger removes the newer checkpoints as well
            connection.execute(delete(audit_checkpoints).where(audit_checkpoints.c.size > keep))
    elif kind == "forge":
        heads = list(connection.execute(select(audit_checkpoints.c.size)).scalars())
        target = rng.choice(heads)
        way = rng.choice(["root", "size", "at", "signature", "foreign-key"])
        query = update(audit_checkpoints).where(audit_checkpoints.c.size == target)
        if way == "root":
            connection.execute(query.values(root=rng.randbytes(32).hex()))
        elif way == "size":
            free = max(heads) + rng.randint(1, 5)
            connection.execute(query.values(size=free))
        elif way == "at":
            [at] = connection.execute(
                select(audit_checkpoints.c.at).where(audit_checkpoints.c.size == target)
            ).scalars()
            connection.execute(query.values(at=at + timedelta(minutes=1)))
        elif way == "signature":
            connection.execute(query.values(signature=rng.randbytes(64).hex()))
        else:  # a head for invented history, signed with a key that is not the service's
            fake = Checkpoint(size=size + 1, root=rng.randbytes(32), at=events[-1]["at"])
            signature = Ed25519PrivateKey.generate().sign(fake.message())
            connection.execute(
                insert(audit_checkpoints).values(
                    size=fake.size,
                    root=fake.root.hex(),
                    at=fake.at,
                    signature=signature.hex(),
                    frontier="{}",
                )
            )
    else:
        raise AssertionError(kind)


def test_a_hundred_random_tamperings_are_all_detected(logged: Scenario) -> None:
    rng = random.Random(9162)
    engine = logged.fp.engine
    with engine.begin() as connection:
        events, heads = snapshot(connection)
    events.sort(key=lambda row: row["seq"])
    assert len(events) >= 20
    kinds = ["edit", "delete", "reorder", "truncate", "forge"]
    detected: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    for number in range(TAMPERINGS):
        kind = kinds[number % len(kinds)]
        with engine.begin() as connection:
            restore(connection, events, heads)
            tamper(connection, rng, kind, events)
        tried[kind] += 1
        if logged.fp.hub.verify_audit(AUDITOR) is not None:
            detected[kind] += 1
    with engine.begin() as connection:
        restore(connection, events, heads)
    assert logged.fp.hub.verify_audit(AUDITOR) is None  # the untouched copy still verifies
    assert detected == tried
    assert sum(detected.values()) == TAMPERINGS


def test_a_truncation_that_took_its_checkpoints_is_found_through_the_kept_witness(
    logged: Scenario,
) -> None:
    [(size,)] = logged.sql("SELECT max(seq) FROM audit_events")
    logged.sql("DELETE FROM audit_events WHERE seq > :keep", keep=int(size) - 3)  # type: ignore[call-overload]
    logged.sql("DELETE FROM audit_checkpoints WHERE size > :keep", keep=int(size) - 3)  # type: ignore[call-overload]
    assert logged.fp.hub.verify_audit(AUDITOR) == int(size) - 2  # type: ignore[call-overload]


def test_a_witness_the_service_did_not_sign_is_refused(logged: Scenario) -> None:
    [head] = logged.fp.hub.audit_checkpoints(AUDITOR)[-1:]
    forged = Checkpoint(size=head.size, root=head.root, at=head.at, signature=b"\0" * 64)
    with pytest.raises(InvalidValue, match="not signed by this service"):
        logged.fp.hub.verify_audit(AUDITOR, forged)
