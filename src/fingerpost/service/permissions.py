"""Who may call each of the service's use cases, declared in one place (docs/adr/0028).

Every use case names its entry here and calls `check` before it reads or changes anything, so a
new entrypoint inherits the rule and cannot forget it. `docs/role-matrix.md` is generated from
these declarations (`python -m fingerpost.service.permissions`, or `make roles`) and a test fails
when the committed file differs. What each rule is, and why: docs/adr/0025.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import PermissionDenied
from fingerpost.domain.policy import STRONG_AUTH_ACTIONS, EnquiryPolicy
from fingerpost.domain.vocabulary import Role

__all__ = [
    "EVERY_ROLE",
    "USE_CASES",
    "Permission",
    "check",
    "check_named",
    "may",
]

EVERY_ROLE = frozenset(Role)
_STAFF = frozenset({Role.PRACTITIONER, Role.AGENCY_ADMIN})
_ADMIN = frozenset({Role.AGENCY_ADMIN})
_AUDITOR = frozenset({Role.AUDITOR})
_OPERATOR = frozenset({Role.OPERATOR})
# Who verifies the audit log, proves what it holds and exports it: auditors, and operators, who
# run the command line on the server (docs/adr/0025).
_LOG_KEEPERS = frozenset({Role.AUDITOR, Role.OPERATOR})
_WATCHERS = frozenset({Role.OPERATOR, Role.AUDITOR})


@dataclass(frozen=True, slots=True)
class Permission:
    """Who may call one use case.

    `roles` may call it. `roles_setting` names the enquiry policy's field that replaces `roles`
    when an installation sets it (`urgent_roles`, `override_roles`). `own_agency`: agency staff
    act only on their own agency's records (another agency's ids answer as made-up ones).
    `named_only`: those roles only on an involvement that names them as its practitioner.
    `strong`: the strong sign-in action (`STRONG_AUTH_ACTIONS`) it needs when the policy lists
    it. `audited_read`: the event recording a read of other people's contacts or of the log, for
    the roles in `audited_for`. `internal`: no role check, because it is called by the command
    line on the server, a worker, or sign-in itself, never on a signed-in user's request.
    """

    summary: str
    roles: frozenset[Role]
    roles_setting: str = ""
    own_agency: bool = False
    named_only: frozenset[Role] = frozenset()
    strong: str = ""
    reason: bool = False  # the caller must say why (recorded in the audit)
    audited_read: AuditAction | None = None
    audited_for: frozenset[Role] = EVERY_ROLE
    internal: bool = False
    scoped: tuple[tuple[Role, str], ...] = ()  # a role's narrower reach, in words
    refusal: str = ""  # the answer to a role outside `roles`; "{role}" is filled in

    def __post_init__(self) -> None:
        if self.strong and self.strong not in STRONG_AUTH_ACTIONS:
            raise ValueError(f"{self.strong!r} is not a strong sign-in action")
        if self.roles_setting not in {"", "urgent_roles", "override_roles"}:
            raise ValueError(f"{self.roles_setting!r} is not a policy setting of roles")

    def allowed(self, policy: EnquiryPolicy) -> frozenset[Role]:
        """The roles that may call it under `policy` (the default policy: `roles`)."""
        if self.roles_setting:
            configured: frozenset[Role] = getattr(policy, self.roles_setting)
            return configured
        return self.roles

    def needs_strong(self, policy: EnquiryPolicy) -> bool:
        return bool(self.strong) and self.strong in policy.strong_auth_for


_P = Permission
USE_CASES: Mapping[str, Permission] = MappingProxyType(
    {
        # -- agencies and users --
        "agency.import": _P("Create or update agencies from a file", EVERY_ROLE, internal=True),
        "agency.read": _P("Read an agency's name, area and duty desk", EVERY_ROLE, internal=True),
        "agency.decommission": _P(
            "Destroy an agency's (or the service's) data and keys", _OPERATOR
        ),
        "user.seen": _P("Record a signed-in user on first sight", EVERY_ROLE, internal=True),
        "user.list": _P(
            "List the users who have signed in and their contacts",
            frozenset({Role.AGENCY_ADMIN, Role.AUDITOR, Role.OPERATOR}),
            own_agency=True,
            audited_read=AuditAction.USERS_READ,
            audited_for=_LOG_KEEPERS,
            scoped=((Role.AUDITOR, "every agency's"), (Role.OPERATOR, "every agency's")),
        ),
        # -- the register --
        "involvement.register": _P("Register or update involvements", _STAFF, own_agency=True),
        "involvement.refresh-statistics": _P(
            "Refresh the register's statistics after a large file", _STAFF
        ),
        "involvement.sync": _P(
            "Sync the agency's whole list (a snapshot)",
            _ADMIN,
            own_agency=True,
            refusal="the {role} role may not sync an agency's list",
        ),
        "involvement.read": _P("Read one involvement", _STAFF, own_agency=True),
        "involvement.list": _P(
            "List the agency's register (practitioners' contacts and all)", _ADMIN, own_agency=True
        ),
        "involvement.change": _P(
            "Change or end an involvement",
            _STAFF,
            own_agency=True,
            named_only=frozenset({Role.PRACTITIONER}),
        ),
        "involvement.withdraw": _P(
            "Withdraw an involvement registered in error (cannot be undone)",
            _ADMIN,
            own_agency=True,
            reason=True,
        ),
        "involvement.shield": _P(
            "Shield or unshield an involvement",
            _ADMIN,
            own_agency=True,
            strong="shield",
            reason=True,
        ),
        "involvement.count": _P(
            "Count the register and its unreadable rows", EVERY_ROLE, internal=True
        ),
        # -- enquiries --
        "enquiry.make": _P(
            "Enquire: who else works with this child? (never one's own agency)", _STAFF
        ),
        "enquiry.batch": _P(
            "Enquire for a file of children at once (`fingerpost enquire`), past the limits"
            " (through a gateway: only one the hub permits, within its daily quota)",
            _ADMIN,
            strong="batch",
            refusal="the {role} role may not make batch enquiries: they are for an agency"
            " administrator",
        ),
        "enquiry.urgent": _P(
            "Make an urgent (break-glass) enquiry, past the limits",
            _STAFF,
            roles_setting="urgent_roles",
            strong="urgent",
            refusal="the {role} role may not make urgent enquiries",
        ),
        "enquiry.override-shield": _P(
            "See past another agency's shield on a strong signpost",
            _ADMIN,
            roles_setting="override_roles",
            strong="shield-override",
            reason=True,
            refusal=("the {role} role may not override a shield: ask your agency's administrator"),
        ),
        "review.list": _P(
            "Read the urgent enquiries' reviews",
            _AUDITOR,
            audited_read=AuditAction.AUDIT_READ,
        ),
        "review.close": _P("Record a finding on an urgent enquiry", _AUDITOR),
        # -- notifications --
        "notification.list": _P(
            "Read notifications",
            _STAFF,
            own_agency=True,
            scoped=((Role.PRACTITIONER, "their own"),),
        ),
        "notification.deliver": _P(
            "Send what the outbox holds (the delivery worker)", EVERY_ROLE, internal=True
        ),
        "notification.outbox": _P("Count the outbox's notifications", _WATCHERS),
        # -- the audit log --
        "audit.search": _P(
            "Search the audit log's events",
            _AUDITOR,
            strong="audit-read",
            audited_read=AuditAction.AUDIT_READ,
        ),
        "audit.verify": _P("Verify the audit log", _LOG_KEEPERS),
        "audit.head": _P("Read the log's newest signed checkpoint", _LOG_KEEPERS),
        "audit.checkpoints": _P("List the log's signed checkpoints", _LOG_KEEPERS),
        "audit.prove-inclusion": _P("Prove an event is in the log", _LOG_KEEPERS),
        "audit.prove-consistency": _P("Prove the log only grew", _LOG_KEEPERS),
        "audit.export": _P("Export the log's events", _LOG_KEEPERS),
        "audit.record": _P(
            "Record a standalone event (a token issued, a backup made)", EVERY_ROLE, internal=True
        ),
        "backup.restore-recorded": _P(
            "Record a restore and keep its log head as the witness", EVERY_ROLE, internal=True
        ),
        # -- retention, keys and subject rights --
        "retention.expire": _P("Delete expired involvements", _OPERATOR),
        "retention.status": _P("How many involvements are due to expire", _WATCHERS),
        "key.rotate-agency": _P("Rotate an agency's data key", _OPERATOR),
        "key.rotate-master": _P("Rotate the master key (checked before anything turns)", _OPERATOR),
        "model.train": _P(
            "Train the match model on the register", frozenset({Role.OPERATOR, Role.AGENCY_ADMIN})
        ),
        "model.set-possible-rise": _P(
            "Set how much more evidence a possible match needs as the register grows",
            _OPERATOR,
            reason=True,
        ),
        "subject.access-report": _P(
            "Report everything held about a child (subject access)",
            _AUDITOR,
            strong="audit-read",
            reason=True,
            audited_read=AuditAction.SUBJECT_ACCESS_REPORTED,
        ),
        "subject.family-notice": _P(
            "Produce the notice given to a family", _STAFF, own_agency=True
        ),
    }
)


def may(actor: Actor, use_case: str, policy: EnquiryPolicy | None = None) -> bool:
    """Whether `actor`'s role may call the use case (strong sign-in aside): for pages that
    offer an action only to those who may take it."""
    return actor.role in USE_CASES[use_case].allowed(policy or EnquiryPolicy())


def check(actor: Actor, use_case: str, policy: EnquiryPolicy | None = None) -> Permission:
    """Refuse (PermissionDenied) an actor the use case's declaration does not allow: a role
    outside it, or a sign-in without the strong authentication the policy asks for it."""
    permission = USE_CASES[use_case]  # KeyError: a use case that declared nothing
    policy = policy or EnquiryPolicy()
    if actor.role not in permission.allowed(policy):
        refusal = permission.refusal or "the {role} role may not do this"
        raise PermissionDenied(refusal.format(role=actor.role.value))
    if permission.needs_strong(policy) and not actor.strong_auth:
        raise PermissionDenied(
            f"{permission.strong.replace('-', ' ')} needs strong (multi-factor) authentication:"
            " sign in again with it"
        )
    return permission


def check_named(actor: Actor, use_case: str, *, names_actor: bool) -> None:
    """The second half of a `named_only` rule, once the involvement is read: those roles act
    only on an involvement that names them."""
    if actor.role in USE_CASES[use_case].named_only and not names_actor:
        raise PermissionDenied(
            "only the practitioner it names, or an agency administrator, may change it"
        )


if __name__ == "__main__":  # pragma: no cover - `make roles`
    from fingerpost.service.role_matrix import main

    main()
