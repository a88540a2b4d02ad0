"""Subject access reports and family notices as JSON, plain text and HTML (print-ready)."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

from fingerpost.service.records import FamilyNotice, SubjectReport

__all__ = ["notice_html", "notice_text", "report_html", "report_json"]

_STYLE = (
    "body{font-family:Arial,sans-serif;max-width:50em;margin:2em auto;line-height:1.5;"
    "color:#0b0c0c}table{border-collapse:collapse;width:100%}th,td{border:1px solid #b1b4b6;"
    "padding:.3em .5em;text-align:left;vertical-align:top}h1{font-size:1.6em}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{_STYLE}</style></head><body>{body}</body></html>\n"
    )


def _table(headings: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    cells = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"


def report_json(report: SubjectReport) -> dict[str, Any]:
    return {
        "generated_at": report.generated_at.isoformat(),
        "involvements": [
            {
                "id": h.involvement.id,
                "confidence": h.confidence.value,
                "why": h.why,
                "agency": h.agency.code,
                "agency_name": h.agency.name,
                "local_ref": h.involvement.key.local_ref,
                "involvement": h.involvement.terms.kind.value,
                "practitioner_name": h.involvement.terms.practitioner.name,
                "practitioner_role": h.involvement.terms.practitioner.role,
                "start_date": h.involvement.terms.start_date.isoformat(),
                "end_date": _iso(h.involvement.terms.end_date),
                "shielded": h.involvement.shielded,
                "kept_until": _iso(h.involvement.expires_on),
            }
            for h in report.involvements
        ],
        "enquiries": [
            {
                "at": e.at.isoformat(),
                "who": e.actor,
                "agency": e.agency,
                "purpose": e.purpose,
                "urgent": e.urgent,
                "involvements": e.involvements,
                "audit_seq": e.seq,
            }
            for e in report.enquiries
        ],
        "notifications": [
            {
                "at": n.created_at.isoformat() if n.created_at else None,
                "kind": n.kind,
                "agency": n.agency,
                "to": n.recipient_email,
                "involvement": n.involvement_id,
                "about_agency": n.about.get("agency", ""),
            }
            for n in report.notifications
        ],
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def report_html(report: SubjectReport) -> str:
    data = report_json(report)
    held = _table(
        [
            "Agency",
            "Their reference",
            "Involvement",
            "Practitioner",
            "From",
            "To",
            "Kept until",
            "Match",
        ],
        [
            [
                i["agency_name"],
                i["local_ref"],
                i["involvement"],
                f"{i['practitioner_name']} ({i['practitioner_role']})".strip(" ()"),
                i["start_date"],
                i["end_date"] or "ongoing",
                _until(i["kept_until"]),
                f"{i['confidence']}: {i['why']}",
            ]
            for i in data["involvements"]
        ],
        "fingerpost holds no involvement that matches these details.",
    )
    asked = _table(
        ["When", "Who", "Agency", "Purpose", "Urgent"],
        [
            [e["at"], e["who"], e["agency"], e["purpose"], "yes" if e["urgent"] else "no"]
            for e in data["enquiries"]
        ],
        "Nobody has made an enquiry that found these involvements.",
    )
    told = _table(
        ["When", "Kind", "Told (agency)", "About another agency"],
        [[n["at"] or "", n["kind"], n["agency"], n["about_agency"]] for n in data["notifications"]],
        "No notification was sent about these involvements.",
    )
    body = (
        "<h1>Subject access report</h1>"
        f"<p>Made on {escape(data['generated_at'])}. fingerpost holds no name, date of birth,"
        " address or NHS number: it found these records by matching the encoded details given"
        " for the request. A <em>possible</em> match may be another child: check it with the"
        " agency before disclosure.</p>"
        f"<h2>What is held</h2>{held}<h2>Who looked</h2>{asked}"
        f"<h2>Who was told</h2>{told}"
    )
    return _page("Subject access report", body)


def _until(iso: str | None) -> str:
    if iso is None:
        return "until it ends (then the retention period)"
    return f"end of {(date.fromisoformat(iso) - timedelta(days=1)):%B %Y}"


def _notice_parts(notice: FamilyNotice) -> dict[str, str]:
    agency, stored = notice.agency, notice.involvement
    contact = " or ".join(x for x in (agency.duty_phone, agency.duty_email) if x) or "the agency"
    kept = (
        f"It is deleted at the end of {(stored.expires_on - timedelta(days=1)):%B %Y} at the"
        " latest."
        if stored.expires_on
        else f"It is deleted {notice.retention_months} months after our work with you ends,"
        " and in any case when your child turns 18 (25 for a care leaver)."
    )
    return {
        "agency": agency.name,
        "intro": (
            f"{agency.name} has told fingerpost, the national signposting service for"
            " vulnerable children, that it is working with your child"
            f" ({stored.terms.kind.value.replace('-', ' ')}, since"
            f" {stored.terms.start_date:%d %B %Y})."
        ),
        "held": (
            "fingerpost holds: that we are working with your child, the kind of work, when it"
            " started and ended, our reference, and how other professionals can reach our"
            " practitioner. It does not hold your child's name, date of birth, address or NHS"
            " number in readable form (only a scrambled code), and never any notes about your"
            " family."
        ),
        "why": (
            "It is there so that a social worker, police officer, doctor or teacher who is"
            " also helping your child can find out that we are involved and call us. Every"
            " look is recorded, and we are told when someone asks about your child."
        ),
        "kept": kept,
        "ask": (
            f"You can ask what fingerpost holds about your child and who has looked: contact"
            f" {agency.name} on {contact} and ask for a subject access request. You can also"
            " ask us to correct it, and complain to the Information Commissioner's Office"
            " (ico.org.uk) if you are unhappy with our answer."
        ),
        "reference": stored.key.local_ref,
    }


def notice_text(notice: FamilyNotice) -> str:
    parts = _notice_parts(notice)
    return (
        f"What {parts['agency']} has shared about your child\n\n"
        f"{parts['intro']}\n\n{parts['held']}\n\n{parts['why']}\n\n{parts['kept']}\n\n"
        f"{parts['ask']}\n\nOur reference: {parts['reference']}\n"
    )


def notice_html(notice: FamilyNotice) -> str:
    parts = _notice_parts(notice)
    title = f"What {parts['agency']} has shared about your child"
    paragraphs = "".join(
        f"<p>{escape(parts[k])}</p>" for k in ("intro", "held", "why", "kept", "ask")
    )
    body = f"<h1>{escape(title)}</h1>{paragraphs}<p>Our reference: {escape(parts['reference'])}</p>"
    return _page(title, body)
