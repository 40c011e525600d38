"""SMS through Kavenegar's REST API (the common Iranian gateway), with the standard library.

``POST {SMS_GATEWAY_URL}/{SMS_API_KEY}/sms/send.json`` with the form fields ``receptor``,
``sender``, ``message`` and ``localid`` (our delivery's id: the gateway does not send a second
message with a ``localid`` it has seen). The answer is JSON: ``{"return": {"status": 200,
"message": ...}, "entries": [{"messageid": ..., ...}]}``; any other ``return.status`` is an error.
Settings: SMS_GATEWAY_URL (``https://api.kavenegar.com/v1``), SMS_API_KEY, SMS_SENDER.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

TIMEOUT_SECONDS = 15


class GatewayError(RuntimeError):
    pass


def send(cfg: Mapping[str, Any], to: str, text: str, key: str) -> str:
    """Send one SMS; return the gateway's message id.

    :raises OSError: unreachable. :raises GatewayError: an error answer (HTTP or ``return.status``).
    """
    base = str(cfg["SMS_GATEWAY_URL"]).rstrip("/")
    url = f"{base}/{urllib.parse.quote(str(cfg['SMS_API_KEY']))}/sms/send.json"
    fields = {"receptor": to, "message": text, "localid": key}
    if cfg.get("SMS_SENDER"):
        fields["sender"] = str(cfg["SMS_SENDER"])
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(fields).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": "application/json",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        raise GatewayError(f"HTTP {err.code}") from err
    except (ValueError, UnicodeDecodeError) as err:
        raise GatewayError(f"unreadable answer: {err}") from err
    status = (answer.get("return") or {}).get("status")
    entries = answer.get("entries") or []
    if status != 200 or not entries:
        raise GatewayError(f"gateway status {status}: {(answer.get('return') or {}).get('message')}")
    return str(entries[0]["messageid"])
