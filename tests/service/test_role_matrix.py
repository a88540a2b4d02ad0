"""The role matrix in docs/ is what the declared permissions generate, and the declarations
say what docs/adr/0025 decided."""

from pathlib import Path

import pytest

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import PermissionDenied
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.vocabulary import Role
from fingerpost.service.permissions import USE_CASES, check, check_named
from fingerpost.service.role_matrix import render

ROOT = Path(__file__).resolve().parents[2]


def _actor(role: Role, *, strong: bool = False) -> Actor:
    return Actor(subject="someone", name="Someone", agency="A", role=role, strong_auth=strong)


def test_the_committed_role_matrix_is_what_the_declarations_generate() -> None:
    committed = (ROOT / "docs" / "role-matrix.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/role-matrix.md is stale: run `make roles`"


def test_docs_roles_points_at_the_generated_matrix() -> None:
    assert "role-matrix.md" in (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")


def test_only_agency_administrators_withdraw_and_they_say_why() -> None:
    withdraw = USE_CASES["involvement.withdraw"]
    assert withdraw.roles == {Role.AGENCY_ADMIN}
    assert withdraw.reason
    assert withdraw.own_agency


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AUDITOR, Role.OPERATOR])
def test_every_other_role_is_refused_withdrawal(role: Role) -> None:
    with pytest.raises(PermissionDenied, match=f"the {role.value} role may not do this"):
        check(_actor(role), "involvement.withdraw")


def test_a_practitioner_changes_only_the_involvement_that_names_them() -> None:
    check(_actor(Role.PRACTITIONER), "involvement.change")
    check_named(_actor(Role.PRACTITIONER), "involvement.change", names_actor=True)
    check_named(_actor(Role.AGENCY_ADMIN), "involvement.change", names_actor=False)
    with pytest.raises(PermissionDenied, match="only the practitioner it names"):
        check_named(_actor(Role.PRACTITIONER), "involvement.change", names_actor=False)


def test_strong_sign_in_is_asked_only_where_the_policy_names_the_action() -> None:
    admin = _actor(Role.AGENCY_ADMIN)
    with pytest.raises(PermissionDenied, match="shield needs strong"):
        check(admin, "involvement.shield")
    check(_actor(Role.AGENCY_ADMIN, strong=True), "involvement.shield")
    relaxed = EnquiryPolicy(strong_auth_for=frozenset())
    check(admin, "involvement.shield", relaxed)
    auditor = _actor(Role.AUDITOR)
    check(auditor, "audit.search")  # not named by default
    with pytest.raises(PermissionDenied, match="audit read needs strong"):
        check(auditor, "audit.search", EnquiryPolicy(strong_auth_for=frozenset({"audit-read"})))


def test_the_roles_of_urgent_enquiries_and_shield_overrides_follow_the_settings() -> None:
    practitioner = _actor(Role.PRACTITIONER, strong=True)
    check(practitioner, "enquiry.urgent")
    admins_only = EnquiryPolicy(urgent_roles=frozenset({Role.AGENCY_ADMIN}))
    with pytest.raises(PermissionDenied, match="may not make urgent enquiries"):
        check(practitioner, "enquiry.urgent", admins_only)
    with pytest.raises(PermissionDenied, match="may not override a shield"):
        check(practitioner, "enquiry.override-shield")


def test_auditors_and_operators_reading_other_peoples_contacts_are_audited() -> None:
    """Every use case an auditor or operator may call that shows other people's contacts (the
    users' list, the reviews naming who enquired, the log, a subject's report) records the
    read; what else they may call shows counts, proofs or heads only."""
    contacts = {"user.list", "review.list", "audit.search", "subject.access-report"}
    for name in contacts:
        permission = USE_CASES[name]
        assert permission.audited_read is not None, name
        watchers = permission.roles & {Role.AUDITOR, Role.OPERATOR}
        assert watchers, name
        assert watchers <= permission.audited_for, name
    assert USE_CASES["user.list"].audited_read is AuditAction.USERS_READ
    assert Role.AGENCY_ADMIN not in USE_CASES["user.list"].audited_for


def test_an_undeclared_use_case_is_an_error_not_a_pass() -> None:
    with pytest.raises(KeyError):
        check(_actor(Role.OPERATOR), "involvement.obliterate")
