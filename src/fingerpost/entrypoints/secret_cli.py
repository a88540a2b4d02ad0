"""`fingerpost gateway secret …`: the linkage secret's life (docs/key-ceremony.md, ADR 0027).

A passphrase is never taken from the command line (it would sit in the shell's history and in
every process listing): it comes from --passphrase-file, FINGERPOST_LINKAGE_PASSPHRASE, or a
prompt on the terminal. Nothing here prints the secret; what is shown is its fingerprint.
"""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fingerpost.bootstrap import linkage_secrets as linkage
from fingerpost.config import Settings

__all__ = ["PASSPHRASE_VARIABLE", "hub_pin", "secret_app"]

PASSPHRASE_VARIABLE = "FINGERPOST_LINKAGE_PASSPHRASE"  # noqa: S105 - a variable's name

secret_app = typer.Typer(
    help="The linkage secret every gateway shares and the hub never holds: make it once, export"
    " it sealed, import it at each gateway, compare fingerprints.",
    no_args_is_help=True,
)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

PassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help=f"Read the passphrase from this file's first line (else {PASSPHRASE_VARIABLE},"
        " else a prompt). Never give it on the command line.",
    ),
]


def _home() -> Path:
    return Settings().home.resolve()


def _fail(message: str) -> typer.Exit:
    err.print(f"error: {message} (nothing was changed)")
    return typer.Exit(2)


def _passphrase(source: Path | None, *, confirm: bool) -> str:
    if source is not None:
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise _fail(f"cannot read the passphrase file {source}: {error}") from None
        return lines[0] if lines else ""
    from_environment = os.environ.get(PASSPHRASE_VARIABLE)
    if from_environment:
        return from_environment
    if not sys.stdin.isatty():
        raise _fail(f"no passphrase: give --passphrase-file or set {PASSPHRASE_VARIABLE}")
    typed: str = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
    return typed


@secret_app.command("new")
def secret_new() -> None:
    """Make the deployment's linkage secret, once, in this gateway's home (refused where one
    exists). Prints its fingerprint."""
    try:
        fingerprint = linkage.new_secret(_home())
    except linkage.SecretRefused as error:
        raise _fail(str(error)) from None
    err.print("made a new linkage secret: export it to every other gateway and to escrow")
    typer.echo(f"fingerprint {fingerprint}")


@secret_app.command("fingerprint")
def secret_fingerprint() -> None:
    """Print the fingerprint of this home's linkage secret (or, at a hub, the one pinned):
    every gateway of a deployment must print the same."""
    fingerprint = linkage.home_linkage_fingerprint(_home())
    if fingerprint is None:
        raise _fail("this home holds no linkage secret and has none pinned")
    typer.echo(f"fingerprint {fingerprint}")


@secret_app.command("recipient")
def secret_recipient() -> None:
    """Print this home's recipient key (made on first use): give it to whoever exports the
    secret to you (`export --to`), so that no passphrase travels."""
    typer.echo(linkage.recipient_key(_home()))


@secret_app.command("export")
def secret_export(
    file: Annotated[Path, typer.Argument(help="The sealed file to write (a new file, 0600).")],
    to: Annotated[
        str | None,
        typer.Option("--to", help="Seal for this recipient key (FPR1-…) instead of a passphrase."),
    ] = None,
    passphrase_file: PassphraseFile = None,
) -> None:
    """Write this gateway's linkage secret sealed under a passphrase or for a recipient key."""
    home = _home()
    secret = linkage.read_linkage_secret(home)
    if secret is None:
        raise _fail("this home holds no linkage secret to export")
    try:
        if to is not None:
            sealed = linkage.seal_for_recipient(secret, to)
        else:
            sealed = linkage.seal_with_passphrase(
                secret, _passphrase(passphrase_file, confirm=True)
            )
        linkage.write_private(file, sealed, exclusive=True)
    except linkage.SecretRefused as error:
        raise _fail(str(error)) from None
    except FileExistsError:
        raise _fail(f"{file} exists: an export never replaces a file") from None
    except OSError as error:
        raise _fail(f"cannot write {file}: {error.strerror or error}") from None
    fingerprint = linkage.describe(sealed)["fingerprint"]
    typer.echo(f"exported fingerprint {fingerprint} to {file}")


@secret_app.command("import")
def secret_import(
    file: Annotated[Path, typer.Argument(help="A file written by `gateway secret export`.")],
    passphrase_file: PassphraseFile = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace another secret this home holds (with --reason)."),
    ] = False,
    reason: Annotated[
        str, typer.Option("--reason", help="Why the secret is replaced (kept in linkage.history).")
    ] = "",
) -> None:
    """Check an export whole and install its secret; prints its fingerprint. A home holding a
    different secret is refused unless --replace and --reason are given."""
    if replace and not reason.strip():
        raise _fail("--replace needs --reason: say why this gateway's secret changes")
    home = _home()
    try:
        data = file.read_bytes()
    except OSError as error:
        raise _fail(f"cannot read {file}: {error.strerror or error}") from None
    try:
        secret = linkage.open_export(
            data, home, lambda: _passphrase(passphrase_file, confirm=False)
        )
        installed = linkage.install(home, secret, replace_reason=reason if replace else None)
    except linkage.SecretRefused as error:
        raise _fail(f"{file}: {error}") from None
    if installed.outcome == "replaced":
        err.print(f"replaced linkage secret {installed.previous} (kept aside, 0600)")
    elif installed.outcome == "unchanged":
        err.print("this home already holds this secret: nothing to do")
    typer.echo(f"fingerprint {installed.fingerprint}")


def hub_pin(
    fingerprint: Annotated[str, typer.Argument(help="The gateways' fingerprint, FP1-….")],
) -> None:
    """Pin the fingerprint of the linkage secret the gateways encode with (never the secret):
    the hub then refuses a gateway whose secret differs, and its backups carry the pin so that
    a restore can check it. Run it before adding the first gateway (docs/key-ceremony.md)."""
    try:
        linkage.pin_fingerprint(_home(), fingerprint)
    except linkage.SecretRefused as error:
        raise _fail(str(error)) from None
    typer.echo(f"pinned {fingerprint.strip().upper()}")


@secret_app.command("pin")
def secret_pin(
    fingerprint: Annotated[str, typer.Argument(help="The gateways' fingerprint, FP1-….")],
) -> None:
    """At a hub: the same as `fingerpost hub pin` (kept for the scripts that use it; a hub's
    operator runs it, so it belongs under `hub`)."""
    err.print("note: `fingerpost gateway secret pin` is now `fingerpost hub pin` (same effect)")
    hub_pin(fingerprint)
