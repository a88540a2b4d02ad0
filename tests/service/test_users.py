"""Users are recorded on first sight (from their token), so administrators can see who uses the
service for their agency; the first sight is audited."""

import pytest

from conftest import Scenario
from fingerpost.domain.errors import PermissionDenied
from fingerpost.domain.vocabulary import Role


@pytest.fixture
def world(scenario: Scenario) -> Scenario:
    scenario.agency("CSC-MAN")
    scenario.agency("GMP")
    return scenario


def test_a_user_is_recorded_and_audited_once_on_first_sight(world: Scenario) -> None:
    jo = Scenario.practitioner("GMP", "jo.patel@gmp.example", name="DC Jo Patel")
    world.fp.hub.seen(jo)
    world.fp.hub.seen(jo)
    [row] = world.sql("SELECT subject, agency, role, name FROM practitioners")
    assert row == ("jo.patel@gmp.example", "GMP", "practitioner", "DC Jo Patel")
    firsts = world.sql("SELECT actor FROM audit_events WHERE action = 'user:first-seen'")
    assert firsts == [("jo.patel@gmp.example",)]


def test_an_administrator_sees_only_their_own_agencys_users(world: Scenario) -> None:
    world.fp.hub.seen(Scenario.practitioner("GMP", "jo@gmp.example"))
    world.fp.hub.seen(Scenario.practitioner("CSC-MAN", "sw@man.example"))
    admin = Scenario.practitioner("GMP", "admin@gmp.example", role=Role.AGENCY_ADMIN)
    assert [u.subject for u in world.fp.hub.users(admin)] == ["jo@gmp.example"]
    auditor = Scenario.auditor()
    assert {u.subject for u in world.fp.hub.users(auditor)} == {"jo@gmp.example", "sw@man.example"}


def test_a_practitioner_may_not_list_users(world: Scenario) -> None:
    with pytest.raises(PermissionDenied):
        world.fp.hub.users(Scenario.practitioner("GMP", "jo@gmp.example"))
