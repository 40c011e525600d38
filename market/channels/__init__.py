"""The only code that talks to a mail server or an SMS gateway.

``send(channel, to, message, key)`` hands one text to the configured adapter and returns the id the
channel gave it, or raises :class:`ChannelError` (the delivery is then retried later). ``key`` is
the delivery's own stable id: the email's Message-ID is made from it and the SMS gateway gets it as
its ``localid``, so a retry after a lost answer can be recognised as the same message.

Without MAIL_SERVER (or SMS_GATEWAY_URL) the console adapter writes the message to the log: the
embedded mode needs no outside service.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from . import console, email, sms


class ChannelError(RuntimeError):
    """The channel could not take the message now (server down, gateway error)."""


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    body: str
    key: str


def send(channel: str, message: Outgoing) -> str:
    """:raises ChannelError: when the server or gateway refuses or cannot be reached."""
    cfg = current_app.config
    try:
        if channel == "email":
            if cfg.get("MAIL_SERVER"):
                return email.send(cfg, message.to, message.subject, message.body, message.key)
            return console.send("email", message.to, f"{message.subject}\n{message.body}", message.key)
        if channel == "sms":
            if cfg.get("SMS_GATEWAY_URL"):
                return sms.send(cfg, message.to, message.body, message.key)
            return console.send("sms", message.to, message.body, message.key)
    except (OSError, sms.GatewayError, email.MailError) as err:
        raise ChannelError(f"{channel}: {err}") from err
    raise ValueError(f"unknown channel {channel!r}")
