"""Shielding: an agency administrator can shield an involvement (a child in a refuge) so that
signposts show only the agency's duty desk; seeing past the shield needs a permitted role and a
reason, is audited, and tells the shielding agency."""

import dataclasses
import json

import pytest

from conftest import Scenario
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, NotFound, PermissionDenied
from fingerpost.domain.vocabulary import Confidence, Role

CHILD = {"given_names": "Kayden", "family_name": "Marsh", "date_of_birth": "2014-06-02"}
PRACTITIONER = {
    "practitioner_name": "Priya Shah",
    "practitioner_role": "Refuge support worker",
    "practitioner_phone": "0161 234 5678",
    "practitioner_email": "priya.shah@manchester.example",
}
SECRETS = ("Priya", "Shah", "Refuge support worker", "0161 234 5678", "priya.shah@")
REASON = "child missing overnight, police need the allocated worker"


def admin(agency: str, *, strong_auth: bool = True) -> Actor:
    return Scenario.practitioner(
        agency,
        f"admin@{agency.lower()}.example",
        name=f"{agency} administrator",
        role=Role.AGENCY_ADMIN,
        strong_auth=strong_auth,
    )


def officer() -> Actor:
    return Scenario.practitioner("GMP", "jo.patel@gmp.example", name="DC Jo Patel")


@pytest.fixture
def world(scenario: Scenario) -> Scenario:
    scenario.agency("CSC-MAN", authority_area="E08000003", duty_email="duty@manchester.example")
    scenario.agency("GMP", duty_email="duty@gmp.example")
    return scenario


@pytest.fixture
def shielded(world: Scenario) -> str:
    involvement = world.register_one("CSC-MAN", **CHILD, local_ref="MAN-7", **PRACTITIONER)
    world.fp.hub.shield(admin("CSC-MAN"), involvement, shielded=True, reason="refuge placement")
    return involvement


def audit(world: Scenario, action: str) -> list[dict[str, str]]:
    rows = world.sql("SELECT detail FROM audit_events WHERE action = :a ORDER BY seq", a=action)
    return [json.loads(str(row[0])) for row in rows]


def shown(signpost: object) -> str:
    return " ".join(str(value) for value in dataclasses.astuple(signpost))  # type: ignore[call-overload]


class TestShielding:
    def test_a_shielded_signpost_shows_only_the_duty_desk_and_no_area(
        self, world: Scenario, shielded: str
    ) -> None:
        [signpost] = world.fp.hub.enquire(
            officer(), "emergency care", world.query(**CHILD)
        ).signposts
        assert signpost.shielded
        assert not signpost.shield_overridden
        assert signpost.practitioner_email == "duty@manchester.example"
        assert signpost.authority_area == ""
        for secret in (*SECRETS, "E08000003"):
            assert secret not in shown(signpost).replace("CSC-MAN duty desk", "")

    def test_shielding_is_audited_with_its_reason(self, world: Scenario, shielded: str) -> None:
        assert audit(world, "involvement:shielded") == [
            {"involvement": shielded, "reason": "refuge placement"}
        ]

    def test_lifting_the_shield_shows_the_practitioner_again(
        self, world: Scenario, shielded: str
    ) -> None:
        world.fp.hub.shield(admin("CSC-MAN"), shielded, shielded=False, reason="moved out")
        [signpost] = world.fp.hub.enquire(
            officer(), "emergency care", world.query(**CHILD)
        ).signposts
        assert not signpost.shielded
        assert signpost.practitioner_name == "Priya Shah"
        assert audit(world, "involvement:unshielded")[0]["reason"] == "moved out"

    def test_only_the_owning_agencys_administrator_may_shield(
        self, world: Scenario, shielded: str
    ) -> None:
        with pytest.raises(PermissionDenied):
            world.fp.hub.shield(
                Scenario.practitioner("CSC-MAN", "sw@manchester.example"),
                shielded,
                shielded=False,
                reason="x",
            )
        with pytest.raises(NotFound):  # another agency cannot even tell that it exists
            world.fp.hub.shield(admin("GMP"), shielded, shielded=False, reason="x")

    def test_shielding_needs_a_reason_and_strong_authentication(
        self, world: Scenario, shielded: str
    ) -> None:
        with pytest.raises(InvalidValue, match="reason"):
            world.fp.hub.shield(admin("CSC-MAN"), shielded, shielded=False, reason="  ")
        with pytest.raises(PermissionDenied, match="strong"):
            world.fp.hub.shield(
                admin("CSC-MAN", strong_auth=False), shielded, shielded=False, reason="x"
            )


class TestOverride:
    def test_a_permitted_role_with_a_reason_sees_the_practitioner(
        self, world: Scenario, shielded: str
    ) -> None:
        result = world.fp.hub.enquire(
            admin("GMP"), "police investigation", world.query(**CHILD), override_reason=REASON
        )
        [signpost] = result.signposts
        assert signpost.shielded
        assert signpost.shield_overridden
        assert signpost.practitioner_name == "Priya Shah"
        assert signpost.authority_area == "E08000003"

    def test_an_override_is_audited_and_the_shielding_agency_is_alerted(
        self, world: Scenario, shielded: str
    ) -> None:
        result = world.fp.hub.enquire(
            admin("GMP"), "police investigation", world.query(**CHILD), override_reason=REASON
        )
        assert audit(world, "shield:overridden") == [
            {"involvement": shielded, "enquiry": result.enquiry_id, "reason": REASON}
        ]
        [alert] = [n for n in world.fp.hub.notifications(admin("CSC-MAN")) if n.kind == "alert"]
        assert alert.about["rule"] == "shield-override"
        assert REASON in alert.about["message"]
        assert "MAN-7" in alert.about["message"]
        assert alert.about["user_email"] == "admin@gmp.example"

    def test_a_practitioner_may_not_override_and_nothing_is_disclosed(
        self, world: Scenario, shielded: str
    ) -> None:
        with pytest.raises(PermissionDenied, match="override"):
            world.fp.hub.enquire(
                officer(), "police investigation", world.query(**CHILD), override_reason=REASON
            )
        assert audit(world, "enquiry:made") == []
        assert audit(world, "shield:overridden") == []

    def test_an_override_without_strong_authentication_is_refused(
        self, world: Scenario, shielded: str
    ) -> None:
        with pytest.raises(PermissionDenied, match="strong"):
            world.fp.hub.enquire(
                admin("GMP", strong_auth=False),
                "police investigation",
                world.query(**CHILD),
                override_reason=REASON,
            )

    def test_an_override_never_opens_a_possible_signpost(self, world: Scenario) -> None:
        sibling = world.register_one(
            "CSC-MAN", **(CHILD | {"given_names": "Kylie"}), local_ref="MAN-8", **PRACTITIONER
        )
        world.fp.hub.shield(admin("CSC-MAN"), sibling, shielded=True, reason="refuge")
        result = world.fp.hub.enquire(
            admin("GMP"), "police investigation", world.query(**CHILD), override_reason=REASON
        )
        possibles = [s for s in result.signposts if s.confidence is not Confidence.STRONG]
        for signpost in possibles:
            assert not signpost.shield_overridden
            assert "Priya" not in shown(signpost)
        assert audit(world, "shield:overridden") == []

    def test_without_a_reason_nothing_is_overridden(self, world: Scenario, shielded: str) -> None:
        [signpost] = world.fp.hub.enquire(
            admin("GMP"), "police investigation", world.query(**CHILD)
        ).signposts
        assert not signpost.shield_overridden
        assert "Priya" not in shown(signpost)
