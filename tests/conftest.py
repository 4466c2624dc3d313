"""Fixtures: a real moto S3 server and a replaying Uptime Kuma, both on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig
from stack import free_port, wait_for  # noqa: F401 - the one copy, shared with the tests

from kuma_replay import API_KEY, ReplayServer

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ACCESS_KEY = "test-access-key-AKIAELYTRA"
SECRET_KEY = "test-secret-key-s3cr3t-elytra"


class MotoServer:
    """moto's S3 server in its own process on a free loopback port."""

    def __init__(self, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        wait_for(self._ready, 30, "moto_server", interval=0.05)

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"moto_server exited: {self.log_path.read_text()[-2000:]}")
        try:
            return requests.get(f"{self.url}/moto-api/", timeout=1).status_code < 500
        except requests.ConnectionError:
            return False

    def request_lines(self) -> list[str]:
        return [
            line
            for line in self.log_path.read_text().splitlines()
            if '"GET ' in line or '"PUT ' in line or '"HEAD ' in line
        ]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


@pytest.fixture(autouse=True)
def never_the_operators_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process code that falls back on config/.env gets a poisoned file instead, and its tests fail."""
    import settings

    poisoned = tmp_path_factory.mktemp("poison") / ".env"
    poisoned.write_text("CRITICAL_MONITOR_IDS=424242\nMONITOR_IDS=424242\nUPTIME_KUMA_URL=http://poisoned.invalid\n")
    poisoned.chmod(0o600)
    monkeypatch.setattr(settings, "DEFAULT_ENV_FILE", poisoned)


@pytest.fixture(autouse=True)
def fresh_log_handlers() -> Iterator[None]:
    """A main() run in-process leaves handlers on streams that pytest closes; each test starts clean."""
    import logs

    yield
    logs.log.handlers.clear()


@pytest.fixture
def mounted_disk(tmp_path: Path):
    """A real small disk: a tmpfs mounted read-only, or one filled to the last byte. Needs root, as CI has."""
    mounts: list[Path] = []

    def make(kind: str) -> Path:
        folder = tmp_path / f"disk-{kind}"
        folder.mkdir()
        options = "ro,size=64k" if kind == "read-only" else "size=64k"
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.fail(f"cannot mount a tmpfs (root needed, as in CI): {done.stderr.decode().strip()}")
        mounts.append(folder)
        if kind == "full":
            with open(folder / "filler", "wb") as filler, contextlib.suppress(OSError):
                filler.write(b"\0" * 1024 * 1024)
        return folder

    yield make
    for folder in mounts:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.stop()


def s3_client(endpoint: str, access: str = ACCESS_KEY, secret: str = SECRET_KEY):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        config=BotoConfig(request_checksum_calculation="when_required", response_checksum_validation="when_required"),
    )


@pytest.fixture
def s3(moto: MotoServer):
    return s3_client(moto.url)


def new_bucket(s3, kind: str) -> str:
    """A bucket of its own for one test: tests share the session's moto server."""
    name = f"{kind}-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def bucket(s3) -> str:
    return new_bucket(s3, "backups")


@pytest.fixture
def kuma() -> Iterator[ReplayServer]:
    server = ReplayServer()
    yield server
    server.close()


