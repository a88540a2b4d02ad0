"""The use cases' rules over in-memory fakes (`tests/fakes.py`): who may call each use case, the
withdrawal rules, the enquiry limits and break-glass, and the model re-read. Milliseconds each;
the dual-database tests in tests/service are the integration tests of the same rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest

from conftest import make_agency, make_enquiry_row, make_register_row
from fakes import FakeWorld
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, LimitExceeded, NotFound, PermissionDenied
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.vocabulary import Role
from fingerpost.gateway import Gateway, parse_enquiry_row, parse_register_row
from fingerpost.matching.encode import EncodedQuery
from fingerpost.matching.score import DEFAULT_MODEL
from fingerpost.service.hub import Hub
from fingerpost.service.model_store import REREAD_EVERY
from fingerpost.service.permissions import USE_CASES
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.records import Registration
from fingerpost.service.sync import SnapshotSync

GATEWAY = Gateway(b"a linkage secret for fast tests!")
PURPOSE = "section 47 child protection enquiry"
TODAY = date(2026, 3, 2)
PRIYA = "priya.shah@leeds.example.org"  # the practitioner `make_register_row` names


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, in office hours

    def __call__(self) -> datetime:
        return self.now


def actor(role: Role, agency: str = "CSC-LDS", *, strong: bool = True, email: str = "") -> Actor:
    subject = email or f"{role.value}@{agency.lower()}"
    return Actor(subject, role.value, agency, role, email=email, strong_auth=strong)


ADMIN = actor(Role.AGENCY_ADMIN)
MAN_ADMIN = actor(Role.AGENCY_ADMIN, "CSC-MAN")


def query(**fields: str) -> EncodedQuery:
    return GATEWAY.encode(parse_enquiry_row(make_enquiry_row(**fields)).child, today=TODAY)


def registration(**fields: str) -> Registration:
    parsed = parse_register_row(make_register_row(**fields), TODAY)
    return Registration(parsed.local_ref, parsed.terms, GATEWAY.encode(parsed.child, today=TODAY))


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def hub_over(world: FakeWorld, clock: Clock, **policy: Any) -> Hub:
    factory = cast(Callable[[], UnitOfWork], world)  # the fake holds what these use cases use
    return Hub(factory, clock=clock, policy=EnquiryPolicy(**policy))


@pytest.fixture
def hub(world: FakeWorld, clock: Clock) -> Hub:
    made = hub_over(world, clock)
    made.import_agencies(ADMIN, [make_agency("CSC-LDS"), make_agency("CSC-MAN")])
    return made


@pytest.fixture
def involvement(hub: Hub) -> str:
    return hub.register(ADMIN, [registration(local_ref="LDS-1")]).ids[0]


# -- every use case refuses whom its declaration does not name ---------------------------------

Call = Callable[[Hub, Actor, str], object]
_CALLS: dict[str, Call] = {
    "agency.decommission": lambda h, a, i: h.decommission(a, "CSC-MAN"),
    "user.list": lambda h, a, i: h.users(a),
    "involvement.register": lambda h, a, i: h.register(a, [registration()]),
    "involvement.refresh-statistics": lambda h, a, i: h.refresh_statistics(a),
    "involvement.read": lambda h, a, i: h.get(a, i),
    "involvement.list": lambda h, a, i: h.list_involvements(a),
    "involvement.change": lambda h, a, i: h.end(a, i, None),
    "involvement.withdraw": lambda h, a, i: h.withdraw(a, i, "registered in error"),
    "involvement.shield": lambda h, a, i: h.shield(a, i, shielded=True, reason="a refuge"),
    "enquiry.make": lambda h, a, i: h.enquire(a, PURPOSE, query()),
    "enquiry.batch": lambda h, a, i: h.enquire_many(a, PURPOSE, [query()], batch=True),
    "enquiry.urgent": lambda h, a, i: h.enquire(a, PURPOSE, query(), urgent=True),
    "enquiry.override-shield": lambda h, a, i: h.enquire(
        a, PURPOSE, query(), override_reason="risk to life"
    ),
    "review.list": lambda h, a, i: h.reviews(a),
    "review.close": lambda h, a, i: h.close_review(a, "no-such-review", "justified"),
    "notification.list": lambda h, a, i: h.notifications(a),
    "notification.outbox": lambda h, a, i: h.outbox(a),
    "audit.search": lambda h, a, i: h.audit_events(a),
    "audit.verify": lambda h, a, i: h.verify_audit(a),
    "audit.head": lambda h, a, i: h.audit_head(a),
    "audit.checkpoints": lambda h, a, i: h.audit_checkpoints(a),
    "audit.prove-inclusion": lambda h, a, i: h.inclusion_proof(a, 1),
    "audit.prove-consistency": lambda h, a, i: h.consistency_proof(a, 1),
    "audit.export": lambda h, a, i: h.audit_export(a),
    "retention.expire": lambda h, a, i: h.expire(a),
    "retention.status": lambda h, a, i: h.retention_status(a),
    "key.rotate-agency": lambda h, a, i: h.rotate_agency_key(a, "CSC-MAN"),
    "key.rotate-master": lambda h, a, i: h.record_master_rotation(a, "m2", 3),
    "model.train": lambda h, a, i: h.train_model(a),
    "model.set-possible-rise": lambda h, a, i: h.set_possible_rise(a, 0.25, "recall first"),
    "subject.access-report": lambda h, a, i: h.subject_report(a, query(), reference="SAR-1"),
    "subject.family-notice": lambda h, a, i: h.family_notice(a, i),
    "involvement.sync": lambda h, a, i: SnapshotSync(
        h.context.uow, clock=h.context.clock, retention_months=12, max_end_share=0.5
    ).begin(a),
}

_REFUSED = [
    pytest.param(name, role, id=f"{name}-{role.value}")
    for name, permission in USE_CASES.items()
    if not permission.internal
    for role in Role
    if role not in permission.allowed(EnquiryPolicy())
]
_STRONG = [
    pytest.param(name, sorted(permission.allowed(EnquiryPolicy()))[0], id=name)
    for name, permission in USE_CASES.items()
    if permission.needs_strong(EnquiryPolicy())
]


def test_every_declared_use_case_that_checks_a_role_is_exercised_here() -> None:
    checked = {name for name, permission in USE_CASES.items() if not permission.internal}
    assert checked == set(_CALLS)


@pytest.mark.parametrize(("name", "role"), _REFUSED)
def test_a_role_outside_the_declaration_is_refused_before_anything_happens(
    hub: Hub, world: FakeWorld, involvement: str, name: str, role: Role
) -> None:
    before = (world.commits, len(world.events), set(world.involvements))
    with pytest.raises(PermissionDenied, match=f"the {role.value} role may not"):
        _CALLS[name](hub, actor(role), involvement)
    assert (world.commits, len(world.events), set(world.involvements)) == before


@pytest.mark.parametrize(("name", "role"), _STRONG)
def test_an_allowed_role_without_strong_sign_in_is_refused_where_the_policy_asks_it(
    hub: Hub, world: FakeWorld, involvement: str, name: str, role: Role
) -> None:
    commits = world.commits
    with pytest.raises(PermissionDenied, match="needs strong"):
        _CALLS[name](hub, actor(role, strong=False), involvement)
    assert world.commits == commits


# -- withdrawing, ending and another agency's ids ----------------------------------------------


def test_an_administrator_withdraws_saying_why_and_the_reason_is_audited(
    hub: Hub, world: FakeWorld, involvement: str
) -> None:
    hub.withdraw(ADMIN, involvement, "registered against the wrong child")
    assert involvement not in world.involvements
    [withdrawn] = [e for e in world.events if e.action.value == "involvement:withdrawn"]
    assert withdrawn.detail == {
        "involvement": involvement,
        "reason": "registered against the wrong child",
    }


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_withdrawal_without_a_reason_is_refused_and_changes_nothing(
    hub: Hub, world: FakeWorld, involvement: str, reason: str
) -> None:
    with pytest.raises(InvalidValue, match="reason"):
        hub.withdraw(ADMIN, involvement, reason)
    assert involvement in world.involvements


def test_another_agencys_involvement_answers_as_a_made_up_id(
    hub: Hub, world: FakeWorld, involvement: str
) -> None:
    with pytest.raises(NotFound):
        hub.withdraw(MAN_ADMIN, involvement, "registered in error")
    with pytest.raises(NotFound):
        hub.get(MAN_ADMIN, involvement)
    assert involvement in world.involvements


def test_a_practitioner_ends_the_involvement_naming_them_but_not_a_colleagues(
    hub: Hub, involvement: str
) -> None:
    colleague = actor(Role.PRACTITIONER, email="tom.reid@leeds.example.org")
    with pytest.raises(PermissionDenied, match="only the practitioner it names"):
        hub.end(colleague, involvement, None)
    named = actor(Role.PRACTITIONER, email=PRIYA.upper())
    assert hub.end(named, involvement, date(2026, 3, 1)).terms.end_date == date(2026, 3, 1)


# -- enquiry limits and break-glass ------------------------------------------------------------


def test_the_user_limit_refuses_audits_and_alerts_once(world: FakeWorld, clock: Clock) -> None:
    hub = hub_over(world, clock, per_user=2)
    hub.import_agencies(ADMIN, [make_agency("CSC-LDS"), make_agency("CSC-MAN")])
    for _ in range(2):
        hub.enquire(MAN_ADMIN, PURPOSE, query())
    for _ in range(2):
        with pytest.raises(LimitExceeded, match="you have made 2 enquiries") as refused:
            hub.enquire(MAN_ADMIN, PURPOSE, query())
        assert refused.value.retry_after == 3601
    assert world.actions().count("enquiry:made") == 2
    assert world.actions().count("enquiry:refused") == 2
    alerts = [n for n in world.notifications if n.kind == "alert"]
    assert [a.about["rule"] for a in alerts] == ["user-limit"]


def test_more_enquiries_in_one_call_than_the_limit_allows_are_refused_not_an_error(
    world: FakeWorld, clock: Clock
) -> None:
    hub = hub_over(world, clock, per_user=2)
    hub.import_agencies(ADMIN, [make_agency("CSC-LDS"), make_agency("CSC-MAN")])
    with pytest.raises(LimitExceeded, match="you have made 2 enquiries") as refused:
        hub.enquire_many(MAN_ADMIN, PURPOSE, [query(), query(), query()])
    assert refused.value.retry_after == 3601
    assert world.actions().count("enquiry:made") == 0


def test_a_batch_of_enquiries_is_for_an_administrator_signed_in_strongly(hub: Hub) -> None:
    weak_admin = actor(Role.AGENCY_ADMIN, "CSC-MAN", strong=False)
    with pytest.raises(PermissionDenied, match="batch needs strong"):
        hub.enquire_many(weak_admin, PURPOSE, [query()], batch=True)
    with pytest.raises(PermissionDenied, match="may not make batch enquiries"):
        hub.enquire_many(actor(Role.PRACTITIONER, "CSC-MAN"), PURPOSE, [query()], batch=True)


def test_an_urgent_enquiry_passes_the_limit_and_opens_a_review(
    world: FakeWorld, clock: Clock, involvement: str
) -> None:
    hub = hub_over(world, clock, per_user=1)
    hub.enquire(MAN_ADMIN, PURPOSE, query())
    result = hub.enquire(MAN_ADMIN, PURPOSE, query(), urgent=True)
    assert [s.agency for s in result.signposts] == ["CSC-LDS"]
    [review] = world.reviews.values()
    assert review.enquiry_id == result.enquiry_id
    assert "breakglass:used" in world.actions()
    del involvement


def test_an_enquiry_never_signposts_the_enquirers_own_agency(hub: Hub, involvement: str) -> None:
    assert hub.enquire(ADMIN, PURPOSE, query()).signposts == []
    assert len(hub.enquire(MAN_ADMIN, PURPOSE, query()).signposts) == 1
    del involvement


# -- the model in use --------------------------------------------------------------------------


def test_a_model_stored_by_another_process_is_used_after_the_reread_interval(
    hub: Hub, world: FakeWorld, clock: Clock
) -> None:
    assert hub.model.version == DEFAULT_MODEL.version
    newer = replace(DEFAULT_MODEL, version="em-trained-elsewhere")
    world.models.append((newer.version, newer.to_json()))  # `fingerpost model train`, elsewhere
    assert hub.model.version == DEFAULT_MODEL.version  # not looked for again yet
    clock.now += REREAD_EVERY
    hub.enquire(MAN_ADMIN, PURPOSE, query())
    [made] = [e for e in world.events if e.action.value == "enquiry:made"]
    assert made.detail["model"] == "em-trained-elsewhere"
    assert hub.model.version == "em-trained-elsewhere"


def test_a_model_given_to_the_hub_is_kept_until_a_newer_one_is_stored(
    world: FakeWorld, clock: Clock
) -> None:
    stored = replace(DEFAULT_MODEL, version="stored-before-start")
    world.models.append((stored.version, stored.to_json()))
    given = replace(DEFAULT_MODEL, version="given")
    hub = Hub(cast(Callable[[], UnitOfWork], world), clock=clock, model=given)
    clock.now += timedelta(hours=1)
    assert hub.model.version == "given"
