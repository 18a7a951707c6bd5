"""Mailing the digest of `referat watch run` with the standard library (smtplib, email): one
message with a plain-text and an HTML part, to every recipient at once."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from referat.errors import MailError
from referat.render import watch_digest_html, watch_digest_subject, watch_digest_text
from referat.settings import MailSettings


def digest_message(report: dict[str, Any], settings: MailSettings) -> EmailMessage:
    """The digest of a run's report as one message (UTF-8; Danish letters intact in both parts)."""
    message = EmailMessage()
    message["Subject"] = watch_digest_subject(report)
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2].rstrip(">") or None)
    message.set_content(watch_digest_text(report))
    message.add_alternative(watch_digest_html(report), subtype="html")
    return message


def send_digest(report: dict[str, Any], settings: MailSettings) -> list[dict[str, str]]:
    """Hand the digest to the SMTP server. Returns the recipients it refused while accepting
    others ([{"address", "error"}]); raises `MailError` (one line) when it took the message for
    nobody: unreachable, refused, a failed login or TLS handshake, a timeout."""
    message = digest_message(report, settings)
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                    context=ssl.create_default_context())  # fmt: skip
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password or "")
            refused = client.send_message(message, from_addr=settings.sender, to_addrs=settings.addresses)
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"could not mail the digest to {', '.join(settings.addresses)} via {settings.host}:{settings.port}: "
                        f"{_reason(error)}; nothing was recorded as sent") from None  # fmt: skip
    return [{"address": address, "error": _reply(code, text)} for address, (code, text) in refused.items()]


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return " ".join(f"{code} {words}".split())


def _reason(error: BaseException) -> str:
    """What went wrong, in one line: the server's reply, or the network's reason."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "every recipient was refused (" + "; ".join(f"{a}: {_reply(*r)}" for a, r in error.recipients.items()) + ")"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the server answered {_reply(error.smtp_code, error.smtp_error)}"
    if isinstance(error, TimeoutError):
        return "the server did not answer in time"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return " ".join(str(error).split()) or type(error).__name__
