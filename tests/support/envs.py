"""The settings a generator under test runs with: every place in a temporary folder, every server on loopback."""

from __future__ import annotations

from pathlib import Path

from support.commands import cron_run, write_env
from support.kuma_replay import API_KEY
from support.servers import ACCESS_KEY, SECRET_KEY

# In-process code that falls back on config/.env reads this instead: selections no capture has, a host that is not.
POISONED = "CRITICAL_MONITOR_IDS=424242\nMONITOR_IDS=424242\nUPTIME_KUMA_URL=http://poisoned.invalid\n"


def poisoned_env_file(folder: Path) -> Path:
    path = folder / ".env"
    path.write_text(POISONED)
    path.chmod(0o600)
    return path


def local_settings(kuma_url: str, moto_url: str, backup_bucket: str, folder: Path) -> dict[str, str]:
    """A complete, valid set of settings pointing at the local servers."""
    return {
        "UPTIME_KUMA_URL": kuma_url,
        "UPTIME_KUMA_API_KEY": API_KEY,
        "SPACES_ENDPOINT": moto_url,
        "SPACES_ACCESS_KEY": ACCESS_KEY,
        "SPACES_SECRET_KEY": SECRET_KEY,
        "STATUS_BUCKET": "status-public",
        "BACKUP_BUCKET": backup_bucket,
        "OUTPUT_FILE": str(folder / "status.json"),
        "LOG_FILE": str(folder / "logs" / "status.log"),
        "BUNDLE_DIR": str(folder / "public"),
        "STATE_FILE": str(folder / "state" / "state.json"),
        "HTTP_TIMEOUT_SECONDS": "3",
        "RUN_DEADLINE_SECONDS": "15",
    }


def page_settings(env: dict[str, str], moto_url: str, status_bucket: str) -> dict[str, str]:
    """env with the published page `elytra` and status.json's public URL in status_bucket's `public/` folder."""
    return {
        **env,
        "STATUS_BUCKET": status_bucket,
        "UPTIME_KUMA_STATUS_PAGE": "elytra",
        "STATUS_PUBLIC_URL": f"{moto_url}/{status_bucket}/public/status.json",
    }


def own_places(env: dict[str, str], folder: Path) -> dict[str, str]:
    """env with its state, bundle, output and log in folder: a deployment that shares none of them."""
    return {
        **env,
        "STATE_FILE": str(folder / "state.json"),
        "BUNDLE_DIR": str(folder / "public"),
        "OUTPUT_FILE": str(folder / "status.json"),
        "LOG_FILE": str(folder / "status.log"),
    }


def publish_once(env: dict[str, str], env_file: Path, folder: Path) -> Path:
    """One cron run with env written to env_file; it must publish (exit 0, or 3 with a source failed)."""
    write_env(env_file, env)
    result = cron_run("generate_and_upload.sh", env_file, folder)
    assert result.returncode in (0, 3), result.stdout
    return env_file
