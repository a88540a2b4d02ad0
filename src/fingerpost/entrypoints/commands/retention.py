"""Retention and destruction: `fingerpost expire`, `decommission` and `certificate verify`."""

from pathlib import Path
from typing import Annotated

import typer

from fingerpost.domain.errors import DomainError
from fingerpost.entrypoints.commands.common import (
    OPERATOR,
    Yes,
    confirm,
    fail,
    known_agency,
    open_home,
    operator_at,
)
from fingerpost.entrypoints.csvio import atomic_text_writer

__all__ = ["certificate", "certificate_verify", "decommission", "expire"]

certificate = typer.Typer(help="Destruction certificates.", no_args_is_help=True)


def expire() -> None:
    """Delete every involvement past its retention (end date + FINGERPOST_RETENTION_MONTHS, or
    the age limit), with its encoding, links and notifications; `serve` does this hourly."""
    fp = open_home()
    operator_at(fp, "expire")  # a gateway keeps nothing of a child to expire: the hub does
    purged = fp.expire()
    typer.echo(
        f"expired: {purged.involvements} involvements · {purged.blocking_keys} blocking keys ·"
        f" {purged.links} links · {purged.notifications} notifications"
    )


def decommission(
    certificate: Annotated[
        Path,
        typer.Option(
            "--certificate", help="Where to write the certificate (JSON; a .txt copy beside it)."
        ),
    ],
    agency: Annotated[
        str | None, typer.Option("--agency", help="The agency leaving fingerpost.")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Close the service: every agency's data.")
    ] = False,
    yes: Yes = False,
) -> None:
    """Destroy an agency's data (or everyone's): its data keys are destroyed, so nothing it
    stored can be read here or from any backup; its involvements, links, notifications and
    users are deleted; a signed destruction certificate is written. Cannot be undone."""
    if (agency is None) == (not everything):
        raise fail("give exactly one of --agency CODE or --all")
    fp = open_home()
    if agency is not None:
        known_agency(fp, agency, taking_part=False)  # running it again finishes the job
    what = f"agency {agency}'s data" if agency else "ALL data of every agency"
    confirm(f"Destroy {what} for good? This cannot be undone", yes)
    try:
        signed = fp.decommission(OPERATOR, agency)
    except DomainError as error:
        raise fail(str(error)) from None
    with atomic_text_writer(certificate) as handle:
        handle.write(signed.decode())
    body = fp.verify_certificate(signed)
    with atomic_text_writer(certificate.with_suffix(".txt")) as handle:
        handle.write(_certificate_text(body))
    typer.echo(_certificate_text(body), nl=False)


def _certificate_text(body: dict[str, object]) -> str:
    destroyed = body["destroyed"]
    audit = body["audit"]
    assert isinstance(destroyed, dict)
    assert isinstance(audit, dict)
    lines = [
        "fingerpost destruction certificate",
        "",
        f"Scope:      {body['scope']} ({', '.join(map(str, body['agencies']))})",  # type: ignore[call-overload]
        f"Destroyed:  {body['at']}",
        *(f"  {name.replace('_', ' ')}: {count}" for name, count in destroyed.items()),
        f"Audit log:  {audit['size']} events, root {audit['root']}",
        f"Signed by:  Ed25519 key {body['service_key']}",
        "",
        "Check it with: fingerpost certificate verify FILE.json",
    ]
    return "\n".join(lines) + "\n"


@certificate.command("verify")
def certificate_verify(
    file: Annotated[Path, typer.Argument(help="A certificate from `fingerpost decommission`.")],
) -> None:
    """Check a destruction certificate's signature against this service's key (exit 1 if it
    does not verify: altered, or not issued here)."""
    fp = open_home(read_only=True)
    try:
        body = fp.verify_certificate(file.read_bytes())
    except OSError as error:
        raise fail(f"{file}: cannot read it ({error.__class__.__name__})") from None
    except ValueError as error:
        raise fail(f"{file}: does not verify: {error}", 1) from None
    typer.echo(f"certificate verified: {body['scope']} destroyed at {body['at']}")
