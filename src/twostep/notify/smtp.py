"""Sending mail through an SMTP server (smtplib), configured by TWOSTEP_SMTP_* environment variables.

STARTTLS is on by default and, when on, required: a server that does not offer it gets no mail rather than mail in
clear text. A user name and password are only ever sent over TLS (or to a loopback relay).
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from twostep.notify.ports import Mail, MailError

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


class SmtpConfigError(ValueError):
    """TWOSTEP_SMTP_* settings that cannot work (or would send a password in clear text)."""


def _flag(name: str, value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise SmtpConfigError(f"{name} must be true or false, not {value!r}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    sender: str = "twostep@localhost"
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.username and not self.starttls and not _is_loopback(self.host):
            raise SmtpConfigError("TWOSTEP_SMTP_USERNAME needs TWOSTEP_SMTP_STARTTLS (no password in clear text)")

    def __repr__(self) -> str:  # never print the password
        return f"SmtpSettings(host={self.host!r}, port={self.port}, starttls={self.starttls}, sender={self.sender!r})"

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """None unless TWOSTEP_SMTP_HOST is set: without it, no mail is sent and no dispatcher runs."""
        host = env.get("TWOSTEP_SMTP_HOST", "").strip()
        if not host:
            return None
        starttls = _flag("TWOSTEP_SMTP_STARTTLS", env.get("TWOSTEP_SMTP_STARTTLS"), True)
        port = env.get("TWOSTEP_SMTP_PORT", "").strip()
        try:
            return cls(
                host=host,
                port=int(port) if port else 587,
                starttls=starttls,
                username=env.get("TWOSTEP_SMTP_USERNAME") or None,
                password=env.get("TWOSTEP_SMTP_PASSWORD") or None,
                sender=env.get("TWOSTEP_SMTP_SENDER") or "twostep@localhost",
                timeout=float(env.get("TWOSTEP_SMTP_TIMEOUT") or 30),
            )
        except ValueError as exc:
            raise SmtpConfigError(str(exc)) from exc


def email_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.body)
    return message


class SmtpMailer:
    def __init__(self, settings: SmtpSettings, tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self._tls_context = tls_context

    def send(self, mail: Mail) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as client:
                client.ehlo()
                if s.starttls:
                    # Raises SMTPNotSupportedError when the server does not offer it: no fallback to clear text.
                    client.starttls(context=self._tls_context or ssl.create_default_context())
                    client.ehlo()
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(email_message(mail, s.sender))
        except (smtplib.SMTPException, OSError) as exc:
            # The exception's text names the server's answer, never the password or the mail's content.
            raise MailError(f"SMTP {s.host}:{s.port}: {type(exc).__name__}: {exc}") from exc
