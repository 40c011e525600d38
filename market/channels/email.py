"""Email over SMTP with the standard library: a plain-text body, one connection per message.

Settings: MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS (STARTTLS), MAIL_USERNAME, MAIL_PASSWORD,
MAIL_DEFAULT_SENDER.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

TIMEOUT_SECONDS = 15


class MailError(RuntimeError):
    pass


def message_id(cfg: Mapping[str, Any], key: str) -> str:
    domain = str(cfg["MAIL_DEFAULT_SENDER"]).rpartition("@")[2].strip("> ") or "localhost"
    return f"<notification-{key}@{domain}>"


def send(cfg: Mapping[str, Any], to: str, subject: str, body: str, key: str) -> str:
    """Send one email; return its Message-ID.

    :raises OSError: the server cannot be reached. :raises MailError: it refused the message.
    """
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id(cfg, key)
    msg.set_content(body)
    try:
        with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=TIMEOUT_SECONDS) as smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
            smtp.send_message(msg)
    except smtplib.SMTPException as err:
        raise MailError(str(err)) from err
    return str(msg["Message-ID"])
