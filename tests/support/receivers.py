"""Real receivers for announcements, on loopback: an HTTP endpoint for Apprise's json://, an SMTP server for mailto://."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonReceiver:
    """Records each JSON POST (Apprise's json:// sends title and message); answers 503 while down."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.auth: list[str] = []
        self.down = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = 503 if receiver.down else 200
                if not receiver.down:
                    receiver.received.append(json.loads(body))
                    receiver.auth.append(self.headers.get("Authorization", ""))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SmtpReceiver:
    """aiosmtpd on a free loopback port; each message kept as (subject, text)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[str, str]] = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
                mail = message_from_bytes(envelope.content, policy=default)
                part = mail.get_body(("plain", "html"))
                receiver.messages.append((str(mail["Subject"]), part.get_content() if part else ""))
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd checks its port by connecting to it: it needs a number
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()
