"""Settings: read config/.env and the environment, validate every value once, into one typed Config."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ENV_FILE = ROOT / "config" / ".env"

KNOWN_VARIABLES = (
    "UPTIME_KUMA_URL",
    "UPTIME_KUMA_API_KEY",
    "UPTIME_KUMA_STATUS_PAGE",
    "MONITOR_IDS",
    "CRITICAL_MONITOR_IDS",
    "SPACES_ENDPOINT",
    "SPACES_REGION",
    "SPACES_ACCESS_KEY",
    "SPACES_SECRET_KEY",
    "STATUS_BUCKET",
    "STATUS_BUCKET_KEY",
    "STATUS_PUBLIC_URL",
    "STATUS_MAX_AGE_SECONDS",
    "CACHE_MAX_AGE_SECONDS",
    "CORS_ALLOWED_ORIGINS",
    "BACKUP_BUCKET",
    "BACKUP_PREFIX",
    "BACKUP_MAX_AGE_HOURS",
    "OUTPUT_FILE",
    "LOG_FILE",
    "HTTP_TIMEOUT_SECONDS",
    "RUN_DEADLINE_SECONDS",
    "UPLOAD_TIMEOUT_SECONDS",
    "HEARTBEAT_URL",
    "STATE_FILE",
)
# Environment variables with these prefixes are checked for near-miss spellings;
# the rest of the process environment is none of our business.
_OUR_PREFIXES = ("UPTIME_", "MONITOR", "CRITICAL_", "SPACES_", "STATUS_", "BACKUP_", "HEARTBEAT")
_STRFTIME_ALLOWED = set("YymdHj%")


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Config:
    """Every setting of the suite, validated once at start."""

    uptime_kuma_url: str
    uptime_kuma_api_key: str
    uptime_kuma_status_page: str | None
    monitor_ids: tuple[int, ...]
    critical_monitor_ids: tuple[int, ...]
    spaces_endpoint: str
    spaces_region: str
    spaces_access_key: str
    spaces_secret_key: str
    status_bucket: str
    status_bucket_key: str
    status_public_url: str | None
    status_max_age_seconds: int
    cache_max_age_seconds: int
    cors_allowed_origins: tuple[str, ...]
    backup_bucket: str
    backup_prefixes: tuple[str, ...]
    backup_max_age_hours: float
    output_file: Path
    log_file: Path
    http_timeout_seconds: float
    run_deadline_seconds: float
    upload_timeout_seconds: float
    heartbeat_url: str | None
    state_file: Path = ROOT / "logs" / "state.json"
    warnings: tuple[str, ...] = ()

    def own_objects(self, bucket: str) -> frozenset[str]:
        """Keys this project publishes in bucket: never counted as backups, whatever BACKUP_PREFIX says."""
        return frozenset({self.status_bucket_key}) if bucket == self.status_bucket else frozenset()

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be written anywhere."""
        return tuple(s for s in (self.uptime_kuma_api_key, self.spaces_access_key, self.spaces_secret_key) if s)


# Groups of variables a script cannot run without.
NEEDS_KUMA = ("UPTIME_KUMA_URL", "UPTIME_KUMA_API_KEY")
NEEDS_BACKUPS = ("SPACES_ENDPOINT", "SPACES_ACCESS_KEY", "SPACES_SECRET_KEY", "BACKUP_BUCKET")
NEEDS_PUBLISH = ("SPACES_ENDPOINT", "SPACES_ACCESS_KEY", "SPACES_SECRET_KEY", "STATUS_BUCKET")
NEEDS_PUBLIC_CHECK = ("STATUS_PUBLIC_URL",)


def read_settings(env_file: Path | None, environ: Mapping[str, str]) -> dict[str, str]:
    """Merge the .env file with the real environment, which wins."""
    from dotenv import dotenv_values

    path = env_file if env_file is not None else DEFAULT_ENV_FILE
    values: dict[str, str] = {}
    if path.is_file():
        values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    elif env_file is not None:
        raise ConfigError("--env-file", f"{path} does not exist")
    for key, value in environ.items():
        if key in KNOWN_VARIABLES or key.startswith(_OUR_PREFIXES):
            values[key] = value
    return values


