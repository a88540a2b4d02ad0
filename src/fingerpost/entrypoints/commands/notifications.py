"""`fingerpost notifications`: an agency's inbox, and e-mail delivery of the outbox."""

from dataclasses import replace
from typing import Annotated

import typer

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.commands.common import (
    OPERATOR,
    fail,
    known_agency,
    listed,
    open_home,
    operator_at,
)

__all__ = ["app", "notifications_deliver", "notifications_list", "notifications_status"]

app = typer.Typer(
    help="Notifications: who looked for an agency's children, links, alerts; e-mail delivery.",
    no_args_is_help=True,
)


@app.command("list")
def notifications_list(
    agency: Annotated[str, typer.Option("--agency", help="The agency whose inbox to show.")],
    email: Annotated[
        str | None, typer.Option("--email", help="Only this practitioner's notifications.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
) -> None:
    """An agency's notifications, newest first (tab-separated; no child details). Whoever runs
    this reads another agency's inbox (who looked for its children), so each listing is
    recorded in the audit log as the command line's (`notifications:read`)."""
    fp = open_home(read_only=True)  # never creates a home; the audit event is still written
    known_agency(fp, agency)
    role = Role.PRACTITIONER if email else Role.AGENCY_ADMIN
    actor = Actor(subject=f"cli:{agency}", name="command line", agency=agency, role=role)
    actor = replace(actor, email=email or "")
    notes = fp.hub.notifications(actor, limit=limit)
    fp.hub.record(
        OPERATOR,
        AuditAction.NOTIFICATIONS_READ,
        agency=agency,
        recipient=email or "(administrators)",
        result_count=str(len(notes)),
    )
    for note in notes:
        about = " · ".join(f"{k}={v}" for k, v in sorted(note.about.items()) if v)
        when = note.created_at.isoformat() if note.created_at else ""
        to = note.recipient_email or "(administrators)"
        typer.echo(listed(when, note.kind, note.local_ref or "-", to, about))


@app.command("deliver")
def notifications_deliver() -> None:
    """E-mail what is due in the outbox once (`serve` does this every few seconds)."""
    fp = open_home()
    report = fp.deliver()
    if report is None:
        raise fail("no mail server: set FINGERPOST_SMTP_HOST (see docs/configuration.md)")
    typer.echo(
        f"outbox: {report.sent} sent · {report.failed} failed"
        f" ({report.gave_up} given up) · {report.held} held for the daily digest"
    )
    if report.failed:
        raise typer.Exit(1)


@app.command("status")
def notifications_status() -> None:
    """How many notification e-mails are pending, failed for good and delivered."""
    fp = open_home(read_only=True)
    counts = fp.hub.outbox(operator_at(fp, "notifications status"))
    mail = fp.settings.smtp_host or "none (inbox only)"
    typer.echo(
        f"outbox: {counts['pending']} pending · {counts['failed']} failed"
        f" · {counts['delivered']} delivered · mail server: {mail}"
    )
