"""Who may look and why: a purpose for every enquiry, limits against browsing that refuse and
alert, anomaly rules that alert, and break-glass that passes the limits but must be reviewed."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from conftest import Scenario, make_register_row
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError, InvalidValue, LimitExceeded, PermissionDenied
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.values import parse_purpose
from fingerpost.domain.vocabulary import Purpose, Role
from fingerpost.service.hub import Hub

CHILD = {"given_names": "Kayden", "family_name": "Marsh", "date_of_birth": "2014-06-02"}
NOBODY = {"given_names": "Nobody", "family_name": "Registered", "date_of_birth": "2012-01-01"}
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 12:00 in London
NIGHT = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 23:30 in London (GMT in November)


@dataclass
class Clock:
    now: datetime = NOON
    tick: timedelta = field(default=timedelta(seconds=1))

    def __call__(self) -> datetime:
        self.now += self.tick
        return self.now


@pytest.fixture
def world(scenario: Scenario) -> Scenario:
    scenario.agency("CSC-MAN", duty_email="duty@csc.example")
    scenario.agency("GMP", duty_email="duty@gmp.example")
    scenario.register("CSC-MAN", make_register_row(**CHILD, local_ref="C-1"))
    return scenario


def hub_with(world: Scenario, clock: Clock, **policy: object) -> Hub:
    return Hub(world.fp.unit_of_work, clock=clock, policy=replace(EnquiryPolicy(), **policy))  # type: ignore[arg-type]


def officer(name: str = "DC Jo Patel", email: str = "jo.patel@gmp.example") -> Actor:
    return Scenario.practitioner("GMP", email, name=name)


def ask(
    world: Scenario, hub: Hub, actor: Actor, *, urgent: bool = False, **child: str
) -> Callable[[], object]:
    return lambda: hub.enquire(
        actor, "emergency care", world.query(**(child or CHILD)), urgent=urgent
    )


def actions(world: Scenario) -> list[str]:
    return [str(row[0]) for row in world.sql("SELECT action FROM audit_events ORDER BY seq")]


def alerts(world: Scenario) -> list[str]:
    admin = Actor(subject="admin@gmp", name="Admin", agency="GMP", role=Role.AGENCY_ADMIN)
    return [n.about["rule"] for n in world.fp.hub.notifications(admin) if n.kind == "alert"]


class TestPurpose:
    @pytest.mark.parametrize(
        ("stated", "code"),
        [
            ("emergency-care", Purpose.EMERGENCY_CARE),
            ("Emergency care", Purpose.EMERGENCY_CARE),
            ("  child   protection enquiry ", Purpose.CHILD_PROTECTION_ENQUIRY),
            ("Police investigation", Purpose.POLICE_INVESTIGATION),
        ],
    )
    def test_a_fixed_purpose_is_recognised_by_code_or_words(
        self, stated: str, code: Purpose
    ) -> None:
        assert parse_purpose(stated).code is code

    def test_other_words_are_kept_as_the_reason_for_other(self) -> None:
        stated = parse_purpose("missing from home, found at station")
        assert (stated.code, str(stated)) == (Purpose.OTHER, "missing from home, found at station")
        assert str(parse_purpose("other: welfare check")) == "welfare check"

    @pytest.mark.parametrize("stated", ["", "   ", "other", "other:", "x" * 201])
    def test_no_purpose_a_bare_other_or_an_essay_is_refused(self, stated: str) -> None:
        with pytest.raises(InvalidValue, match="purpose"):
            parse_purpose(stated)

    def test_the_purpose_code_is_recorded_with_each_enquiry(self, world: Scenario) -> None:
        world.fp.hub.enquire(officer(), "Emergency care", world.query(**CHILD))
        detail = world.sql(
            "SELECT purpose, detail FROM audit_events WHERE action = 'enquiry:made'"
        )[0]
        assert detail[0] == "Emergency care"
        assert json.loads(str(detail[1]))["purpose_code"] == "emergency-care"


class TestLimits:
    def test_the_enquiry_over_a_users_limit_is_refused_recorded_and_alerted(
        self, world: Scenario
    ) -> None:
        hub = hub_with(world, Clock(), per_user=3)
        for _ in range(3):
            ask(world, hub, officer())()
        with pytest.raises(LimitExceeded) as refused:
            ask(world, hub, officer())()
        assert 0 < refused.value.retry_after <= 3600
        assert actions(world).count("enquiry:made") == 3  # the refused one disclosed nothing
        assert actions(world).count("enquiry:refused") == 1
        assert alerts(world) == ["user-limit"]

    def test_the_administrators_are_alerted_once_per_window_not_at_every_refusal(
        self, world: Scenario
    ) -> None:
        hub = hub_with(world, Clock(), per_user=1)
        ask(world, hub, officer())()
        for _ in range(3):
            with pytest.raises(LimitExceeded):
                ask(world, hub, officer())()
        assert actions(world).count("enquiry:refused") == 3
        assert alerts(world) == ["user-limit"]

    def test_one_users_limit_does_not_stop_a_colleague(self, world: Scenario) -> None:
        hub = hub_with(world, Clock(), per_user=1)
        ask(world, hub, officer())()
        ask(world, hub, officer("PC Sam Lee", "sam.lee@gmp.example"))()
        with pytest.raises(LimitExceeded):
            ask(world, hub, officer())()

    def test_the_agency_limit_counts_everyone_at_the_agency(self, world: Scenario) -> None:
        hub = hub_with(world, Clock(), per_user=10, per_agency=2)
        ask(world, hub, officer())()
        ask(world, hub, officer("PC Sam Lee", "sam.lee@gmp.example"))()
        with pytest.raises(LimitExceeded, match="your agency"):
            ask(world, hub, officer("PC Ali Khan", "ali.khan@gmp.example"))()
        assert alerts(world) == ["agency-limit"]

    def test_enquiries_are_allowed_again_once_the_window_has_room(self, world: Scenario) -> None:
        clock = Clock()
        hub = hub_with(world, clock, per_user=2)
        ask(world, hub, officer())()
        ask(world, hub, officer())()
        with pytest.raises(LimitExceeded) as refused:
            ask(world, hub, officer())()
        clock.now += timedelta(seconds=refused.value.retry_after)
        ask(world, hub, officer())()  # the first enquiry has left the window

    def test_the_operators_batch_channel_is_recorded_but_not_rate_limited(
        self, world: Scenario
    ) -> None:
        hub = hub_with(world, Clock(), per_user=1, per_agency=1)
        results = hub.enquire_many(
            Actor.system("GMP"), "emergency care", [world.query(**CHILD)] * 5, batch=True
        )
        assert len(results) == 5
        assert actions(world).count("enquiry:made") == 5


class TestAnomalies:
    def test_many_enquiries_finding_nobody_alert_the_administrators_once(
        self, world: Scenario
    ) -> None:
        hub = hub_with(world, Clock(), no_match_alert=3)
        for _ in range(5):
            ask(world, hub, officer(), **NOBODY)()
        assert alerts(world) == ["no-match-burst"]

    def test_enquiries_that_find_the_child_are_not_counted_as_browsing(
        self, world: Scenario
    ) -> None:
        hub = hub_with(world, Clock(), no_match_alert=3)
        for _ in range(5):
            ask(world, hub, officer())()
        assert alerts(world) == []

    def test_a_burst_of_out_of_hours_enquiries_alerts_the_administrators(
        self, world: Scenario
    ) -> None:
        hub = hub_with(world, Clock(now=NIGHT), out_of_hours_alert=3)
        for _ in range(4):
            ask(world, hub, officer())()
        assert alerts(world) == ["out-of-hours-volume"]

    def test_the_same_volume_in_the_day_raises_nothing(self, world: Scenario) -> None:
        hub = hub_with(world, Clock(now=NOON), out_of_hours_alert=3)
        for _ in range(4):
            ask(world, hub, officer())()
        assert alerts(world) == []


class TestBreakGlass:
    def test_an_urgent_enquiry_passes_the_limit_is_flagged_and_opens_a_review(
        self, world: Scenario
    ) -> None:
        hub = hub_with(world, Clock(), per_user=1)
        ask(world, hub, officer())()
        result = ask(world, hub, officer(), urgent=True)()
        assert result.signposts  # type: ignore[attr-defined]
        urgent = world.sql("SELECT urgent FROM audit_events WHERE action = 'enquiry:made'")
        assert [bool(u[0]) for u in urgent] == [False, True]
        assert "breakglass:used" in actions(world)
        assert alerts(world) == ["break-glass"]
        [review] = world.fp.hub.reviews(Scenario.auditor())
        assert (review.actor_name, review.agency, review.purpose) == (
            "DC Jo Patel",
            "GMP",
            "Emergency care",
        )
        assert review.enquiry_id == result.enquiry_id  # type: ignore[attr-defined]

    def test_only_allowed_roles_may_break_glass(self, world: Scenario) -> None:
        hub = hub_with(world, Clock(), urgent_roles=frozenset({Role.AGENCY_ADMIN}))
        with pytest.raises(PermissionDenied, match="urgent"):
            ask(world, hub, officer(), urgent=True)()
        ask(world, hub, Actor.system("GMP"), urgent=True)()

    def test_an_auditor_closes_a_review_once_with_an_outcome(self, world: Scenario) -> None:
        ask(world, world.fp.hub, officer(), urgent=True)()
        auditor = Scenario.auditor()
        [review] = world.fp.hub.reviews(auditor)
        closed = world.fp.hub.close_review(auditor, review.id, "justified", "child in A&E")
        assert (closed.outcome, closed.closed_by) == ("justified", auditor.subject)
        assert world.fp.hub.reviews(auditor) == []  # nothing left open
        assert [r.outcome for r in world.fp.hub.reviews(auditor, open_only=False)] == ["justified"]
        with pytest.raises(InvalidValue, match="already closed"):
            world.fp.hub.close_review(auditor, review.id, "not-justified")
        assert actions(world).count("review:closed") == 1

    def test_a_review_needs_a_known_outcome(self, world: Scenario) -> None:
        ask(world, world.fp.hub, officer(), urgent=True)()
        [review] = world.fp.hub.reviews(Scenario.auditor())
        with pytest.raises(InvalidValue, match="outcome"):
            world.fp.hub.close_review(Scenario.auditor(), review.id, "fine")

    @pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AGENCY_ADMIN, Role.OPERATOR])
    def test_only_auditors_see_or_close_reviews(self, world: Scenario, role: Role) -> None:
        ask(world, world.fp.hub, officer(), urgent=True)()
        someone = replace(officer(), role=role)
        with pytest.raises(PermissionDenied):
            world.fp.hub.reviews(someone)
        review_id = world.fp.hub.reviews(Scenario.auditor())[0].id
        with pytest.raises(DomainError):
            world.fp.hub.close_review(someone, review_id, "justified")