def _near_misses(values: Mapping[str, str]) -> list[str]:
    out = []
    for key in sorted(values):
        if key in KNOWN_VARIABLES:
            continue
        close = difflib.get_close_matches(key, KNOWN_VARIABLES, n=1, cutoff=0.8)
        if close:
            out.append(f"{key} is not a known variable: did you mean {close[0]}? It is ignored")
    return out


def _text(values: Mapping[str, str], name: str, required: bool, default: str = "") -> str:
    value = values.get(name, "").strip()
    if not value:
        if required:
            raise ConfigError(name, "is empty or missing, and is required")
        return default
    return value


def _url(values: Mapping[str, str], name: str, required: bool) -> str:
    value = _text(values, name, required)
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ConfigError(name, "needs a scheme: write it as https://host[:port][/path]")
    if not parts.hostname:
        raise ConfigError(name, "has no host name")
    if parts.username or parts.password:
        raise ConfigError(name, "must not carry credentials; use the key variables instead")
    return value.rstrip("/")


def _ids(values: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = values.get(name, "").strip()
    if not raw:
        return ()
    ids: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) <= 0:
            raise ConfigError(name, f"{part!r} is not a monitor id (a positive whole number)")
        if int(part) not in ids:
            ids.append(int(part))
    return tuple(ids)


def _number(values: Mapping[str, str], name: str, default: float, maximum: float | None = None) -> float:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"{raw!r} is not a number") from None
    if not value > 0 or value != value or value == float("inf"):
        raise ConfigError(name, f"{raw!r} must be greater than zero")
    if maximum is not None and value > maximum:
        raise ConfigError(name, f"{raw!r} is above the limit of {maximum:g}")
    return value


def _path(values: Mapping[str, str], name: str, default: str) -> Path:
    """A file path; a relative one is taken from the checkout, since cron starts elsewhere."""
    path = Path(_text(values, name, False, default)).expanduser()
    path = path if path.is_absolute() else ROOT / path
    if path.exists() and path.is_dir() and name in ("LOG_FILE", "STATE_FILE"):
        raise ConfigError(name, f"{path} is a folder; it must name a file")
    return path


def _endpoint(values: Mapping[str, str], name: str, required: bool) -> str:
    value = _text(values, name, required)
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(name, "is not a host name or an http(s) URL")
    return f"{parts.scheme}://{parts.netloc}"


def _bucket(values: Mapping[str, str], name: str, required: bool) -> str:
    value = _text(values, name, required)
    if value and not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", value):
        raise ConfigError(name, "is not a valid bucket name (3-63 of a-z, 0-9, '.', '-')")
    return value


def _prefixes(values: Mapping[str, str]) -> tuple[str, ...]:
    raw = values.get("BACKUP_PREFIX", "")
    prefixes = tuple(p.strip() for p in raw.split(",") if p.strip()) or ("",)
    for prefix in prefixes:
        directives = re.findall(r"%(.)", prefix)
        bad = [d for d in directives if d not in _STRFTIME_ALLOWED]
        if bad:
            raise ConfigError("BACKUP_PREFIX", f"%{bad[0]} in {prefix!r}: only %Y %y %m %d %H %j are supported")
    return prefixes


def region_from_endpoint(endpoint: str) -> str:
    """`nyc3` from https://nyc3.digitaloceanspaces.com; us-east-1 for anything else."""
    host = urlsplit(endpoint).hostname or ""
    match = re.fullmatch(r"([a-z0-9-]+)\.digitaloceanspaces\.com", host)
    return match.group(1) if match else "us-east-1"


