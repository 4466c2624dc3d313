"""Fixtures for every tier: a real moto S3 server and a replaying Uptime Kuma, both on loopback. Helpers: support/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from support import disks, envs, servers
from support.documents import status_doc
from support.kuma_replay import ReplayServer
from support.servers import AuthMoto, MotoServer, Recorder, SeaweedFS, new_bucket, s3_client, silent_listener


@pytest.fixture(autouse=True)
def never_the_operators_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process code that falls back on config/.env gets a poisoned file instead, and its tests fail."""
    from elytra_status.infra import settings

    monkeypatch.setattr(settings, "DEFAULT_ENV_FILE", envs.poisoned_env_file(tmp_path_factory.mktemp("poison")))


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
        mounts.append(disks.mount_small_disk(tmp_path / f"disk-{kind}", kind))
        return mounts[-1]

    yield make
    for folder in mounts:
        disks.unmount(folder)


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
    return envs.local_settings(kuma.url, moto.url, bucket, tmp_path)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and never answers: every request waits for its read timeout."""
    with silent_listener() as url:
        yield url


@pytest.fixture(scope="session")
def moto_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthMoto]:
    auth = servers.start_auth_moto(tmp_path_factory.mktemp("moto-auth") / "moto.log")
    yield auth
    auth.server.stop()


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
    env_file = envs.publish_once(envs.page_settings(job_env, moto.url, status_bucket), tmp_path / "page.env", tmp_path)
    return f"{moto.url}/{status_bucket}/public", env_file


@pytest.fixture
def deployment(moto, s3, job_env, kuma, tmp_path):
    """A factory: one deployment in a language (its own bucket, state and settings), one cron run; its base URL."""
    kuma.serve_incidents("2.5.3-incident")

    def make(language: str) -> str:
        bucket = new_bucket(s3, "status")
        folder = tmp_path / f"deploy-{language}"
        folder.mkdir()
        env = envs.own_places({**envs.page_settings(job_env, moto.url, bucket), "PAGE_LANGUAGE": language}, folder)
        envs.publish_once(env, folder / "page.env", folder)
        return f"{moto.url}/{bucket}/public"

    return make
