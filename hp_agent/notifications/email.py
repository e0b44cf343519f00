"""How a queued email leaves the service: the transport interface and its SMTP implementation.

``SmtpTransport`` sends with ``aiosmtplib``: ``smtp://`` speaks STARTTLS (required unless
``HP_SMTP_STARTTLS=false``), ``smtps://`` is TLS from the first byte, and credentials come from
the URL. A refusal the server says is final (a 5xx reply) raises :class:`PermanentFailure`;
anything else (connection, timeout, TLS, 4xx, authentication) raises :class:`TemporaryFailure`
and the sender retries later. Error descriptions carry an exception name and reply code only:
server replies can echo the recipient, and the bodies carry single-use links.
"""

from __future__ import annotations

import email.utils
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from hp_agent.config import Settings

# Templates whose body holds a single-use link: the sender blanks the body once it is sent, so the
# database never keeps a usable link longer than the mail server needs it.
LINK_TEMPLATES = frozenset({"verify_email", "reset_password"})


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    id: uuid.UUID
    to: str
    subject: str
    body_text: str
    body_html: str | None = None


class DeliveryError(Exception):
    """Delivery failed; ``str()`` is safe to store (no address, no content)."""


class TemporaryFailure(DeliveryError):
    """Worth another try later."""


class PermanentFailure(DeliveryError):
    """The server refused this message for good."""


class EmailTransport(Protocol):
    async def send(self, message: OutgoingEmail) -> str:
        """Deliver ``message``; returns the Message-ID it was sent with."""
        ...


def build_message(message: OutgoingEmail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = message.to
    msg["Subject"] = message.subject
    msg["Date"] = email.utils.formatdate(localtime=False)
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "happypath.invalid"
    # Derived from the outbox row: a resend after a crash carries the same id, so mail clients and
    # servers can recognise the duplicate.
    msg["Message-ID"] = f"<{message.id}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(message.body_text)
    if message.body_html:
        msg.add_alternative(message.body_html, subtype="html")
    return msg


class SmtpTransport:
    def __init__(
        self,
        url: str,
        *,
        sender: str,
        starttls: bool = True,
        ca_file: Path | None = None,
        timeout: float = 20.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("HP_SMTP_URL must look like smtp://[user:password@]host[:port] or smtps://...")
        self.hostname = parts.hostname
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = starttls and not self.implicit_tls
        self.sender = sender
        self.timeout = timeout
        self.tls_context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpTransport | None:
        if settings.smtp_url is None:
            return None
        return cls(
            settings.smtp_url.get_secret_value(),
            sender=settings.email_from,
            starttls=settings.smtp_starttls,
            ca_file=settings.smtp_ca_file,
            timeout=settings.smtp_timeout_seconds,
        )

    async def send(self, message: OutgoingEmail) -> str:
        msg = build_message(message, self.sender)
        tls = self.implicit_tls or self.starttls
        try:
            await aiosmtplib.send(
                msg,
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.implicit_tls,
                # True: refuse to go on in clear if the server does not offer STARTTLS.
                start_tls=bool(self.starttls),
                tls_context=self.tls_context if tls else None,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = sorted({r.code for r in exc.recipients})
            error = f"SMTPRecipientsRefused {','.join(map(str, codes))}"
            if all(500 <= c < 600 for c in codes):
                raise PermanentFailure(error) from None
            raise TemporaryFailure(error) from None
        except aiosmtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are the operator's to fix; the message itself is fine.
            raise TemporaryFailure(f"SMTPAuthenticationError {exc.code}") from None
        except aiosmtplib.SMTPResponseException as exc:
            error = f"{type(exc).__name__} {exc.code}"
            if 500 <= exc.code < 600:
                raise PermanentFailure(error) from None
            raise TemporaryFailure(error) from None
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise TemporaryFailure(type(exc).__name__) from None
        return str(msg["Message-ID"])
