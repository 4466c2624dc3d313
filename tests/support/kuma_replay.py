"""A real HTTP server on loopback that answers with captured Uptime Kuma responses."""

from __future__ import annotations

import base64
import json
import math
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kuma"
API_KEY = "uk1_test-replay-key"


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    # "hang": never answer (the 1.23-era server on an unknown slug); "truncate": close mid-body.
    behaviour: str = ""


def load_capture(path: Path) -> Reply:
    """Parse a `curl -i` capture into status, headers and body."""
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
    # The server writes its own Date: a captured one would be a day-old clock.
    dropped = ("content-length", "connection", "keep-alive", "date")
    return Reply(status, [h for h in headers if h[0].lower() not in dropped], body)


def capture(version: str, name: str) -> Reply:
    return load_capture(FIXTURES / version / name)


def metrics_without_ratios(version: str = "2.5.3") -> Reply:
    """The 2.0.x generation: ids on /metrics but no monitor_uptime_ratio family."""
    reply = capture(version, "metrics_apikey.txt")
    lines = [line for line in reply.body.decode().split("\n") if "monitor_uptime_ratio" not in line]
    return Reply(reply.status, reply.headers, "\n".join(lines).encode())


@dataclass
class ReplayServer:
    """Routes a path to a Reply; /metrics also checks the API key like Uptime Kuma does."""

    routes: dict[str, Reply] = field(default_factory=dict)
    api_key: str = API_KEY
    requests: list[tuple[str, str]] = field(default_factory=list)
    # How many days serve_incidents moved the captured maintenance slots (keep_maintenance_live)
    maintenance_days: int = 0

    def __post_init__(self) -> None:
        self._release = threading.Event()
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                replay.requests.append((self.path, self.headers.get("Authorization", "")))
                reply = replay.routes.get(self.path) or replay.routes.get(self.path.split("?")[0])
                if reply is None:
                    reply = Reply(404, [("Content-Type", "text/plain")], b"not found")
                if self.path.startswith("/metrics") and not replay._authorized(self.headers.get("Authorization")):
                    reply = capture("2.5.3", "metrics_wrongkey.txt")
                if reply.behaviour == "hang":
                    replay._release.wait(timeout=120)
                    return
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                if reply.behaviour == "truncate":
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        _, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return password == self.api_key

    def serve_version(self, version: str, slug: str = "elytra") -> None:
        """Route /metrics, the status page, its heartbeat and every captured badge of a version."""
        folder = FIXTURES / version
        self.routes["/metrics"] = capture(version, "metrics_apikey.txt")
        self.routes[f"/api/status-page/{slug}"] = capture(version, "status-page_elytra.txt")
        self.routes[f"/api/status-page/heartbeat/{slug}"] = capture(version, "status-page_heartbeat_elytra.txt")
        for path in folder.glob("badge_*_uptime_*.txt"):
            _, monitor_id, _, duration = path.stem.split("_")
            self.routes[f"/api/badge/{monitor_id}/uptime/{duration}"] = load_capture(path)

    def shift_ids(self, by: int, slug: str = "elytra") -> None:
        """Another server with the same monitors under other ids (a second site's Uptime Kuma): every id + by."""
        import json
        import re

        metrics = self.routes["/metrics"]
        body = re.sub(rb'monitor_id="(\d+)"', lambda m: b'monitor_id="%d"' % (int(m.group(1)) + by), metrics.body)
        self.routes["/metrics"] = Reply(metrics.status, metrics.headers, body)
        page_path = f"/api/status-page/{slug}"
        page = json.loads(self.routes[page_path].body)
        for group in page["publicGroupList"]:
            group["id"] += by
            for monitor in group["monitorList"]:
                monitor["id"] += by
        # Its incidents and maintenance too: the same posts, under that server's own ids.
        for item in [*(page.get("incidents") or []), *([page["incident"]] if page.get("incident") else [])]:
            item["id"] += by
        for item in page.get("maintenanceList") or []:
            item["id"] += by
        self.routes[page_path] = Reply(200, self.routes[page_path].headers, json.dumps(page).encode())
        for path in [p for p in self.routes if p.startswith(f"{page_path}/incident-history")]:
            try:
                history = json.loads(self.routes[path].body)
            except ValueError:
                continue  # the 1.23-era answers its web app's HTML there
            for item in history.get("incidents") or []:
                item["id"] += by
            self.routes[path] = Reply(200, self.routes[path].headers, json.dumps(history).encode())
        beat_path = f"/api/status-page/heartbeat/{slug}"
        beats = json.loads(self.routes[beat_path].body)
        beats["heartbeatList"] = {str(int(k) + by): v for k, v in beats["heartbeatList"].items()}
        beats["uptimeList"] = {
            f"{int(k.split('_')[0]) + by}_{k.split('_')[1]}": v for k, v in beats["uptimeList"].items()
        }
        self.routes[beat_path] = Reply(200, self.routes[beat_path].headers, json.dumps(beats).encode())
        for path in [p for p in self.routes if p.startswith("/api/badge/")]:
            parts = path.split("/")
            parts[3] = str(int(parts[3]) + by)
            self.routes["/".join(parts)] = self.routes.pop(path)

    def serve_incidents(self, version: str, slug: str = "elytra") -> None:
        """A server with incidents and maintenance: its /metrics, page, heartbeat and incident history."""
        folder = FIXTURES / version
        self.routes["/metrics"] = capture(version, "metrics_apikey.txt")
        self.routes[f"/api/status-page/{slug}"] = capture(version, "status-page_elytra.txt")
        self.routes[f"/api/status-page/heartbeat/{slug}"] = capture(version, "status-page_heartbeat_elytra.txt")
        self.maintenance_days = self.keep_maintenance_live(slug)
        history = f"/api/status-page/{slug}/incident-history"
        if (folder / "incident-history_elytra.txt").exists():
            self.routes[history] = capture(version, "incident-history_elytra.txt")
            if (folder / "incident-history_elytra_cursor.txt").exists():
                cursor = history + "?cursor=2026-11-28%2006%3A29%3A41"
                self.routes[cursor] = capture(version, "incident-history_elytra_cursor.txt")
        else:  # the 1.23-era has no such route: its catch-all answers the web app's HTML
            self.routes[history] = Reply(
                200, [("Content-Type", "text/html; charset=utf-8")], b"<!DOCTYPE html><html></html>"
            )

    def keep_maintenance_live(self, slug: str = "elytra") -> int:
        """Move the page's maintenance timeslots by whole days so that none has ended yet; returns the days.

        The captures are of 2026-11-28: replayed later, their slots are over, and a slot that is over is
        not in progress whatever the page's cached answer says.
        """
        path = f"/api/status-page/{slug}"
        reply = self.routes[path]
        page = json.loads(reply.body)
        ends = [
            datetime.fromisoformat(slot["endDate"].replace("Z", "+00:00")).replace(tzinfo=UTC)
            for item in page.get("maintenanceList") or []
            for slot in item.get("timeslotList") or []
        ]
        days = max([0] + [math.ceil((datetime.now(UTC) - end).total_seconds() / 86400) + 1 for end in ends])
        for item in page.get("maintenanceList") or []:
            for slot in item.get("timeslotList") or []:
                for name in ("startDate", "endDate"):
                    moved = datetime.fromisoformat(slot[name].replace("Z", "")) + timedelta(days=days)
                    text = moved.isoformat(timespec="milliseconds" if slot[name].endswith("Z") else "minutes")
                    slot[name] = text + ("Z" if slot[name].endswith("Z") else "")
        self.routes[path] = Reply(reply.status, reply.headers, json.dumps(page).encode())
        return days

    def badge_paths(self) -> list[str]:
        return [p for p, _ in self.requests if p.startswith("/api/badge/")]

    def close(self) -> None:
        self._release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
