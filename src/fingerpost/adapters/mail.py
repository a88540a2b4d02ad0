"""E-mail delivery of notifications over SMTP (the standard library's smtplib)."""

import smtplib
import ssl
from email.message import EmailMessage

from fingerpost.service.ports import MailError

__all__ = ["SmtpMailer"]


class SmtpMailer:
    """One SMTP session per message: delivery runs every few seconds at most, and a fresh
    connection never carries one failure into the next message."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        starttls: bool = False,
        username: str = "",
        password: str = "",
        timeout: float = 10.0,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._starttls, self._username, self._password = starttls, username, password
        self._timeout = timeout

    def send(
        self, to: str, subject: str, body: str, *, reference: str = "", kind: str = ""
    ) -> None:
        del kind  # one plain-text form for every kind of message
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        if reference:
            message["X-Fingerpost-Reference"] = reference
        message.set_content(body)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            # The reason is kept (it names a server condition, never a child).
            raise MailError(f"{type(error).__name__}: {error}"[:200]) from error
