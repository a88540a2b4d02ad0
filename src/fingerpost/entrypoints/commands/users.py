"""`fingerpost tokens` and `fingerpost users`: bearer tokens for the API, and who has signed in."""

from typing import Annotated

import typer

from fingerpost.deployables import Deployable, marked
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import DomainError
from fingerpost.domain.values import parse_vocabulary
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.commands.common import (
    fail,
    known_agency,
    listed,
    open_home,
    operator_at,
)

__all__ = ["tokens", "tokens_create", "users"]

tokens = typer.Typer(help="Bearer tokens for the HTTP API.", no_args_is_help=True)


@tokens.command("create")
def tokens_create(
    agency: Annotated[str, typer.Option("--agency", help="Agency code the user acts for.")],
    role: Annotated[
        str, typer.Option("--role", help="practitioner, agency-admin, auditor or operator.")
    ],
    name: Annotated[str, typer.Option("--name", help="The user's name.")],
    email: Annotated[str, typer.Option("--email", help="The user's email (their identity).")],
    phone: Annotated[str, typer.Option("--phone", help="The user's phone.")] = "",
    hours: Annotated[
        int | None,
        typer.Option(
            "--hours",
            min=1,
            max=24 * 30,
            help="Lifetime in hours (at most FINGERPOST_TOKEN_MAX_HOURS, default 24).",
        ),
    ] = None,
    strong: Annotated[
        bool,
        typer.Option(
            "--strong/--weak",
            help="Mark the sign-in as strong (multi-factor, the `acr` claim): needed for urgent"
            " enquiries, shielding and shield overrides (FINGERPOST_STRONG_AUTH_FOR).",
        ),
    ] = True,
) -> None:
    """Print a signed bearer token for the API (the built-in development issuer)."""
    from datetime import timedelta

    from fingerpost.audit.events import AuditAction

    try:
        parsed_role = parse_vocabulary(Role, role, "role")
    except DomainError as error:
        raise fail(str(error)) from None
    _check_identity(name, email)
    fp = open_home()
    if marked(fp.settings.home.resolve()) is Deployable.HUB:  # its key signs audit checkpoints
        raise fail("tokens are issued by a gateway, for its API: run this in a gateway's home")
    known_agency(fp, agency)
    actor = Actor(
        subject=email.strip().lower(),
        name=name.strip(),
        agency=agency,
        role=parsed_role,
        email=email.strip(),
        phone=phone.strip(),
        strong_auth=strong,
    )
    try:
        token = fp.tokens.issue(actor, ttl=timedelta(hours=hours) if hours else None)
    except ValueError as error:
        raise fail(str(error)) from None
    fp.hub.record(
        Actor.system(agency),
        AuditAction.TOKEN_ISSUED,
        subject=actor.subject,
        role=parsed_role.value,
    )
    typer.echo(token)


def _check_identity(name: str, email: str) -> None:
    """A token names a person by their e-mail address: both are required, and the address
    must look like one."""
    if not email.strip() or not name.strip():
        raise fail("--name and --email are required")
    local, _, domain = email.strip().rpartition("@")
    if not local or "." not in domain.strip(".") or any(ch.isspace() for ch in email.strip()):
        raise fail("--email must be the user's e-mail address (it is their identity)")


def users(
    agency: Annotated[
        str | None, typer.Option("--agency", help="Only this agency's users.")
    ] = None,
) -> None:
    """Users who have signed in to the API, most recent first (tab-separated). Each listing is
    recorded in the audit log (`users:read`): it shows every agency's staff and contacts."""
    fp = open_home(read_only=True)
    for user in fp.hub.users(operator_at(fp, "users")):
        if agency is None or user.agency == agency:
            seen = user.last_seen.isoformat() if user.last_seen else ""
            typer.echo(listed(user.agency, user.role, user.name, user.email, seen))
