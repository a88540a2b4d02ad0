"""Delivery of notifications through GOV.UK Notify (`notifications-python-client`), the channel
UK public services send by, beside SMTP (docs/adr/0020).

A message goes out on a template chosen by its kind, with the subject and body as
personalisation and the outbox's reference for the message, which Notify's status call-backs
name. The words are the same as the SMTP e-mail's, so they never hold a child's details."""

from collections.abc import Mapping

from notifications_python_client.errors import APIError, TokenError
from notifications_python_client.notifications import NotificationsAPIClient
from requests import RequestException

from fingerpost.domain.errors import InvalidValue
from fingerpost.service.ports import MailError

__all__ = ["NotifyMailer", "parse_templates"]

KINDS = frozenset({"enquiry", "link", "alert", "digest"})


def parse_templates(text: str) -> dict[str, str]:
    """`enquiry=ID,digest=ID` → {"enquiry": "ID", "digest": "ID"}."""
    templates: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        kind, equals, template = (s.strip() for s in part.partition("="))
        if not equals or kind not in KINDS or not template:
            raise InvalidValue(
                "FINGERPOST_GOVUK_NOTIFY_TEMPLATES: write kind=template-id pairs, kinds "
                + ", ".join(sorted(KINDS))
            )
        templates[kind] = template
    return templates


class NotifyMailer:
    """Sends each message as one Notify e-mail. Every failure (refused, unreachable, rate
    limited) is a MailError: the outbox retries it with back-off, as it does for SMTP."""

    def __init__(
        self,
        api_key: str,
        template_id: str,
        *,
        templates: Mapping[str, str] | None = None,
        base_url: str = "https://api.notifications.service.gov.uk",
        timeout: float = 10.0,
    ) -> None:
        if not api_key or not (template_id or templates):
            raise InvalidValue(
                "GOV.UK Notify needs FINGERPOST_GOVUK_NOTIFY_API_KEY and a template id"
                " (FINGERPOST_GOVUK_NOTIFY_TEMPLATE_ID or _TEMPLATES)"
            )
        # The client has no type hints: its two calls are checked by the loopback tests.
        self._client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            api_key, base_url=base_url, timeout=timeout
        )
        self._template_id = template_id
        self._templates = dict(templates or {})

    def template_for(self, kind: str) -> str:
        return self._templates.get(kind, self._template_id)

    def send(
        self, to: str, subject: str, body: str, *, reference: str = "", kind: str = ""
    ) -> None:
        template = self.template_for(kind)
        if not template:
            raise MailError(f"no GOV.UK Notify template for {kind or 'this'} message")
        try:
            self._client.send_email_notification(  # type: ignore[no-untyped-call]
                email_address=to,
                template_id=template,
                personalisation={"subject": subject, "body": body},
                reference=reference or None,
            )
        except APIError as error:
            # Notify's own words name the problem (a template, a key, a limit), never a child.
            raise MailError(f"GOV.UK Notify {error}"[:200]) from error
        except (RequestException, TokenError) as error:
            raise MailError(f"GOV.UK Notify unreachable: {type(error).__name__}"[:200]) from error
