"""`docs/role-matrix.md`, generated from the declared permissions (`service/permissions.py`).

`python -m fingerpost.service.permissions` (or `make roles`) writes it; a test fails when the
committed file differs from what the declarations generate, so the table never drifts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.vocabulary import Role
from fingerpost.service.permissions import USE_CASES, Permission

__all__ = ["MATRIX_FILE", "main", "render"]

MATRIX_FILE = Path("docs/role-matrix.md")

_ROLE_TITLES = (
    (Role.PRACTITIONER, "Practitioner"),
    (Role.AGENCY_ADMIN, "Agency administrator"),
    (Role.AUDITOR, "Auditor"),
    (Role.OPERATOR, "Operator"),
)

# The settings (docs/configuration.md) behind the policy's fields of roles.
_SETTINGS = {
    "urgent_roles": "FINGERPOST_URGENT_ROLES",
    "override_roles": "FINGERPOST_SHIELD_OVERRIDE_ROLES",
}

_HEAD = """\
# Role matrix

Generated from the permissions each use case declares (`src/fingerpost/service/permissions.py`)
by `make roles`; do not edit by hand (a test compares this file with the declarations).
Every use case checks its declaration itself, whatever the entrypoint: API, web page or command
line. Why each rule is what it is:
[ADR 0025](adr/0025-who-may-withdraw-and-who-reads-the-register.md); how the declarations work:
[ADR 0028](adr/0028-use-case-modules-and-declared-permissions.md).

- **own agency**: agency staff act only on their own agency's records; another agency's ids get
  the answer a made-up id gets.
- **strong sign-in**: multi-factor, when the installation's `FINGERPOST_STRONG_AUTH_FOR` names
  the action (shown: the default, `*` marks one it names by default).
- **audited**: the call is recorded as that audit event (a read of other people's contacts or
  of the log).
- **internal**: no role check: called by the command line on the server, a background worker
  or sign-in itself, never on a signed-in user's request.
"""


def _cell(permission: Permission, role: Role, policy: EnquiryPolicy) -> str:
    if permission.internal:
        return "internal"
    if role not in permission.allowed(policy):
        return "—"
    scoped = dict(permission.scoped)
    if role in scoped:
        words = [scoped[role]]
    elif permission.own_agency and role in {Role.PRACTITIONER, Role.AGENCY_ADMIN}:
        words = ["own agency"]
    else:
        words = ["yes"]
    if role in permission.named_only:
        words.append("only one naming them")
    if permission.reason:
        words.append("with a reason")
    if permission.audited_read is not None and role in permission.audited_for:
        words.append(f"audited: `{permission.audited_read.value}`")
    return ", ".join(words)


def _strong(permission: Permission, policy: EnquiryPolicy) -> str:
    if not permission.strong:
        return "—"
    return f"`{permission.strong}`" + (" *" if permission.needs_strong(policy) else "")


def render() -> str:
    """The matrix as Markdown, under the default policy (settings may widen two rows, said in
    the table)."""
    policy = EnquiryPolicy()
    header = ["Use case", "What", *(title for _, title in _ROLE_TITLES), "Strong sign-in"]
    lines = [_HEAD, "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for name, permission in USE_CASES.items():
        what = permission.summary
        if permission.roles_setting:
            what += f" (roles set by `{_SETTINGS[permission.roles_setting]}`)"
        cells = [
            f"`{name}`",
            what,
            *(_cell(permission, role, policy) for role, _ in _ROLE_TITLES),
            _strong(permission, policy),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write the matrix (to `argv[0]`, default docs/role-matrix.md)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else MATRIX_FILE
    target.write_text(render(), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main()
