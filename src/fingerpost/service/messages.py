"""The words of notification e-mails. They name people who work with children and the
recipient's own reference — never a child's name, date of birth, address or NHS number."""

from collections.abc import Sequence

from fingerpost.domain.hours import said_at
from fingerpost.service.records import Notification

__all__ = ["digest", "message"]

_FOOTER = (
    "\n\nThis message comes from fingerpost, the signposting service for vulnerable children. "
    "It tells you who to talk to, never what they know: contact them through your usual "
    "secure channels. You can see all your notifications in fingerpost."
)


def _when(notification: Notification) -> str:
    moment = notification.created_at
    return said_at(moment) if moment else "recently"


def _who(about: dict[str, str]) -> str:
    parts = [about.get("practitioner_name", ""), about.get("practitioner_role", "")]
    person = ", ".join(p for p in parts if p) or "a practitioner"
    contact = " · ".join(
        p for p in (about.get("practitioner_phone", ""), about.get("practitioner_email", "")) if p
    )
    return f"{person} ({about.get('agency', 'another agency')})" + (
        f"\n  Contact: {contact}" if contact else ""
    )


def _body(notification: Notification) -> tuple[str, str]:
    about = notification.about
    ref = notification.local_ref
    if notification.kind == "enquiry":
        return (
            f"Enquiry about a child you work with (your ref {ref})",
            f"At {_when(notification)} someone asked whether other agencies work with a child "
            f"you work with (your reference: {ref}).\n\n"
            f"Who asked:\n  {_who(about)}\n"
            f"Purpose: {about.get('purpose', 'not stated')}",
        )
    if notification.kind == "link":
        return (
            f"Another agency also works with a child you work with (your ref {ref})",
            f"fingerpost found that another practitioner also works with a child you work with "
            f"(your reference: {ref}).\n\n"
            f"Who:\n  {_who(about)}\nInvolvement: {about.get('involvement', '')}",
        )
    return (
        f"fingerpost alert: {about.get('rule', 'alert')}",
        f"Alert for the administrators of your agency ({_when(notification)}):\n\n"
        f"{about.get('message', '')}\n\n"
        f"User: {about.get('user', '')} {about.get('user_email', '')} "
        f"({about.get('user_role', '')})",
    )


def message(notification: Notification) -> tuple[str, str]:
    """(subject, body) of one notification's e-mail."""
    subject, body = _body(notification)
    return subject, body + _FOOTER


def digest(notifications: Sequence[Notification]) -> tuple[str, str]:
    """(subject, body) of one e-mail gathering a practitioner's held notifications."""
    parts = [f"{n + 1}. {_body(item)[1]}" for n, item in enumerate(notifications)]
    subject = f"fingerpost: {len(notifications)} notifications about children you work with"
    return subject, "\n\n".join(parts) + _FOOTER
