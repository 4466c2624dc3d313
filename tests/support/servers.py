"""Real servers on loopback for the tests: moto's S3 (with and without credential checks), SeaweedFS, a recorder."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import requests
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from stack import free_port, wait_for

BIN = Path(sys.executable).parent
ACCESS_KEY = "test-access-key-AKIAELYTRA"
SECRET_KEY = "test-secret-key-s3cr3t-elytra"
# SeaweedFS's one identity: the status bucket's own keys (STATUS_ACCESS_KEY, STATUS_SECRET_KEY) in the tests.
SEAWEED_ACCESS_KEY = "status-access-key-AKIASEAWEED"
SEAWEED_SECRET_KEY = "status-secret-key-s3cr3t-seaweed"


class MotoServer:
    """moto's S3 server in its own process on a free loopback port."""

    access, secret = ACCESS_KEY, SECRET_KEY  # any keys work; these are the tests'

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


class SeaweedFS:
    """SeaweedFS's `weed server` (master, volume server, filer and S3 gateway in one process) on loopback.

    It checks keys: one identity, the given pair, may do everything; anonymous readers may read, as the
    public files are read (SeaweedFS keeps no per-object ACL). Its temp files and logs stay in its folder.
    """

    def __init__(self, folder: Path, access: str = SEAWEED_ACCESS_KEY, secret: str = SEAWEED_SECRET_KEY) -> None:
        self.access, self.secret, self.folder = access, secret, folder
        identities = [
            {"name": "elytra", "credentials": [{"accessKey": access, "secretKey": secret}], "actions": ["Admin"]},
            {"name": "anonymous", "actions": ["Read"]},
        ]
        (folder / "s3.json").write_text(json.dumps({"identities": identities}))
        self.log_path = folder / "weed.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        for attempt in range(3):
            self._start(folder / f"data-{attempt}")
            try:
                wait_for(self._ready, 90, "SeaweedFS", interval=0.1)
                return
            except RuntimeError:
                self._kill()
                # Ports are picked, then bound by weed: something else may take one in between. Only that
                # is tried again, on other ports.
                if attempt == 2 or "address already in use" not in self.log_path.read_text()[-3000:]:
                    raise

    def _start(self, data: Path) -> None:
        data.mkdir()
        self.ports = s3_port, master, volume, filer = grpc_free_ports(4)
        self.url = f"http://127.0.0.1:{s3_port}"
        command = [str(BIN / "weed"), "server", f"-dir={data}", "-ip=127.0.0.1", "-volume.max=100"]
        command += [f"-s3.port={s3_port}", f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}"]
        # Its Iceberg and Lance listeners take fixed ports (8181, 9101): a second instance would exit.
        command += ["-s3", "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={self.folder / 's3.json'}"]
        self.proc = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
            env={**os.environ, "TMPDIR": str(self.folder)},  # its logs, out of /tmp
        )
        self.client = s3_client(self.url, self.access, self.secret, poll=True)

    def _ready(self) -> bool:
        """A real PutObject works: the master, a volume and the filer are all up, not only the S3 port."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"weed server exited: {self.log_path.read_text()[-2000:]}")
        try:
            with contextlib.suppress(ClientError):  # there already, from an earlier try, or not up yet
                self.client.create_bucket(Bucket="ready-probe")
            self.client.put_object(Bucket="ready-probe", Key="probe", Body=b"ok")
        except Exception:  # noqa: BLE001 - any failure means not ready yet; the exit check above catches a crash
            return False
        return True

    def _kill(self) -> None:
        # SIGTERM took over 20 s; nothing in it needs to survive the session.
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        # Its unix sockets go to /tmp whatever TMPDIR says, named by port: these ports were ours.
        for port in (*self.ports, *(p + 10000 for p in self.ports)):
            for sock in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)

    def stop(self) -> None:
        self._kill()
        self._log.close()


def grpc_free_ports(count: int) -> list[int]:
    """Free loopback ports P whose P + 10000 is free too: each SeaweedFS server listens on both (HTTP, gRPC).

    Both stay under 32768, where Linux picks no port for an outgoing connection (ip_local_port_range).
    """
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randrange(10000, 22000)
        if port in chosen or port + 10000 in chosen or port - 10000 in chosen:
            continue
        if all(_bindable(p) for p in (port, port + 10000)):
            chosen.append(port)
    return chosen


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def s3_client(endpoint: str, access: str = ACCESS_KEY, secret: str = SECRET_KEY, poll: bool = False):
    """A boto3 client of a test store; poll: one try, 1 s timeouts, for asking whether a server is up yet."""
    quick = {"retries": {"max_attempts": 1}, "connect_timeout": 1, "read_timeout": 1} if poll else {}
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        config=BotoConfig(
            request_checksum_calculation="when_required", response_checksum_validation="when_required", **quick
        ),
    )


def new_bucket(s3, kind: str) -> str:
    """A bucket of its own for one test: tests share the session's moto server."""
    name = f"{kind}-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


class AuthMoto:
    """A moto server that checks credentials, with one IAM user allowed everything on S3."""

    def __init__(self, server: MotoServer, access: str, secret: str) -> None:
        self.server, self.url, self.access, self.secret = server, server.url, access, secret


def start_auth_moto(log: Path) -> AuthMoto:
    """moto checking credentials: its IAM user made through moto's IAM API, and the shared bucket `auth-bucket`."""
    # The first 4 requests go unchecked: 3 set up the user, the 4th creates the shared bucket.
    server = MotoServer(log, {"INITIAL_NO_AUTH_ACTION_COUNT": "4"})
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
    return AuthMoto(server, key["AccessKeyId"], key["SecretAccessKey"])


@contextlib.contextmanager
def silent_listener() -> Iterator[str]:
    """An endpoint that accepts connections and never answers: every request waits for its read timeout."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # the kernel completes the handshakes; nothing ever reads or writes
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


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


def public_bytes(s3, bucket: str, key: str = "public/status.json") -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
