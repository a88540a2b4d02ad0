"""The answer to an enquiry in the words every channel shares: the CSV columns added for the
night answer and plain words (docs/adr/0020), and the "copy for your notes" text of the case
record — who was found, how sure, who has been told — never the child's details."""

from collections.abc import Sequence
from datetime import datetime

from fingerpost.domain.hours import long_date, said_at
from fingerpost.service.records import SignpostView

__all__ = ["ADDED_SIGNPOST_COLUMNS", "added_cells", "notes_text", "since"]

# Added after the contract's columns (added, never renamed or reordered).
ADDED_SIGNPOST_COLUMNS = (
    "authority_area_name",
    "current_contact",
    "current_contact_reason",
    "out_of_hours_name",
    "out_of_hours_phone",
    "office_hours",
    "practitioner_from",
    "why_sentence",
)


def added_cells(view: SignpostView) -> tuple[str, ...]:
    return (
        view.authority_area_name,
        view.current_contact,
        view.current_contact_reason,
        view.out_of_hours_name,
        view.out_of_hours_phone,
        view.office_hours,
        view.practitioner_from.isoformat() if view.practitioner_from else "",
        view.why_sentence,
    )


def since(view: SignpostView) -> str:
    """`since 25 September 2024`, or `from 1 March 2024 to 2 May 2025` once ended."""
    if view.end_date is None:
        return f"since {long_date(view.start_date)}"
    return f"from {long_date(view.start_date)} to {long_date(view.end_date)}"


def _hidden(view: SignpostView) -> bool:
    return view.shielded and not view.shield_overridden


def _signpost(n: int, view: SignpostView) -> list[str]:
    sure = "strong (act on it)" if view.confidence == "strong" else "possible (call to confirm)"
    area = f", {view.authority_area_name}" if view.authority_area_name else ""
    who = ", ".join(p for p in (view.practitioner_name, view.practitioner_role) if p)
    reach = " · ".join(
        p for p in (view.practitioner_phone, view.practitioner_email) if p and p != "-"
    )
    lines = [
        f"{n}. {view.agency_name}{area}: {sure}",
        f"   {view.involvement.replace('-', ' ').capitalize()}, {since(view)}",
    ]
    if view.current_contact == "out-of-hours":
        lines.append(f"   Now: {view.out_of_hours_name}, {view.out_of_hours_phone}")
        lines.append(f"   For the morning: {who}" + (f", {reach}" if reach else ""))
    else:
        lines.append(f"   Contact: {who}" + (f", {reach}" if reach else ""))
    if view.why_sentence:
        lines.append(f"   Why: {view.why_sentence}")
    return lines


def notes_text(
    *,
    enquiry_id: str,
    asked_at: datetime,
    asked_by: str,
    purpose: str,
    searched: Sequence[str],
    signposts: Sequence[SignpostView],
) -> str:
    """Plain text for the case record. It names the practitioners found and who has been told,
    and leaves out the child's details (the practitioner already has them)."""
    # The hub tells the practitioner of every strong signpost; a shielded one stays unnamed.
    told = [
        f"{'the practitioner, shielded' if _hidden(s) else s.practitioner_name} ({s.agency_name})"
        for s in signposts
        if s.confidence == "strong"
    ]
    lines = [
        "fingerpost enquiry",
        f"Reference: {enquiry_id}",
        f"Asked: {said_at(asked_at)} by {asked_by}",
        f"Purpose: {purpose}",
        f"Searched on: {', '.join(searched) or 'nothing'}",
        f"Found: {len(signposts)} ({sum(s.confidence == 'strong' for s in signposts)} strong)",
    ]
    for n, view in enumerate(signposts, start=1):
        lines += _signpost(n, view)
    lines.append("Told of this enquiry: " + ("; ".join(told) or "nobody"))
    return "\n".join(lines)
