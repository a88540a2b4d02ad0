"""The gateway's one use case before an enquiry leaves for the hub: the child's details are
parsed and checked, and the words that go with them — the purpose, a shield-override reason —
must not name the child (they go on the audit record and to the other practitioner).

Every entrypoint that enquires calls `enquiry_child` (the web page, the API and FHIR `$match`,
through `entrypoints/enquiring.py`) or `enquiry_parts` (a file of enquiries: the same check per
row), so a new entrypoint inherits the rule; a test fails when an entrypoint module calls the
hub's enquiry without one of them (docs/adr/0028).
"""

from collections.abc import Iterable, Mapping

from fingerpost.gateway.rows import check_enquiry, enquiry_ref, parse_child, refuse_mentions
from fingerpost.matching.normalise import ChildIdentity

__all__ = ["enquiry_child", "enquiry_parts"]


def enquiry_child(
    details: Mapping[str, str | None], *, purpose: str, reasons: Iterable[str] = ()
) -> ChildIdentity:
    """The child an enquiry looks for; InvalidValue (naming the field) for details an enquiry
    cannot use, or for a purpose or reason that names the child (a fixed purpose is safe)."""
    child = parse_child(details)
    check_enquiry(child)
    refuse_mentions(child, purpose=purpose, reasons=reasons)
    return child


def enquiry_parts(
    row: Mapping[str, str | None], *, purpose: str = "", reasons: tuple[str, ...] = ()
) -> tuple[str, ChildIdentity]:
    """A row of an enquiry file in the shape `Gateway.parse_stream` takes: (enquiry_ref,
    child), refused when the purpose or reasons that go with it name the child."""
    return enquiry_ref(row), enquiry_child(row, purpose=purpose, reasons=reasons)
