"""`fingerpost audit`: verify the tamper-evident log, prove an event or its growth, export it."""

import json
from pathlib import Path
from typing import Annotated

import typer

from fingerpost.audit.events import DamagedCheckpoint
from fingerpost.bootstrap import read_witness
from fingerpost.domain.errors import DomainError
from fingerpost.entrypoints.commands.common import (
    OPERATOR,
    err,
    fail,
    open_home,
    operator_at,
)
from fingerpost.entrypoints.csvio import atomic_text_writer

__all__ = ["app", "audit_export", "audit_proof", "audit_verify"]

app = typer.Typer(help="The audit log.", no_args_is_help=True)


@app.command("verify")
def audit_verify(
    witness: Annotated[
        Path | None,
        typer.Option(
            "--witness",
            help="A tree head you kept (an `audit export` file, or a checkpoint from `audit"
            " proof`): the log must still hold it.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Recompute the Merkle tree from every stored event and check every signed checkpoint,
    the head kept in the home at the last verification and any --witness; report the first bad
    event, if any (exit 1)."""
    fp = open_home(read_only=True)
    operator = operator_at(fp, "audit verify")
    try:
        kept = read_witness(witness) if witness else None
    except (OSError, ValueError) as error:
        raise fail(f"audit witness {witness}: {error}", 1) from None
    try:
        first_bad = fp.hub.verify_audit(operator, kept)
    except DamagedCheckpoint as error:
        raise fail(f"audit log broken: {error}", 1) from None
    except DomainError as error:
        raise fail(f"audit witness: {error}", 1) from None
    if first_bad is None:
        head = fp.hub.audit_head(operator)
        size, root = (head.size, head.root.hex()) if head else (0, "-")
        typer.echo(f"audit log intact: {size} events, root {root}")
        return
    raise fail(f"audit log broken at event {first_bad}", 1)


@app.command("proof")
def audit_proof(
    seq: Annotated[
        int | None, typer.Option("--seq", min=1, help="Prove that this event is in the log.")
    ] = None,
    since: Annotated[
        int | None,
        typer.Option("--from", min=1, help="Prove the log of this size was only appended to."),
    ] = None,
) -> None:
    """Print an RFC 9162 inclusion or consistency proof (JSON) against the newest signed
    checkpoint."""
    if (seq is None) == (since is None):
        raise fail("give exactly one of --seq N (inclusion) or --from SIZE (consistency)")
    fp = open_home(read_only=True)

    try:
        if seq is not None:
            inclusion = fp.hub.inclusion_proof(OPERATOR, seq)
            body: dict[str, object] = {
                "type": "inclusion",
                "seq": inclusion.seq,
                "leaf": inclusion.leaf.hex(),
                "path": [node.hex() for node in inclusion.path],
                "checkpoint": inclusion.checkpoint.to_json(),
                "verified": inclusion.verify(),
            }
        else:
            assert since is not None
            consistency = fp.hub.consistency_proof(OPERATOR, since)
            body = {
                "type": "consistency",
                "old": consistency.old.to_json(),
                "new": consistency.new.to_json(),
                "path": [node.hex() for node in consistency.path],
                "verified": consistency.verify(),
            }
    except DomainError as error:
        raise fail(str(error)) from None
    except DamagedCheckpoint as error:
        raise fail(f"audit log broken: {error}", 1) from None
    body["public_key"] = fp.public_key.hex()
    typer.echo(json.dumps(body, indent=2))


@app.command("export")
def audit_export(
    output: Annotated[Path, typer.Argument(help="JSON Lines file to write.")],
) -> None:
    """Write every audit event and signed checkpoint as JSON Lines, for an external witness or
    archive. Events hold no child identity."""
    fp = open_home(read_only=True)
    try:
        checkpoints = fp.hub.audit_checkpoints(OPERATOR)
    except DamagedCheckpoint as error:  # nothing written: an export must be whole
        raise fail(f"audit log broken: {error}", 1) from None
    count = 0
    with atomic_text_writer(output) as handle:
        handle.write(json.dumps({"type": "key", "ed25519": fp.public_key.hex()}) + "\n")
        after = 0
        while batch := fp.hub.audit_export(OPERATOR, after=after):
            for seq, event in batch:
                line = {"type": "event", "seq": seq, **json.loads(event.canonical())}
                handle.write(json.dumps(line, sort_keys=True) + "\n")
            after = batch[-1][0]
            count += len(batch)
        for checkpoint in checkpoints:
            handle.write(json.dumps({"type": "checkpoint", **checkpoint.to_json()}) + "\n")
    err.print(f"audit export: {count} events written to {output}")
