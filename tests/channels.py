"""Outside services for the notification tests, real but local: an SMTP server (aiosmtpd) in the
test process, and an HTTP server that answers like Kavenegar's ``sms/send.json``. Each can be
stopped and started again on the same port, or told to fail."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class SmtpSink:
    """An SMTP server that keeps every message it accepts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Message] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def config(self) -> dict[str, Any]:
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_DEFAULT_SENDER": "market@example.org",
        }

    def env(self) -> dict[str, str]:
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(self.port),
            "MAIL_DEFAULT_SENDER": "market@example.org",
        }

    def ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


class Kavenegar:
    """Answers ``POST /v1/<key>/sms/send.json`` as Kavenegar documents it; ``failing`` makes it 503.

    ``sent`` holds each accepted message's form fields.
    """

    KEY = "TEST-API-KEY"

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.refused = 0
        self.failing = False
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
                if gateway.failing:
                    gateway.refused += 1
                    self._answer(503, {"return": {"status": 503, "message": "unavailable"}, "entries": None})
                    return
                if self.path != f"/v1/{Kavenegar.KEY}/sms/send.json":
                    self._answer(403, {"return": {"status": 403, "message": "bad key"}, "entries": None})
                    return
                gateway.sent.append(form)
                entry = {
                    "messageid": 8792343 + len(gateway.sent),
                    "message": form.get("message"),
                    "status": 1,
                    "statustext": "در صف ارسال",
                    "sender": form.get("sender"),
                    "receptor": form.get("receptor"),
                    "date": 1356619709,
                    "cost": 120,
                }
                self._answer(200, {"return": {"status": 200, "message": "تایید شد"}, "entries": [entry]})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def config(self) -> dict[str, Any]:
        return {"SMS_GATEWAY_URL": self.url, "SMS_API_KEY": self.KEY, "SMS_SENDER": "10004346"}

    def env(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.config().items()}
