"""time_to_truth.py's instruments: Uptime Kuma requests counted, its beats kept, the public file watched."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import requests
from stack import SLUG, free_port

if TYPE_CHECKING:
    from stack import Stack


class CountingProxy:
    """Forwards every request to Uptime Kuma and counts them: the generators' requests, as Kuma sees them."""

    def __init__(self, target: str) -> None:
        self.count = 0
        self.lock = threading.Lock()  # the server answers in threads
        self.marked = 0
        self.frozen: int | None = None
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with proxy.lock:
                    proxy.count += 1
                upstream = requests.get(
                    target + self.path,
                    headers={"Authorization": self.headers.get("Authorization", "")},
                    timeout=(5, 15),
                )
                self.send_response(upstream.status_code)
                for name in ("Content-Type", "WWW-Authenticate"):  # send_response writes its own Date
                    if name in upstream.headers:
                        self.send_header(name, upstream.headers[name])
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def mark(self) -> None:
        self.marked = self.count

    def freeze(self) -> None:
        self.frozen = self.count

    def since_mark(self) -> int:
        return (self.count if self.frozen is None else self.frozen) - self.marked


class Beats:
    """Every beat Uptime Kuma records for the page's monitors, kept as its heartbeat list rolls (50 a monitor)."""

    def __init__(self, stack: Stack) -> None:
        self.url = f"{stack.kuma_url}/api/status-page/heartbeat/{SLUG}"
        self.seen: set[tuple[int, float, int]] = set()  # (monitor id, time, status)

    def fetch(self) -> None:
        # The query string only passes Uptime Kuma's one-minute cache of this route: the list as it is now.
        with contextlib.suppress(requests.RequestException, ValueError, KeyError):
            answer = requests.get(self.url, params={"at": f"{time.time():.0f}"}, timeout=(5, 10)).json()
            for monitor, beats in answer["heartbeatList"].items():
                for beat in beats:
                    at = datetime.fromisoformat(beat["time"]).replace(tzinfo=UTC).timestamp()
                    self.seen.add((int(monitor), at, int(beat["status"])))

    def collect(self, stop: threading.Event) -> None:
        """Every 30 s: 50 beats at one every 20 s cover 16 minutes, a whole run does not fit."""
        while not stop.is_set():
            self.fetch()
            stop.wait(30)

    def first(self, monitor: int, status: int, since: float, before: float) -> float | None:
        """The monitor's first beat with status in [since - 1, before): a check begun just before a flip counts."""
        times = [at for m, at, s in self.seen if m == monitor and s == status and since - 1 <= at < before]
        return min(times, default=None)


def watch(generators: list[Any], every: float, stop: threading.Event) -> None:
    """GET each generator's public status.json every `every` s: (time of the answer, platform_status) into seen."""
    session = requests.Session()
    tick = time.monotonic()
    while not stop.is_set():
        for gen in generators:
            status = public(gen.url, session)
            if status is not None:
                gen.seen.append((time.time(), status))
        tick += every
        stop.wait(max(0.0, tick - time.monotonic()))


def public(url: str, session: Any = requests) -> str | None:
    with contextlib.suppress(requests.RequestException, ValueError, KeyError, TypeError):
        return session.get(url, timeout=(2, 2)).json()["platform_status"]
    return None


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
