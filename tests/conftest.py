"""Fixtures for every tier: a real moto S3 server and a replaying Uptime Kuma, both on loopback. Helpers: support/."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from support.commands import cron_run, write_env
from support.documents import status_doc
from support.kuma_replay import API_KEY, ReplayServer
from support.servers import ACCESS_KEY, SECRET_KEY, AuthMoto, MotoServer, Recorder, SeaweedFS, new_bucket, s3_client


@pytest.fixture(autouse=True)
def never_the_operators_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process code that falls back on config/.env gets a poisoned file instead, and its tests fail."""
    from elytra_status.infra import settings

    poisoned = tmp_path_factory.mktemp("poison") / ".env"
    poisoned.write_text("CRITICAL_MONITOR_IDS=424242\nMONITOR_IDS=424242\nUPTIME_KUMA_URL=http://poisoned.invalid\n")
    poisoned.chmod(0o600)
    monkeypatch.setattr(settings, "DEFAULT_ENV_FILE", poisoned)


@pytest.fixture(autouse=True)
def fresh_log_handlers() -> Iterator[None]:
    """A main() run in-process leaves handlers on streams that pytest closes; each test starts clean."""
    from elytra_status.infra import logs

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


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A second, real store; started by the first test that asks for it, so the others pay nothing."""
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()


@pytest.fixture
def s3(moto: MotoServer):
    return s3_client(moto.url)


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


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and never answers: every request waits for its read timeout."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # the kernel completes the handshakes; nothing ever reads or writes
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


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


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.httpd.shutdown()


@pytest.fixture
def status_bucket(s3) -> str:
    return new_bucket(s3, "status")


@pytest.fixture
def pub_env(base_env, status_bucket, tmp_path) -> dict[str, str]:
    env = {**base_env, "STATUS_BUCKET": status_bucket, "STATUS_BUCKET_KEY": "public/status.json"}
    Path(env["OUTPUT_FILE"]).write_text(json.dumps(status_doc(datetime.now(UTC))))
    return env


@pytest.fixture
def job_env(pub_env, kuma, s3, bucket) -> dict[str, str]:
    kuma.serve_version("2.5.3")
    s3.put_object(Bucket=bucket, Key="db/nightly.sql.gz", Body=b"data")
    return pub_env


@pytest.fixture
def published(moto, s3, job_env, kuma, status_bucket, tmp_path):
    """One cron run against the 2.5.3 page with incidents and maintenance; returns (base URL, env file)."""
    kuma.serve_incidents("2.5.3-incident")
    env = {
        **job_env,
        "UPTIME_KUMA_STATUS_PAGE": "elytra",
        "STATUS_PUBLIC_URL": f"{moto.url}/{status_bucket}/public/status.json",
    }
    env_file = write_env(tmp_path / "page.env", env)
    result = cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert result.returncode in (0, 3), result.stdout
    return f"{moto.url}/{status_bucket}/public", env_file


@pytest.fixture
def deployment(moto, s3, job_env, kuma, tmp_path):
    """A factory: one deployment in a language (its own bucket, state and settings), one cron run; its base URL."""
    kuma.serve_incidents("2.5.3-incident")

    def make(language: str) -> str:
        bucket = new_bucket(s3, "status")
        folder = tmp_path / f"deploy-{language}"
        folder.mkdir()
        env = {
            **job_env,
            "STATUS_BUCKET": bucket,
            "UPTIME_KUMA_STATUS_PAGE": "elytra",
            "STATUS_PUBLIC_URL": f"{moto.url}/{bucket}/public/status.json",
            "PAGE_LANGUAGE": language,
            "STATE_FILE": str(folder / "state.json"),
            "BUNDLE_DIR": str(folder / "public"),
            "OUTPUT_FILE": str(folder / "status.json"),
            "LOG_FILE": str(folder / "status.log"),
        }
        result = cron_run("generate_and_upload.sh", write_env(folder / "page.env", env), folder)
        assert result.returncode in (0, 3), result.stdout
        return f"{moto.url}/{bucket}/public"

    return make
