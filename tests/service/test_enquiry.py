"""Enquiring: who else works with this child, and how to reach them. Never the enquirer's own
agency, never a score, a purpose every time, shielded involvements by their duty desk only, and the
registered practitioner told that someone asked. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest
import sqlalchemy

from conftest import PURPOSE
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError, PermissionDenied
from fingerpost.matching.score import DEFAULT_MODEL
from fingerpost.service.hub import Hub
from fingerpost.service.records import SignpostView

if TYPE_CHECKING:
    from conftest import Scenario

CHILD = {
    "given_names": "Zoë",
    "family_name": "O'Brien",
    "date_of_birth": "2016-04-03",
    "postcode": "M14 5RP",
    "nhs_number": "9434765919",
}


@pytest.fixture
def scenario(scenario: Scenario) -> Scenario:
    scenario.agency(
        "CSC-MAN",
        name="Manchester children's services",
        authority_area="E08000003",
        duty_phone="0161 234 5001",
        duty_email="duty@manchester.example",
    )
    scenario.agency("GMP", name="Greater Manchester Police", kind="police")
    scenario.agency("NHS-MFT", name="Manchester University NHS FT", kind="health")
    return scenario


def test_an_enquiry_signposts_another_agencys_practitioner(scenario: Scenario) -> None:
    scenario.register_one(
        "CSC-MAN",
        **CHILD,
        involvement="child-protection-plan",
        practitioner_name="Priya Shah",
        practitioner_role="Social worker",
        practitioner_phone="0161 234 5678",
        practitioner_email="priya.shah@manchester.example",
        start_date="2024-03-01",
    )
    [signpost] = scenario.enquire(
        "GMP", given_names="Zoe", family_name="OBrien", date_of_birth="03/04/2016"
    ).signposts
    assert signpost.confidence == "strong"
    assert (signpost.agency, signpost.agency_name, signpost.authority_area) == (
        "CSC-MAN",
        "Manchester children's services",
        "E08000003",
    )
    assert (signpost.practitioner_name, signpost.practitioner_role) == (
        "Priya Shah",
        "Social worker",
    )
    assert signpost.practitioner_phone == "0161 234 5678"
    assert signpost.practitioner_email == "priya.shah@manchester.example"
    assert signpost.involvement == "child-protection-plan"
    assert signpost.start_date.isoformat() == "2024-03-01"
    assert "date of birth" in signpost.why
    assert not signpost.shielded


def test_a_signpost_carries_no_score() -> None:
    fields = {f.name for f in dataclasses.fields(SignpostView)}
    assert not fields & {"score", "weight", "probability", "match_weight"}


def test_the_enquirers_own_agency_is_never_signposted(scenario: Scenario) -> None:
    scenario.register_one("GMP", **CHILD, involvement="police-concern")
    assert scenario.enquire("GMP", **CHILD).signposts == []
    scenario.register_one("CSC-MAN", **CHILD)
    assert [s.agency for s in scenario.enquire("GMP", **CHILD).signposts] == ["CSC-MAN"]


def test_every_agency_working_with_the_child_is_signposted(scenario: Scenario) -> None:
    scenario.register_one("CSC-MAN", **CHILD)
    scenario.register_one("CSC-MAN", **CHILD, involvement="looked-after")
    scenario.register_one("NHS-MFT", **CHILD, involvement="health-visiting")
    signposts = scenario.enquire("GMP", **CHILD).signposts
    assert sorted((s.agency, s.involvement) for s in signposts) == [
        ("CSC-MAN", "child-in-need"),
        ("CSC-MAN", "looked-after"),
        ("NHS-MFT", "health-visiting"),
    ]


def test_strong_signposts_come_before_possible_ones(scenario: Scenario) -> None:
    scenario.register_one("NHS-MFT", **{**CHILD, "nhs_number": "", "postcode": ""})
    scenario.register_one("CSC-MAN", **CHILD)
    # A digit of the date mistyped, no NHS number or postcode: the NHS trust's record is only
    # possible.
    signposts = scenario.enquire(
        "GMP", **{**CHILD, "date_of_birth": "2016-04-08", "nhs_number": ""}
    ).signposts
    assert [(s.agency, s.confidence.value) for s in signposts] == [
        ("CSC-MAN", "strong"),
        ("NHS-MFT", "possible"),
    ]


def test_nothing_is_found_for_a_child_nobody_registered(scenario: Scenario) -> None:
    scenario.register_one("CSC-MAN", **CHILD)
    result = scenario.enquire(
        "GMP", given_names="Chloe", family_name="Wright", date_of_birth="2011-12-25"
    )
    assert result.signposts == []
    assert result.enquiry_id


@pytest.mark.parametrize("purpose", ["", "   "])
def test_an_enquiry_needs_a_purpose(scenario: Scenario, purpose: str) -> None:
    scenario.register_one("CSC-MAN", **CHILD)
    events = scenario.count("audit_events")
    with pytest.raises(DomainError, match="purpose"):
        scenario.enquire("GMP", purpose, **CHILD)
    with pytest.raises(DomainError, match="purpose"):
        scenario.fp.hub.enquire_many(Actor.system("GMP"), purpose, [scenario.query(**CHILD)])
    assert scenario.count("audit_events") == events
    assert scenario.count("notifications") == 0


def test_an_auditor_cannot_enquire(scenario: Scenario) -> None:
    with pytest.raises(PermissionDenied):
        scenario.enquire("GMP", actor=scenario.auditor("GMP"), **CHILD)


def test_a_shielded_involvement_shows_the_duty_contact_not_the_practitioner(
    scenario: Scenario,
) -> None:
    involvement = scenario.register_one(
        "CSC-MAN",
        **CHILD,
        practitioner_name="Priya Shah",
        practitioner_role="Social worker",
        practitioner_phone="0161 234 5678",
        practitioner_email="priya.shah@manchester.example",
    )
    scenario.shield(involvement)
    assert scenario.fp.hub.get(Actor.system("CSC-MAN"), involvement).shielded

    [signpost] = scenario.enquire("GMP", **CHILD).signposts
    assert signpost.shielded
    assert signpost.agency == "CSC-MAN"
    assert signpost.practitioner_phone == "0161 234 5001"
    assert signpost.practitioner_email == "duty@manchester.example"
    shown = " ".join(str(value) for value in dataclasses.astuple(signpost))
    for secret in ("Priya", "Shah", "Social worker", "0161 234 5678", "priya.shah@"):
        assert secret not in shown


def test_a_shielded_involvement_without_a_duty_phone_offers_the_out_of_hours_line(
    scenario: Scenario,
) -> None:
    scenario.agency("YOT-SAL", duty_phone="", duty_email="", out_of_hours_phone="0161 909 0000")
    scenario.shield(scenario.register_one("YOT-SAL", **CHILD, involvement="youth-justice"))
    [signpost] = scenario.enquire("GMP", **CHILD).signposts
    assert signpost.practitioner_phone == "0161 909 0000"


class TestNotifications:
    def test_the_registered_practitioner_is_told_who_asked_and_why(
        self, scenario: Scenario
    ) -> None:
        involvement = scenario.register_one(
            "CSC-MAN", **CHILD, local_ref="MAN-0042", practitioner_email="priya@manchester.example"
        )
        officer = scenario.practitioner(
            "GMP", "jo.patel@gmp.example", "DC Jo Patel", phone="0161 856 0000"
        )
        scenario.enquire("GMP", "missing from home", actor=officer, **CHILD)

        [told] = scenario.fp.hub.notifications(
            scenario.practitioner("CSC-MAN", "priya@manchester.example")
        )
        assert told.kind == "enquiry"
        assert told.agency == "CSC-MAN"
        assert told.involvement_id == involvement
        assert told.local_ref == "MAN-0042"  # their own reference: the child is never named
        assert told.about["agency"] == "Greater Manchester Police"
        assert told.about["practitioner_name"] == "DC Jo Patel"
        assert told.about["practitioner_phone"] == "0161 856 0000"
        assert told.about["purpose"] == "missing from home"

    def test_a_notification_carries_no_child_details(self, scenario: Scenario) -> None:
        scenario.register_one("CSC-MAN", **CHILD, other_names="Zoë Walsh")
        scenario.register_one("NHS-MFT", **CHILD, involvement="health-visiting")
        scenario.enquire("GMP", **CHILD)
        notes = [
            *scenario.fp.hub.notifications(Actor.system("CSC-MAN")),
            *scenario.fp.hub.notifications(Actor.system("NHS-MFT")),
        ]
        assert {n.kind for n in notes} == {"link", "enquiry"}
        shown = " ".join(
            " ".join([n.local_ref, n.recipient_email, n.kind, *n.about.keys(), *n.about.values()])
            for n in notes
        ).lower()
        for detail in ("zoë", "zoe", "o'brien", "obrien", "walsh", "2016", "03/04", "m14", "943"):
            assert detail not in shown

    def test_only_strong_signposts_are_notified(self, scenario: Scenario) -> None:
        scenario.register_one("CSC-MAN", **{**CHILD, "nhs_number": "", "postcode": ""})
        [signpost] = scenario.enquire(
            "GMP", **{**CHILD, "date_of_birth": "2016-04-08", "nhs_number": "", "postcode": ""}
        ).signposts
        assert signpost.confidence == "possible"
        assert scenario.fp.hub.notifications(Actor.system("CSC-MAN")) == []

    def test_a_practitioner_sees_only_their_own_notifications(self, scenario: Scenario) -> None:
        scenario.register_one("CSC-MAN", **CHILD, practitioner_email="priya@manchester.example")
        scenario.register_one(
            "CSC-MAN",
            given_names="Oliver",
            family_name="Harrison",
            date_of_birth="2015-06-07",
            practitioner_email="tom@manchester.example",
        )
        scenario.enquire("GMP", **CHILD)
        mine = scenario.fp.hub.notifications(
            scenario.practitioner("CSC-MAN", "Priya@Manchester.example")
        )
        assert len(mine) == 1
        assert (
            scenario.fp.hub.notifications(
                scenario.practitioner("CSC-MAN", "tom@manchester.example")
            )
            == []
        )
        assert scenario.fp.hub.notifications(Actor.system("NHS-MFT")) == []
        assert len(scenario.fp.hub.notifications(Actor.system("CSC-MAN"))) == 1


def test_an_enquiry_reads_each_agency_once_however_many_signposts_it_gives(
    scenario: Scenario,
) -> None:
    # Candidates at two other agencies, several at each: their agencies are read together,
    # not once per candidate (a statement costs more than scoring a candidate).
    scenario.agency("NHS-LTH", name="Leeds Teaching Hospitals", kind="health")
    for agency in ("CSC-MAN", "NHS-MFT", "NHS-LTH"):
        for number in range(3):
            scenario.register_one(
                agency,
                **CHILD,
                local_ref=f"{agency}-{number}",
                involvement="early-help" if agency.startswith("CSC") else "health-visiting",
            )
    statements: list[str] = []
    listen = sqlalchemy.event.listens_for(scenario.fp.engine, "before_cursor_execute")

    @listen
    def record(_c: object, _cur: object, statement: str, *_: object) -> None:
        statements.append(statement)

    signposts = scenario.enquire("GMP", **CHILD).signposts
    sqlalchemy.event.remove(scenario.fp.engine, "before_cursor_execute", record)
    assert {s.agency for s in signposts} == {"CSC-MAN", "NHS-MFT", "NHS-LTH"}
    assert len(signposts) == 9
    reading_agencies = [s for s in statements if " FROM agencies" in s and "JOIN" not in s]
    assert len(reading_agencies) <= 2  # the enquirer's own, then every candidate's at once


# -- how much evidence a signpost needs ---------------------------------------------------------

# An enquiry that knows the child's names, and an address where no one of them is registered.
NAMES_ONLY = {
    "given_names": "Amara",
    "family_name": "Okonkwo",
    "date_of_birth": "",
    "postcode": "B1 1AA",
}


def test_the_names_alone_signpost_a_child_few_others_share_them_with(scenario: Scenario) -> None:
    scenario.register_one(
        "CSC-MAN", given_names="Amara", family_name="Okonkwo", date_of_birth="2014-02-03"
    )
    [signpost] = scenario.enquire("GMP", **NAMES_ONLY).signposts
    assert signpost.confidence == "possible"
    assert "given name" in signpost.why
    assert "family name" in signpost.why


def test_a_larger_register_needs_more_evidence_for_a_possible_signpost(scenario: Scenario) -> None:
    scenario.register_one(
        "CSC-MAN", given_names="Amara", family_name="Okonkwo", date_of_birth="2014-02-03"
    )
    scenario.register_one("NHS-MFT", given_names="Chloe", family_name="Wright", postcode="BS8 1TH")
    [signpost] = scenario.enquire("GMP", **NAMES_ONLY).signposts
    assert signpost.confidence == "possible"
    # The same evidence, with `possible` chosen for a register of one involvement and asking
    # eight bits more each time the register doubles: in a register twice that size the odds
    # that an involvement agreeing on the names alone is the child's, not a stranger's, are too
    # low for a call (docs/adr/0046).
    model = dataclasses.replace(DEFAULT_MODEL, possible_reference_size=1, possible_rise=8.0)
    hub = Hub(scenario.fp.unit_of_work, model=model)
    answer = hub.enquire(Actor.system("GMP"), PURPOSE, scenario.query(**NAMES_ONLY))
    assert answer.signposts == []


def test_the_names_alone_are_no_signpost_when_many_registered_children_share_them(
    scenario: Scenario,
) -> None:
    # Eleven children of one name (the model's limit is ten): each agrees with an enquiry that
    # knows only the name as much as the child asked about would.
    for n in range(11):
        scenario.register_one(
            "CSC-MAN",
            given_names="Amara",
            family_name="Okonkwo",
            date_of_birth=f"{2008 + n}-{n + 1:02d}-{n + 14}",
            postcode=f"M{n + 1} 1AA",
        )
    assert scenario.enquire("GMP", **NAMES_ONLY).signposts == []
    # What identifies one child still finds it among its namesakes.
    [signpost] = scenario.enquire(
        "GMP", given_names="Amara", family_name="Okonkwo", date_of_birth="2010-03-16"
    ).signposts
    assert signpost.confidence == "strong"


def test_a_larger_register_needs_more_evidence_for_a_strong_signpost(scenario: Scenario) -> None:
    scenario.register_one("CSC-MAN", postcode="LS6 3HN")
    scenario.register_one("NHS-MFT", given_names="Chloe", family_name="Wright", postcode="BS8 1TH")
    # The names agree and the date of birth does with day and month swapped; the address does not:
    # strong in a register of the thresholds' reference size.
    asked = {"date_of_birth": "2015-07-06", "postcode": "M1 1AA"}
    [signpost] = scenario.enquire("GMP", **asked).signposts
    assert signpost.confidence == "strong"
    # The same evidence, with thresholds chosen for a register half the size of this one: as
    # many strangers again could agree as much by chance, so it is a call to confirm.
    model = dataclasses.replace(DEFAULT_MODEL, reference_size=1)
    hub = Hub(scenario.fp.unit_of_work, model=model)
    [signpost] = hub.enquire(Actor.system("GMP"), PURPOSE, scenario.query(**asked)).signposts
    assert signpost.confidence == "possible"
