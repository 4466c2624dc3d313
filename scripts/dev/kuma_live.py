"""The real Uptime Kuma of the local stack: installed from npm with progress, started, seeded over Socket.IO."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stack import Stack

ROOT = Path(__file__).resolve().parents[2]
VERSION = "2.0.0-dev.0"


class StackError(Exception):
    """A part of the local stack could not be set up; the message says what to check."""


def install(say: Callable[[str], None]) -> Path:
    """The installed package folder; the first time, npm installs it, with a line every 15 s."""
    cache = Path(os.environ.get("KUMA_CACHE_DIR", ROOT / ".cache" / "uptime-kuma"))
    script = ["bash", str(ROOT / "scripts/dev/install_uptime_kuma.sh")]
    if (cache / f".installed-{VERSION}").exists():
        return Path(subprocess.run(script, check=True, capture_output=True, text=True).stdout.strip())
    cache.mkdir(parents=True, exist_ok=True)
    log_path = cache / "install.log"
    say(f"Uptime Kuma: installing uptime-kuma@{VERSION} from npm into {cache} (first run only, 2-3 minutes)")
    started = time.monotonic()
    with open(log_path, "w") as log, subprocess.Popen(script, stdout=subprocess.PIPE, stderr=log, text=True) as proc:
        while True:
            try:
                out, _ = proc.communicate(timeout=15)
                break
            except subprocess.TimeoutExpired:
                say(f"Uptime Kuma: still installing ({time.monotonic() - started:.0f} s; npm's output: {log_path})")
    if proc.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").strip().splitlines()[-15:])
        raise StackError(
            f"installing Uptime Kuma from npm failed (exit {proc.returncode}). npm's last lines:\n{tail}\n"
            "Check: Node 20+ and npm on PATH (node --version), the npm registry reachable"
            " (npm config get registry), gcc and make for SQLite's native build, and free disk space."
        )
    say(f"Uptime Kuma: installed in {time.monotonic() - started:.0f} s")
    return Path(out.strip())


def start(stack: Stack) -> None:
    """Start Uptime Kuma on the stack's data and port; back once it listens."""
    from stack import free_port, wait_for

    package = install(_say)
    data = stack.workdir / "kuma-data"
    data.mkdir(exist_ok=True)
    config = data / "db-config.json"
    if not config.exists():
        config.write_text('{"type":"sqlite"}')  # without it the server waits on a set-up web page
    stack.state.kuma_port = stack.state.kuma_port or free_port()
    closed = f"http://127.0.0.1:{stack.state.closed_port or free_port()}"
    env = {
        "UPTIME_KUMA_HOST": "127.0.0.1",
        "UPTIME_KUMA_PORT": str(stack.state.kuma_port),
        "DATA_DIR": f"{data}/",
        # The update check must not leave the machine: a closed local port answers it.
        "HTTP_PROXY": closed,
        "HTTPS_PROXY": closed,
        "http_proxy": closed,
        "https_proxy": closed,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    before = len(stack.log_text("kuma"))
    stack.spawn("kuma", ["node", "server/server.js"], env, cwd=package)
    wait_for(lambda: "Listening on" in stack.log_text("kuma")[before:], 120, "Uptime Kuma")


@contextlib.contextmanager
def admin(stack: Stack) -> Iterator[Callable[..., Any]]:
    """A logged-in Socket.IO session; yields call(event, *args), which raises on a refusal."""
    import socketio

    client = socketio.Client(reconnection=False)
    greeted = threading.Event()
    client.on("loginRequired", lambda *_: greeted.set())
    client.on("setup", lambda *_: greeted.set())
    client.connect(stack.kuma_url, transports=["websocket"], wait_timeout=20)
    greeted.wait(5)  # events sent before the greeting are dropped

    def call(event: str, *args: Any) -> Any:
        answer = client.call(event, args if len(args) != 1 else args[0], timeout=60)
        if isinstance(answer, dict) and answer.get("ok") is False:
            raise StackError(f"Uptime Kuma refused {event}: {answer.get('msg')}")
        return answer

    try:
        if not stack.state.kuma_password:
            stack.state.kuma_password = secrets.token_urlsafe(16) + "A1"
            call("setup", "admin", stack.state.kuma_password)
        call("login", {"username": "admin", "password": stack.state.kuma_password, "token": ""})
        yield call
    finally:
        client.disconnect()


def _say(message: str) -> None:
    from stack import say

    say(message)


def seed(stack: Stack) -> None:
    """Admin, monitors, a paused one, an API key and a published status page."""
    from stack import MONITORS, SLUG

    with admin(stack) as call:
        settings = call("getSettings")["data"]
        settings["checkUpdate"] = False
        call("setSettings", settings, stack.state.kuma_password)
        for spec in MONITORS:
            port = stack.state.closed_port if spec["target"] is None else stack.state.target_ports[spec["target"]]
            # Added paused, not paused after its first check: a check in flight when the
            # pause lands leaves its sample on /metrics (seen on 2.0.0-dev.0).
            monitor = http_monitor(spec["name"], f"http://127.0.0.1:{port}/", 20, not spec.get("paused"))
            stack.state.monitor_ids[spec["name"]] = call("add", monitor)["monitorID"]
            if spec.get("paused"):
                call("pauseMonitor", stack.state.monitor_ids[spec["name"]])
        stack.state.api_key = call("addAPIKey", {"name": "status-generator", "expires": None, "active": 1})["key"]
        call("addStatusPage", "Elytra", SLUG)
        page_config = {
            "slug": SLUG,
            "title": "Elytra",
            "description": "Local stack",
            "theme": "auto",
            "showTags": False,
            "footerText": "",
            "customCSS": "",
            "showPoweredBy": False,
            "showCertificateExpiry": False,
            "googleAnalyticsId": None,
            "domainNameList": [],
        }
        group = {"name": "Services", "monitorList": [{"id": i} for i in stack.state.monitor_ids.values()]}
        call("saveStatusPage", SLUG, page_config, "/icon.svg", [group])
    stack.save()


def http_monitor(name: str, url: str, interval: int, active: bool) -> dict[str, Any]:
    """An HTTP monitor as Uptime Kuma's `add` takes it: no retries, so a DOWN shows at the first failed check."""
    return {
        "type": "http",
        "name": name,
        "url": url,
        "method": "GET",
        "interval": interval,
        "retryInterval": interval,
        "maxretries": 0,
        "timeout": 8,
        "accepted_statuscodes": ["200-299"],
        "notificationIDList": {},
        "kafkaProducerBrokers": [],
        "kafkaProducerSaslOptions": {},
        "active": active,
    }
