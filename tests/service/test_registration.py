"""Registering involvements: idempotent on (agency, local_ref, involvement), updated when a row
changes, ended, withdrawn, and linked at once to other agencies' involvements with the same child.
Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest

from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError, NotFound, PermissionDenied
from fingerpost.domain.vocabulary import InvolvementStatus, Role
from fingerpost.matching import frequency
from fingerpost.matching.encode import EncodedIdentity

if TYPE_CHECKING:
    from conftest import Scenario

Row = Callable[..., dict[str, str]]


@pytest.fixture
def agencies(scenario: Scenario) -> None:
    scenario.agency("CSC-LDS", name="Leeds children's services", authority_area="E08000035")
    scenario.agency("GMP", name="Greater Manchester Police", kind="police")
    scenario.agency("NHS-ACH", name="Alder Hey", kind="health", authority_area="E08000012")


def stored_keys(scenario: Scenario, involvement_id: str) -> set[int]:
    rows = scenario.sql(
        "SELECT b.key FROM blocking_keys b JOIN involvements i ON i.id = b.involvement_id"
        " WHERE i.public_id = :id",
        id=involvement_id,
    )
    return {int(key) for (key,) in rows}  # type: ignore[call-overload]


def indexed(identity: EncodedIdentity) -> frozenset[int]:
    """What the index holds of an identity: its blocking keys and the name tokens the hub counts
    (docs/adr/0044)."""
    return identity.blocking_keys | frequency.tokens(identity)


@pytest.mark.usefixtures("agencies")
class TestRegister:
    def test_a_new_row_creates_an_involvement(self, scenario: Scenario, register_row: Row) -> None:
        outcome = scenario.register("CSC-LDS", register_row(local_ref="L-1"))
        assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 0, 0)
        stored = scenario.fp.hub.get(Actor.system("CSC-LDS"), outcome.ids[0])
        assert stored.key.local_ref == "L-1"
        assert stored.status is InvolvementStatus.ACTIVE
        assert not stored.shielded

    def test_registering_the_same_row_again_changes_nothing(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        row = register_row()
        first = scenario.register("CSC-LDS", row)
        events = scenario.count("audit_events")
        again = scenario.register("CSC-LDS", row)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
        assert again.ids == first.ids
        assert scenario.fp.hub.count_involvements() == 1
        assert scenario.count("audit_events") == events

    def test_the_key_is_agency_local_ref_and_involvement(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        scenario.register("CSC-LDS", register_row(local_ref="L-1"))
        outcome = scenario.register(
            "CSC-LDS",
            register_row(local_ref="L-1", involvement="child-protection-plan"),
            register_row(local_ref="L-2"),
        )
        assert outcome.created == 2
        assert scenario.fp.hub.count_involvements() == 3

    def test_a_changed_row_updates_the_involvement(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        row = register_row()
        created = scenario.register("CSC-LDS", row)
        changed = {
            **row,
            "practitioner_name": "Tom Reid",
            "practitioner_email": "tom.reid@leeds.example.org",
            "end_date": "2025-03-31",
        }
        outcome = scenario.register("CSC-LDS", changed)
        assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 0)
        assert outcome.ids == created.ids
        stored = scenario.fp.hub.get(Actor.system("CSC-LDS"), outcome.ids[0])
        assert stored.terms.practitioner.name == "Tom Reid"
        assert stored.terms.end_date == date(2025, 3, 31)
        assert stored.status is InvolvementStatus.ENDED
        [signpost] = scenario.enquire("GMP").signposts
        assert signpost.practitioner_name == "Tom Reid"
        assert signpost.end_date == date(2025, 3, 31)

    def test_a_changed_identity_replaces_the_blocking_keys(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        row = register_row(postcode="LS6 3HN", date_of_birth="2015-06-07")
        [involvement] = scenario.register("CSC-LDS", row).ids
        before = stored_keys(scenario, involvement)
        assert before == indexed(scenario.registration(row).child.identity)

        moved = {**row, "postcode": "M14 5RP", "date_of_birth": "2015-06-17"}
        assert scenario.register("CSC-LDS", moved).updated == 1
        after = stored_keys(scenario, involvement)
        assert after == indexed(scenario.registration(moved).child.identity)
        assert before - after, "some keys depended on the old date of birth and postcode"
        assert not (before - after) & after
        assert scenario.count("blocking_keys") == len(after)

    def test_registering_is_audited(self, scenario: Scenario, register_row: Row) -> None:
        row = register_row()
        scenario.register("CSC-LDS", row)
        scenario.register("CSC-LDS", {**row, "practitioner_name": "Tom Reid"})
        actions = [e.action for e in scenario.fp.hub.audit_events(scenario.auditor())]
        assert "involvement:registered" in actions
        assert "involvement:updated" in actions

    def test_an_unknown_agency_cannot_register(self, scenario: Scenario, register_row: Row) -> None:
        with pytest.raises(NotFound):
            scenario.register("NOBODY", register_row())
        assert scenario.fp.hub.count_involvements() == 0

    def test_an_auditor_cannot_register(self, scenario: Scenario, register_row: Row) -> None:
        with pytest.raises(PermissionDenied):
            scenario.fp.hub.register(
                scenario.auditor("CSC-LDS"), [scenario.registration(register_row())]
            )

    def test_an_agency_sees_only_its_own_involvements(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        [mine] = scenario.register("CSC-LDS", register_row()).ids
        with pytest.raises(NotFound):
            scenario.fp.hub.get(Actor.system("GMP"), mine)
        assert scenario.fp.hub.list_involvements(Actor.system("GMP")) == []
        assert [i.id for i in scenario.fp.hub.list_involvements(Actor.system("CSC-LDS"))] == [mine]


@pytest.mark.usefixtures("agencies")
class TestEndAndWithdraw:
    def test_ending_keeps_the_involvement_signposted_with_its_end_date(
        self, scenario: Scenario
    ) -> None:
        involvement = scenario.register_one("CSC-LDS")
        ended = scenario.fp.hub.end(Actor.system("CSC-LDS"), involvement, date(2025, 1, 31))
        assert ended.status is InvolvementStatus.ENDED
        [signpost] = scenario.enquire("GMP").signposts
        assert signpost.end_date == date(2025, 1, 31)
        [event] = [
            e
            for e in scenario.fp.hub.audit_events(scenario.auditor())
            if e.action == "involvement:ended"
        ]
        assert event.detail == {"involvement": involvement}

    def test_an_involvement_cannot_end_before_it_started(self, scenario: Scenario) -> None:
        involvement = scenario.register_one("CSC-LDS", start_date="2024-02-01")
        with pytest.raises(DomainError, match="end_date"):
            scenario.fp.hub.end(Actor.system("CSC-LDS"), involvement, date(2024, 1, 31))
        assert scenario.fp.hub.get(Actor.system("CSC-LDS"), involvement).terms.end_date is None

    def test_only_the_registering_agency_can_end_or_withdraw(self, scenario: Scenario) -> None:
        involvement = scenario.register_one("CSC-LDS")
        with pytest.raises(NotFound):
            scenario.fp.hub.end(Actor.system("GMP"), involvement, date(2025, 1, 31))
        with pytest.raises(NotFound):
            scenario.fp.hub.withdraw(Actor.system("GMP"), involvement, "registered in error")
        assert len(scenario.enquire("NHS-ACH").signposts) == 1

    def test_a_withdrawn_involvement_is_gone_with_its_keys_links_and_notifications(
        self, scenario: Scenario
    ) -> None:
        withdrawn = scenario.register_one("CSC-LDS")
        kept = scenario.register_one("GMP", practitioner_email="dc.jo.patel@gmp.example.org")
        scenario.enquire("NHS-ACH")  # tells both practitioners
        assert scenario.count("links") == 1
        assert scenario.fp.hub.notifications(Actor.system("CSC-LDS"))

        scenario.fp.hub.withdraw(Actor.system("CSC-LDS"), withdrawn, "registered in error")

        with pytest.raises(NotFound):
            scenario.fp.hub.get(Actor.system("CSC-LDS"), withdrawn)
        [signpost] = scenario.enquire("NHS-ACH").signposts
        assert signpost.agency == "GMP"
        assert stored_keys(scenario, withdrawn) == set()
        assert scenario.count("blocking_keys") == len(stored_keys(scenario, kept))
        assert scenario.count("links") == 0
        assert scenario.fp.hub.notifications(Actor.system("CSC-LDS")) == []
        actions = [e.action for e in scenario.fp.hub.audit_events(scenario.auditor())]
        assert "involvement:withdrawn" in actions

    def test_withdrawing_retracts_the_link_it_signalled_to_the_other_agency(
        self, scenario: Scenario
    ) -> None:
        scenario.register_one("GMP", practitioner_email="dc.jo.patel@gmp.example.org")
        withdrawn = scenario.register_one("CSC-LDS", practitioner_name="Priya Shah")
        scenario.fp.hub.withdraw(Actor.system("CSC-LDS"), withdrawn, "registered in error")
        told = scenario.fp.hub.notifications(Actor.system("GMP"))
        assert not [n for n in told if n.about.get("practitioner_name") == "Priya Shah"]


@pytest.mark.usefixtures("agencies")
class TestLinksAtRegistration:
    def test_a_child_registered_by_a_second_agency_is_linked_and_both_practitioners_told(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        first = scenario.register_one(
            "CSC-LDS", practitioner_name="Priya Shah", practitioner_email="priya@leeds.example"
        )
        outcome = scenario.register(
            "GMP",
            register_row(
                involvement="police-concern",
                practitioner_name="DC Jo Patel",
                practitioner_phone="0161 856 0000",
                practitioner_email="jo.patel@gmp.example",
            ),
        )
        assert outcome.links == 1
        assert scenario.count("links") == 1

        [to_leeds] = scenario.fp.hub.notifications(
            scenario.practitioner("CSC-LDS", "priya@leeds.example")
        )
        assert to_leeds.kind == "link"
        assert to_leeds.involvement_id == first
        assert to_leeds.about["agency"] == "Greater Manchester Police"
        assert to_leeds.about["practitioner_name"] == "DC Jo Patel"
        assert to_leeds.about["practitioner_phone"] == "0161 856 0000"
        assert to_leeds.about["involvement"] == "police-concern"

        [to_police] = scenario.fp.hub.notifications(
            scenario.practitioner("GMP", "jo.patel@gmp.example")
        )
        assert to_police.kind == "link"
        assert to_police.involvement_id == outcome.ids[0]
        assert to_police.about["agency"] == "Leeds children's services"
        assert to_police.about["practitioner_name"] == "Priya Shah"

        actions = [e.action for e in scenario.fp.hub.audit_events(scenario.auditor())]
        assert "link:found" in actions

    def test_a_link_is_signalled_once(self, scenario: Scenario, register_row: Row) -> None:
        scenario.register_one("CSC-LDS")
        row = register_row(involvement="police-concern")
        assert scenario.register("GMP", row).links == 1
        assert scenario.register("GMP", row).links == 0
        assert scenario.register("GMP", {**row, "practitioner_name": "DS Kim"}).links == 0
        assert scenario.count("links") == 1
        assert len(scenario.fp.hub.notifications(Actor.system("CSC-LDS"))) == 1

    def test_a_possible_match_is_not_linked(self, scenario: Scenario, register_row: Row) -> None:
        scenario.register_one("CSC-LDS", date_of_birth="2015-06-07", postcode="")
        # A digit of the date mistyped and no postcode: `possible`, so nobody is told.
        outcome = scenario.register(
            "GMP",
            register_row(involvement="police-concern", date_of_birth="2015-06-09", postcode=""),
        )
        assert outcome.links == 0
        assert scenario.fp.hub.notifications(Actor.system("CSC-LDS")) == []

    def test_a_child_whose_names_are_the_other_way_round_is_still_linked(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        # Encoded as a register file is, the only stored key the two share is the date of birth
        # with the postcode sector: such a key alone is enough to be looked at (docs/adr/0013).
        scenario.register_one("CSC-LDS")
        row = register_row(
            given_names="Harrison", family_name="Olivia", involvement="police-concern"
        )
        assert scenario.register("GMP", row, wide=False).links == 1

    def test_the_same_agency_registering_twice_is_not_a_link(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        scenario.register_one("CSC-LDS")
        outcome = scenario.register("CSC-LDS", register_row(involvement="looked-after"))
        assert outcome.links == 0
        assert scenario.count("links") == 0

    def test_a_shielded_involvement_is_signalled_by_its_duty_contact_only(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        shielded = scenario.register_one(
            "CSC-LDS",
            practitioner_name="Priya Shah",
            practitioner_phone="0113 496 0123",
            practitioner_email="priya@leeds.example",
        )
        scenario.shield(shielded)
        scenario.register("GMP", register_row(involvement="police-concern"))
        [told] = scenario.fp.hub.notifications(Actor.system("GMP"))
        shown = " ".join(told.about.values())
        for secret in ("Priya Shah", "0113 496 0123", "priya@leeds.example"):
            assert secret not in shown


@pytest.mark.usefixtures("agencies")
class TestLinkCandidates:
    """Register-time linkage opens only the candidates that could be strong (docs/adr/0013)."""

    def test_a_candidate_sharing_one_key_is_left_out_unless_that_key_is_an_anchor(
        self, scenario: Scenario
    ) -> None:
        stored = scenario.register_one("CSC-LDS")
        keys = sorted(stored_keys(scenario, stored))
        one, unknown = keys[0], max(keys) + 1
        with scenario.fp.unit_of_work() as uow:

            def reached(probe: set[int], anchors: set[int]) -> list[str]:
                [found] = uow.involvements.candidates_many(
                    [probe], "GMP", at_least=2, anchors=[anchors]
                )
                return [candidate.involvement_id for candidate in found]

            assert reached({one, unknown}, set()) == []
            assert reached({one, unknown}, {one}) == [stored]
            assert reached({keys[0], keys[1]}, set()) == [stored]
            # Without a minimum one shared key is enough: enquiries look at every candidate.
            [found] = uow.involvements.candidates_many([{one, unknown}], "GMP")
            assert [candidate.involvement_id for candidate in found] == [stored]

    def test_an_enquiry_scores_only_the_candidates_sharing_the_most_keys(
        self, scenario: Scenario
    ) -> None:
        same = scenario.register_one("CSC-LDS")
        # Her twin sister shares the family name and the date with her, so some keys too, but
        # far fewer than the child's own record does.
        sister = scenario.register_one("CSC-LDS", given_names="Amelia")
        probe = scenario.query(postcode="LS6 3HN").probe_keys
        with scenario.fp.unit_of_work() as uow:
            everyone = uow.involvements.candidates(probe, "GMP")
            assert {c.involvement_id for c in everyone} == {same, sister}
            [best] = uow.involvements.candidates(probe, "GMP", most=1)
            assert best.involvement_id == same


@pytest.mark.usefixtures("agencies")
class TestAfterALargeLoad:
    """`register` of a large file ends by refreshing the database's statistics, so that the
    enquiries made next are planned for the register as it now is."""

    def test_postgresql_has_statistics_of_the_blocking_keys(
        self, scenario: Scenario, register_row: Row
    ) -> None:
        scenario.register("CSC-LDS", *(register_row(local_ref=f"L-{i}") for i in range(5)))
        scenario.fp.hub.refresh_statistics(Actor.system("CSC-LDS"))
        if scenario.fp.engine.dialect.name == "postgresql":
            # pg_stats is written in the transaction (a row count in pg_class would be set even
            # by an ANALYZE rolled back).
            ((columns,),) = scenario.sql(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'blocking_keys'"
                " AND attname IN ('key', 'involvement_id')"
            )
            assert columns == 2
        else:
            # SQLite plans from its indexes alone: no statistics are made, none are needed.
            assert not scenario.sql("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")

    def test_only_those_who_may_register_may_say_so(self, scenario: Scenario) -> None:
        with pytest.raises(PermissionDenied):
            scenario.fp.hub.refresh_statistics(replace(Actor.system("CSC-LDS"), role=Role.AUDITOR))