def parse_config(values: Mapping[str, str], needs: tuple[str, ...] = ()) -> Config:
    """Validate raw settings into a Config; raise ConfigError naming the first bad variable."""
    need = set(needs)
    monitor_ids = _ids(values, "MONITOR_IDS")
    critical = _ids(values, "CRITICAL_MONITOR_IDS")
    if monitor_ids and not set(critical) <= set(monitor_ids):
        missing = sorted(set(critical) - set(monitor_ids))
        raise ConfigError("CRITICAL_MONITOR_IDS", f"ids {missing} are not in MONITOR_IDS")
    status_page = _text(values, "UPTIME_KUMA_STATUS_PAGE", False)
    if status_page and not re.fullmatch(r"[A-Za-z0-9_-]+", status_page):
        raise ConfigError("UPTIME_KUMA_STATUS_PAGE", "is a slug: letters, digits, '-' and '_' only")
    endpoint = _endpoint(values, "SPACES_ENDPOINT", "SPACES_ENDPOINT" in need)
    region = _text(values, "SPACES_REGION", False) or region_from_endpoint(endpoint)
    key = _text(values, "STATUS_BUCKET_KEY", False, "status.json").lstrip("/")
    if key.endswith("/"):
        raise ConfigError("STATUS_BUCKET_KEY", "names a folder; it must name the file")
    origins = tuple(o.strip().rstrip("/") for o in values.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip())
    for origin in origins:
        if origin != "*" and urlsplit(origin).scheme not in ("http", "https"):
            raise ConfigError("CORS_ALLOWED_ORIGINS", f"{origin!r} needs a scheme, like https://example.com")
    log_file = _path(values, "LOG_FILE", "logs/status.log")
    warnings = _near_misses(values)
    status_bucket = _bucket(values, "STATUS_BUCKET", "STATUS_BUCKET" in need)
    backup_bucket = _bucket(values, "BACKUP_BUCKET", "BACKUP_BUCKET" in need)
    if status_bucket and status_bucket == backup_bucket:
        warnings.append(
            f"STATUS_BUCKET and BACKUP_BUCKET are both {status_bucket!r}: the objects this project publishes"
            " are never counted as backups, but a bucket of their own is safer"
        )
    return Config(
        uptime_kuma_url=_url(values, "UPTIME_KUMA_URL", "UPTIME_KUMA_URL" in need),
        uptime_kuma_api_key=_text(values, "UPTIME_KUMA_API_KEY", "UPTIME_KUMA_API_KEY" in need),
        uptime_kuma_status_page=status_page or None,
        monitor_ids=monitor_ids,
        critical_monitor_ids=critical,
        spaces_endpoint=endpoint,
        spaces_region=region,
        spaces_access_key=_text(values, "SPACES_ACCESS_KEY", "SPACES_ACCESS_KEY" in need),
        spaces_secret_key=_text(values, "SPACES_SECRET_KEY", "SPACES_SECRET_KEY" in need),
        status_bucket=status_bucket,
        status_bucket_key=key,
        status_public_url=_url(values, "STATUS_PUBLIC_URL", "STATUS_PUBLIC_URL" in need) or None,
        status_max_age_seconds=int(_number(values, "STATUS_MAX_AGE_SECONDS", 900)),
        cache_max_age_seconds=int(_number(values, "CACHE_MAX_AGE_SECONDS", 300, 31536000)),
        cors_allowed_origins=origins,
        backup_bucket=backup_bucket,
        backup_prefixes=_prefixes(values),
        backup_max_age_hours=_number(values, "BACKUP_MAX_AGE_HOURS", 25),
        output_file=_path(values, "OUTPUT_FILE", "/tmp/status.json"),
        log_file=log_file,
        http_timeout_seconds=_number(values, "HTTP_TIMEOUT_SECONDS", 10, 120),
        run_deadline_seconds=_number(values, "RUN_DEADLINE_SECONDS", 60, 540),
        upload_timeout_seconds=_number(values, "UPLOAD_TIMEOUT_SECONDS", 60, 300),
        heartbeat_url=_url(values, "HEARTBEAT_URL", False) or None,
        state_file=_path(values, "STATE_FILE", "logs/state.json"),
        warnings=tuple(warnings),
    )


def load_config(
    env_file: Path | None = None,
    needs: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read config/.env (or env_file) and the environment into a validated Config."""
    values = read_settings(env_file, os.environ if environ is None else environ)
    return parse_config(values, needs)
