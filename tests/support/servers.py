"""Real servers on loopback for the tests: moto's S3 (with and without credential checks), a recorder."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import requests
from botocore.config import Config as BotoConfig
from stack import free_port, wait_for

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


def s3_client(endpoint: str, access: str = ACCESS_KEY, secret: str = SECRET_KEY):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        config=BotoConfig(request_checksum_calculation="when_required", response_checksum_validation="when_required"),
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
