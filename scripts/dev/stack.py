#!/usr/bin/env python3
"""A real local stack on loopback: Uptime Kuma (npm), moto's S3 server and small HTTP targets.

`demo` starts and seeds it, runs the cron wrapper once as cron would, fetches status.json back
from the S3 server's public URL and checks it; `stop` ends a stack left running with --keep.
The end-to-end tests drive the same class.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import kuma_live

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEFAULT_WORKDIR = ROOT / ".cache" / "stack"
FAKETIME_LIBS = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
)
SLUG = "elytra"
STATUS_BUCKET = "elytra-status"
BACKUP_BUCKET = "elytra-backups"
# Monitors the stack seeds; each `target` is an index into the HTTP targets, None is a closed port.
MONITORS = (
    {"name": "API", "target": 0, "critical": True},
    {"name": "Web", "target": 1},
    {"name": "Worker", "target": 2},
    {"name": "Legacy service", "target": None},
    {"name": "Paused check", "target": 0, "paused": True},
)
# Backups of several ages (hours before now); the 0-byte one is a failed backup.
BACKUPS = (("db/nightly-3.sql.gz", 60, 2048), ("db/nightly-2.sql.gz", 30, 2048), ("db/nightly-1.sql.gz", 2, 2048))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll check() until it returns something truthy; raise after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"{what}: not ready within {timeout:g}s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def say(message: str) -> None:
    print(f"[stack] {message}", file=sys.stderr, flush=True)


@dataclass
class State:
    """What a running stack is: ports, pids and seeded ids, kept in workdir/stack.json."""

    s3_port: int = 0
    kuma_port: int = 0
    closed_port: int = 0
    target_ports: list[int] = field(default_factory=list)
    pids: dict[str, int] = field(default_factory=dict)
    kuma_password: str = ""
    api_key: str = ""
    monitor_ids: dict[str, int] = field(default_factory=dict)
    access_key: str = "stack-access-key"
    secret_key: str = ""


class Stack:
    def __init__(self, workdir: Path = DEFAULT_WORKDIR) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.state_file = workdir / "stack.json"
        self.state = State()
        if self.state_file.exists():
            self.state = State(**json.loads(self.state_file.read_text()))

    # --- bookkeeping -------------------------------------------------------

    def save(self) -> None:
        self.state_file.write_text(json.dumps(asdict(self.state), indent=2))
        os.chmod(self.state_file, 0o600)

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,  # Ctrl-C in the terminal reaches us, and we stop them in order
        )
        log.close()
        self.state.pids[name] = proc.pid
        self.save()

    def stop(self, name: str) -> None:
        """Stop one process by the pid we started it with (Uptime Kuma renames itself)."""
        pid = self.state.pids.pop(name, None)
        self.save()
        if pid is None:
            return
        for sig, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            end = time.monotonic() + grace
            while time.monotonic() < end and _alive(pid):
                time.sleep(0.1)
            if not _alive(pid):
                break

    def stop_all(self) -> None:
        for name in list(self.state.pids):
            self.stop(name)

    def log_text(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- S3 ---------------------------------------------------------------------

    @property
    def s3_url(self) -> str:
        return f"http://127.0.0.1:{self.state.s3_port}"

    def faketime_file(self) -> Path:
        return self.workdir / "s3-clock-offset.txt"

    def start_s3(self) -> None:
        """moto's S3 server; under libfaketime when present, so seeded backups can carry past dates."""
        self.state.s3_port = self.state.s3_port or free_port()
        self.state.secret_key = self.state.secret_key or secrets.token_urlsafe(24)
        env = {}
        lib = next((p for p in FAKETIME_LIBS if Path(p).exists()), None)
        if lib:
            self.faketime_file().write_text("+0\n")
            env = {
                "LD_PRELOAD": lib,
                "FAKETIME_TIMESTAMP_FILE": str(self.faketime_file()),
                "FAKETIME_NO_CACHE": "1",
                "DONT_FAKE_MONOTONIC": "1",
            }
        self.spawn("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.state.s3_port)], env)
        wait_for(lambda: port_open(self.state.s3_port), 30, "moto_server")
        self.ages_backups = lib is not None

    def s3(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            region_name="us-east-1",
            aws_access_key_id=self.state.access_key,
            aws_secret_access_key=self.state.secret_key,
            config=Config(request_checksum_calculation="when_required", response_checksum_validation="when_required"),
        )

    def seed_s3(self) -> None:
        """A public status bucket with CORS, and a backup bucket with backups of several ages."""
        client = self.s3()
        for bucket in (STATUS_BUCKET, BACKUP_BUCKET):
            client.create_bucket(Bucket=bucket)
        client.put_bucket_cors(
            Bucket=STATUS_BUCKET,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": ["http://localhost:3000"],
                        "AllowedMethods": ["GET", "HEAD"],
                        "MaxAgeSeconds": 3600,
                    }
                ]
            },
        )
        for key, hours, size in BACKUPS:
            self.put_backup(key, hours, size)
        self.put_backup("db/nightly-0.sql.gz", 0, 0)  # tonight's job wrote nothing

    def put_backup(self, key: str, hours_ago: float, size: int) -> None:
        aged = getattr(self, "ages_backups", self.faketime_file().exists())
        if aged:
            self.faketime_file().write_text(f"-{int(hours_ago * 3600)}\n")
        try:
            self.s3().put_object(Bucket=BACKUP_BUCKET, Key=key, Body=b"\0" * size)
        finally:
            if aged:
                self.faketime_file().write_text("+0\n")

    # --- targets -----------------------------------------------------------------

    def start_targets(self) -> None:
        out = self.workdir / "targets.log"
        out.write_text("")
        self.spawn("targets", [sys.executable, str(ROOT / "scripts/dev/targets.py"), "3"])
        ports = wait_for(lambda: self.log_text("targets").strip(), 15, "HTTP targets")
        self.state.target_ports = json.loads(ports.splitlines()[0])
        self.state.closed_port = self.state.closed_port or free_port()
        self.save()

    def set_target(self, index: int, up: bool) -> None:
        import requests

        port = self.state.target_ports[index]
        requests.get(f"http://127.0.0.1:{port}/{'_up' if up else '_down'}", timeout=5).raise_for_status()

    # --- Uptime Kuma ---------------------------------------------------------------

    @property
    def kuma_url(self) -> str:
        return f"http://127.0.0.1:{self.state.kuma_port}"

    def start_kuma(self) -> None:
        """Install (first run only, with progress), then start Uptime Kuma; back once it listens."""
        kuma_live.start(self)

    def restart_kuma(self) -> None:
        """Stop Uptime Kuma and start it again on the same data and port; back once it listens."""
        self.stop("kuma")
        self.start_kuma()

    def seed_kuma(self) -> None:
        """Admin, monitors, a paused one, an API key and a published status page, over Socket.IO."""
        kuma_live.seed(self)

    def metrics_states(self) -> dict[str, int]:
        """Monitor name -> state as /metrics says now; {} while Uptime Kuma does not answer."""
        import requests
        from prometheus_client.parser import text_string_to_metric_families

        try:
            response = requests.get(f"{self.kuma_url}/metrics", auth=("", self.state.api_key), timeout=5)
        except requests.RequestException:
            return {}
        if response.status_code != 200:
            return {}
        states = {}
        for family in text_string_to_metric_families(response.text):
            if family.name == "monitor_status":
                for sample in family.samples:
                    states[sample.labels["monitor_name"]] = int(sample.value)
        return states

    def wait_for_first_beats(self, timeout: float = 90) -> None:
        active = {m["name"] for m in MONITORS if not m.get("paused")}
        wait_for(lambda: active <= set(self.metrics_states()), timeout, "first monitor checks")

    # --- settings ------------------------------------------------------------------

    def env(self, **overrides: str) -> dict[str, str]:
        ids = self.state.monitor_ids
        values = {
            "UPTIME_KUMA_URL": self.kuma_url,
            "UPTIME_KUMA_API_KEY": self.state.api_key,
            "UPTIME_KUMA_STATUS_PAGE": SLUG,
            # The monitors the stack made, as an operator with a fixed set would list them: a run right
            # after Uptime Kuma's start is then judged, not blind (README "The expected set").
            "MONITOR_IDS": ",".join(str(ids[m["name"]]) for m in MONITORS if not m.get("paused") and m["name"] in ids),
            "CRITICAL_MONITOR_IDS": str(ids.get("API", "")),
            "SPACES_ENDPOINT": self.s3_url,
            "SPACES_ACCESS_KEY": self.state.access_key,
            "SPACES_SECRET_KEY": self.state.secret_key,
            "STATUS_BUCKET": STATUS_BUCKET,
            "STATUS_BUCKET_KEY": "status.json",
            "STATUS_PUBLIC_URL": f"{self.s3_url}/{STATUS_BUCKET}/status.json",
            "CORS_ALLOWED_ORIGINS": "http://localhost:3000",
            "BACKUP_BUCKET": BACKUP_BUCKET,
            "BACKUP_PREFIX": "db/",
            "BACKUP_MAX_AGE_HOURS": "25",
            "OUTPUT_FILE": str(self.workdir / "status.json"),
            "LOG_FILE": str(self.workdir / "status.log"),
            "BUNDLE_DIR": str(self.workdir / "public"),
            "STATE_FILE": str(self.workdir / "state.json"),
            "HTTP_TIMEOUT_SECONDS": "5",
            "RUN_DEADLINE_SECONDS": "30",
        }
        values.update(overrides)
        return values

    def write_env(self, path: Path | None = None, **overrides: str) -> Path:
        """The stack's settings file, outside config/, so it never clobbers the operator's."""
        path = path or self.workdir / "stack.env"
        path.write_text("".join(f"{k}={v}\n" for k, v in self.env(**overrides).items()))
        os.chmod(path, 0o600)
        return path

    def start_all(self) -> None:
        say(f"work folder {self.workdir}")
        self.start_s3()
        say(f"S3 (moto) on {self.s3_url}{' with a movable clock' if self.ages_backups else ''}")
        self.seed_s3()
        self.start_targets()
        say(f"HTTP targets on ports {self.state.target_ports}")
        self.start_kuma()
        say(f"Uptime Kuma on {self.kuma_url}")
        self.seed_kuma()
        say(f"seeded monitors {self.state.monitor_ids}, API key, status page {SLUG!r}")
        self.wait_for_first_beats()
        say("every active monitor has had its first check")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True
