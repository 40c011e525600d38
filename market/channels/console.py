"""Development adapter: the message goes to the log instead of a server."""

from __future__ import annotations

from flask import current_app


def send(channel: str, to: str, text: str, key: str) -> str:
    current_app.logger.info("[%s to %s] %s", channel, to, text)
    return f"console-{channel}-{key}"