@pytest.fixture
def base_env(kuma: ReplayServer, moto: MotoServer, bucket: str, tmp_path: Path) -> dict[str, str]:
    """A complete, valid set of settings pointing at the local servers."""
    return {
        "UPTIME_KUMA_URL": kuma.url,
        "UPTIME_KUMA_API_KEY": API_KEY,
        "SPACES_ENDPOINT": moto.url,
        "SPACES_ACCESS_KEY": ACCESS_KEY,
        "SPACES_SECRET_KEY": SECRET_KEY,
        "STATUS_BUCKET": "status-public",
        "BACKUP_BUCKET": bucket,
        "OUTPUT_FILE": str(tmp_path / "status.json"),
        "LOG_FILE": str(tmp_path / "logs" / "status.log"),
        "BUNDLE_DIR": str(tmp_path / "public"),
        "STATE_FILE": str(tmp_path / "state" / "state.json"),
        "HTTP_TIMEOUT_SECONDS": "3",
        "RUN_DEADLINE_SECONDS": "15",
    }


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    path.chmod(0o600)  # as setup.sh writes config/.env: others may not read the keys
    return path


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and never answers: every request waits for its read timeout."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # the kernel completes the handshakes; nothing ever reads or writes
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def find_process(marker: str) -> int | None:
    """The pid of a live process whose command line holds marker."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    return int(entry.name)
            except OSError:
                continue
    return None


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[1])


def cron_start(env_file: Path, home: Path, lock: Path | None) -> subprocess.Popen:
    """The cron wrapper started as cron would, in the background, with its own lock file (None: the one it picks)."""
    return subprocess.Popen(
        [
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            f"HOME={home}",
            *([f"ELYTRA_LOCK_FILE={lock}"] if lock else []),
            "bash",
            str(ROOT / "scripts/generate_and_upload.sh"),
            "--env-file",
            str(env_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def fake_crontab(tmp_path: Path, content: str) -> tuple[dict[str, str], Path]:
    """A crontab command that keeps the table in a file: (the environment to run with, the file)."""
    store = tmp_path / "crontab.txt"
    fake = tmp_path / "crontab"
    fake.write_text(
        f'#!/bin/bash\nif [ "$1" = "-l" ]; then cat {store} 2>/dev/null || exit 1; else cat > {store}; fi\n'
    )
    fake.chmod(0o755)
    store.write_text(content)
    return {"PATH": "/usr/bin:/bin", "CRONTAB": str(fake)}, store


def cron_run(script: str, env_file: Path, cwd: Path, *args: str, extra: dict | None = None, timeout: float = 120):
    """The way cron runs it: an empty environment, PATH=/usr/bin:/bin, another directory."""
    home = cwd / "home"
    home.mkdir(exist_ok=True)
    env_args = [f"{k}={v}" for k, v in (extra or {}).items()]
    return subprocess.run(
        [
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            f"HOME={home}",
            *env_args,
            "bash",
            str(ROOT / "scripts" / script),
            "--env-file",
            str(env_file),
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_script(
    script: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
):
    """Run a scripts/cli script the way an operator does: its own process, a clean environment.

    Never the operator's config/.env: without an --env-file, the settings come from env alone.
    """
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    if "--env-file" not in args and "--help" not in args:
        args = ("--env-file", os.devnull, *args)
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli" / script), *args],
        env={**clean, **(env or {})},
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class AuthMoto:
    """A moto server that checks credentials, with one IAM user allowed everything on S3."""

    def __init__(self, server: MotoServer, access: str, secret: str) -> None:
        self.server, self.url, self.access, self.secret = server, server.url, access, secret


@pytest.fixture(scope="session")
def moto_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthMoto]:

    # The first 4 requests go unchecked: 3 set up the user, the 4th creates the shared bucket.
    server = MotoServer(tmp_path_factory.mktemp("moto-auth") / "moto.log", {"INITIAL_NO_AUTH_ACTION_COUNT": "4"})
    iam = boto3.client(
        "iam",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam.create_user(UserName="elytra")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="elytra", PolicyName="s3", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="elytra")["AccessKey"]
    s3_client(server.url, key["AccessKeyId"], key["SecretAccessKey"]).create_bucket(Bucket="auth-bucket")
    yield AuthMoto(server, key["AccessKeyId"], key["SecretAccessKey"])
    server.stop()


class Recorder:
    """A local HTTP endpoint that records what pings it."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str, bytes]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorder.hits.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.httpd.shutdown()


# --- the public file and the cron job's settings ---------------------------------------


def status_doc(updated: datetime, platform: str = "operational") -> dict:
    return {
        "schema_version": 1,
        "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform_status": platform,
        "maintenance": False,
        "uptime": {"last_24h": 99.9, "last_7d": None, "last_30d": 99.5},
        "backups": {"last_backup_status": "success", "last_backup_time": None},
    }


@pytest.fixture
def status_bucket(s3) -> str:
    return new_bucket(s3, "status")


@pytest.fixture
def pub_env(base_env, status_bucket, tmp_path) -> dict[str, str]:
    env = {**base_env, "STATUS_BUCKET": status_bucket, "STATUS_BUCKET_KEY": "public/status.json"}
    Path(env["OUTPUT_FILE"]).write_text(json.dumps(status_doc(datetime.now(UTC))))
    return env


def public_bytes(s3, bucket: str, key: str = "public/status.json") -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.fixture
def job_env(pub_env, kuma, s3, bucket) -> dict[str, str]:
    kuma.serve_version("2.5.3")
    s3.put_object(Bucket=bucket, Key="db/nightly.sql.gz", Body=b"data")
    return pub_env
