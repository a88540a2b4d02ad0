"""`fingerpost register --format fhir FILE`: a Bundle file through the same path as
`POST /fhir/R4`. Exit status as for a CSV file: 0 every involvement accepted, 1 some refused
(a batch: the others are stored), 2 nothing written (a transaction with any problem, or a file
that is not a transaction or batch Bundle)."""

from collections.abc import Callable
from pathlib import Path

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.csvio import atomic_csv_writer
from fingerpost.entrypoints.fhir_intake import register_bundle
from fingerpost.gateway.fhir import FhirRefused, Issue, read_json

__all__ = ["register_fhir_file"]

_SHOWN = 20  # problems printed; --errors has them all


def register_fhir_file(
    fp: Fingerpost,
    actor: Actor,
    file: Path,
    *,
    dry_run: bool,
    errors: Path | None,
    say: Callable[[str], None],
) -> int:
    """Register the Bundle in `file`; returns the exit status. `say` prints to stderr."""
    try:
        body = file.read_bytes()
    except OSError as error:
        say(f"error: cannot read {file}: {error.strerror}")
        return 2
    try:
        document = read_json(body, max_bytes=fp.settings.fhir_max_mib * 1024 * 1024)
        report = register_bundle(fp, actor, document, dry_run=dry_run)
    except FhirRefused as refused:
        _write_errors(errors, [refused.issue])
        say(f"error: {refused.issue.diagnostics}")
        return 2
    problems = report.all_issues
    for warning in report.all_warnings[:_SHOWN]:
        say(f"warning: {warning.diagnostics} [{warning.expression}]")
    for issue in problems[:_SHOWN]:
        say(f"{issue.diagnostics}" + (f" [{issue.expression}]" if issue.expression else ""))
    if len(problems) > _SHOWN:
        say(f"… and {len(problems) - _SHOWN} more problems")
    _write_errors(errors, problems + report.all_warnings)
    say(report.summary())
    if report.refused:
        return 2
    return 1 if problems else 0


def _write_errors(path: Path | None, issues: list[Issue]) -> None:
    """`--errors`: one row per problem or warning: the entry's index, the element's FHIRPath,
    the reason, and the outcome (`rejected`, or `kept` for a warning, as for a CSV file)."""
    if path is None:
        return
    with atomic_csv_writer(path, ("entry", "expression", "reason", "outcome")) as writer:
        writer.writerows(
            (
                "" if i.index is None else i.index,
                i.expression,
                i.diagnostics,
                "kept" if i.severity == "warning" else "rejected",
            )
            for i in issues
        )
