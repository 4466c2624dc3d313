"""A small HTTP proxy in front of moto: it forwards every request, and can fail the PUTs of chosen keys."""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAILURE = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
    b"<Message>We encountered an internal error. Please try again.</Message></Error>"
)


class S3Proxy:
    """Forwards to upstream; a PUT whose path ends with one of fail_puts gets a 500, as a sick store gives.
    One that ends with one of lose_answers is written, and the connection closed without its answer, once.

    Two sites: one proxy per site tells their requests apart (log: time, method, path, status).
    one_at_a_time, a lock shared by the proxies of one store, forwards their writes one after another,
    as AWS S3 orders the writes of a key (moto checks a condition and writes without a lock).
    strip_conditions drops If-Match and If-None-Match: a store that ignores them. before_put(path) runs
    when a PUT has arrived, before it goes on to the store: it may hold it there (a writer frozen in flight).
    after_put(path, status) runs once a PUT has been answered by the store, before the answer goes back.
    conditions: each PUT's path with the If-Match and If-None-Match it came with.
    """

    def __init__(
        self,
        upstream: str,
        one_at_a_time: threading.Lock | None = None,
        strip_conditions: bool = False,
        after_put: Callable[[str, int], None] | None = None,
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.fail_puts: set[str] = set()
        # (method, path) -> a status to answer instead of forwarding (403: refused, 503: cut off), or None
        self.refuse: Callable[[str, str], int | None] | None = None
        self.lose_answers: set[str] = set()  # a PUT of one of these is written, and its answer lost, once
        self.puts: list[str] = []
        self.conditions: list[tuple[str, str | None, str | None]] = []
        self.log: list[tuple[float, str, str, int]] = []
        self.before_put: Callable[[str], None] | None = None
        self.after_put = after_put
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                path = self.path.split("?")[0]
                refused = proxy.refuse(self.command, path) if proxy.refuse else None
                if refused:
                    proxy.log.append((time.time(), self.command, path, refused))
                    code = b"AccessDenied" if refused == 403 else b"ServiceUnavailable"
                    error = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>" + code + b"</Code></Error>"
                    self.send_response(refused)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(error)
                    return
                if self.command == "PUT":
                    proxy.puts.append(path)
                    proxy.conditions.append((path, self.headers.get("If-Match"), self.headers.get("If-None-Match")))
                    if proxy.before_put:
                        proxy.before_put(path)
                    if any(path.endswith(key) for key in proxy.fail_puts):
                        self.send_response(500)
                        self.send_header("Content-Type", "application/xml")
                        self.send_header("Content-Length", str(len(FAILURE)))
                        self.end_headers()
                        self.wfile.write(FAILURE)
                        return
                dropped = ("connection", "expect", *(("if-match", "if-none-match") if strip_conditions else ()))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
                lock = one_at_a_time if self.command == "PUT" and one_at_a_time else contextlib.nullcontext()
                with lock:
                    upstream = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                proxy.log.append((time.time(), self.command, path, answer.status))
                if self.command == "PUT" and proxy.after_put:
                    proxy.after_put(path, answer.status)
                lost = next((k for k in proxy.lose_answers if self.command == "PUT" and path.endswith(k)), None)
                if lost:
                    proxy.lose_answers.discard(lost)
                    self.close_connection = True  # written, but the writer never hears of it
                    upstream.close()
                    return
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(name, value)
                # A HEAD's length is the object's, not the empty body's.
                length = answer.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                upstream.close()

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _forward  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def writes(self, since: float = 0.0, public: bool = True) -> list[tuple[float, str]]:
        """The PUTs that succeeded since a time: of public files, or (public False) of the lease and health."""
        return [
            (at, path)
            for at, method, path, status in list(self.log)
            if method == "PUT" and status == 200 and at >= since and ("/.sites/" not in path) == public
        ]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
