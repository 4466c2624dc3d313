"""Shared pieces of the status scripts: config, logging, HTTP session, deadline, schema."""

from __future__ import annotations

import argparse
import difflib
import email.utils
import functools
import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import requests

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ENV_FILE = ROOT / "config" / ".env"
SCHEMA_FILE = Path(__file__).resolve().parent / "status.schema.json"

# Exit codes shared by every script; README "Exit codes" documents them.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_SOURCE_FAILED = 3
EXIT_UPLOAD_FAILED = 4
EXIT_LOCKED = 75

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

log = logging.getLogger("elytra")


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class DeadlineExceeded(Exception):
    """The run's deadline (RUN_DEADLINE_SECONDS) has passed."""


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


# --- logging ---------------------------------------------------------------


class _UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", self.converter(record.created))

    def format(self, record: logging.LogRecord) -> str:
        # One event, one line: a newline inside a message would split it for grep.
        return super().format(record).replace("\r", " ").replace("\n", " | ")


class _Prepare(logging.Filter):
    """Names the script on each record, and is the last line of defence: no secret reaches a line."""

    def __init__(self, script: str, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.script = script
        # Short values would mask ordinary words; real keys are 20 characters or more.
        self.secrets = tuple(s for s in secrets if len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "***")
        record.msg, record.args, record.script = message, None, self.script
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(script)s: %(message)s"


def setup_logging(script: str, config: Config | None = None, stream: Any = None) -> logging.Logger:
    """Log one line per event, UTC, to stderr (or stream) and LOG_FILE when set."""
    log.handlers.clear()
    log.setLevel(logging.INFO)
    log.propagate = False
    formatter = _UTCFormatter(LOG_FORMAT)
    prepare = _Prepare(script, config.secrets if config else ())
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)]
    problem = None
    if config and config.log_file:
        try:
            config.log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.FileHandler(config.log_file, encoding="utf-8"))
        except OSError as exc:
            problem = f"cannot open LOG_FILE {config.log_file}: {exc.strerror}; logging to the console only"
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(prepare)
        log.addHandler(handler)
    if problem:
        log.error("%s", problem)
    return log


def start(script: str, args: argparse.Namespace, needs: tuple[str, ...], stream: Any = None) -> Config | None:
    """Load config and logging for a script's main(); None (after one log line) on bad config."""
    try:
        config = load_config(args.env_file, needs)
    except ConfigError as exc:
        setup_logging(script, None, stream)
        log.error("config error: %s", exc)
        return None
    setup_logging(script, config, stream)
    for warning in config.warnings:
        log.warning("config: %s", warning)
    return config


def add_common_args(parser: argparse.ArgumentParser, with_json: bool = True) -> None:
    parser.add_argument("--env-file", type=Path, default=None, help=f"settings file (default {DEFAULT_ENV_FILE})")
    if with_json:
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


# --- time, deadline, HTTP --------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_z(moment: datetime) -> str:
    """UTC ISO 8601 with Z, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP Date header as an aware datetime; None when absent or malformed."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


MAX_CONNECT_SECONDS = 5.0


def request_timeout(seconds: float) -> tuple[float, float]:
    """(connect, read) for one request: a host that does not accept within 5 s will not."""
    return (min(seconds, MAX_CONNECT_SECONDS), seconds)


@dataclass
class Deadline:
    """A point on the monotonic clock that every network call is bounded by."""

    end: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def timeout(self, seconds: float) -> tuple[float, float]:
        """(connect, read) timeouts, both cut to what is left; raise once nothing is."""
        left = self.remaining()
        if left <= 0.05:
            raise DeadlineExceeded("the run deadline passed")
        return request_timeout(min(seconds, left))


def make_session(retries: int = 2) -> requests.Session:
    """A requests session that retries connection errors and 5xx with backoff, never a 4xx."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=retries,
        connect=retries,
        read=0,
        status=retries,
        other=0,
        backoff_factor=0.3,
        backoff_max=2.0,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "elytra-status/1"
    return session


def make_s3_client(config: Config) -> Any:
    """The one boto3 S3 client factory: SPACES_ENDPOINT, its keys, and the checksum settings Spaces needs."""
    import boto3
    from botocore.config import Config as BotoConfig

    # Since boto3 1.36 the default request checksums break DigitalOcean Spaces.
    boto_config = BotoConfig(
        connect_timeout=min(config.http_timeout_seconds, MAX_CONNECT_SECONDS),
        read_timeout=config.http_timeout_seconds,
        retries={"max_attempts": 3, "mode": "standard"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        signature_version="s3v4",
    )
    import botocore.session

    core = botocore.session.get_session()
    # Only config/.env counts: no AWS_PROFILE, no ~/.aws files (a missing profile would even crash).
    store = core.get_component("config_store")
    for name, value in (("profile", None), ("config_file", os.devnull), ("credentials_file", os.devnull)):
        store.set_config_variable(name, value)
    # botocore parses every LastModified with dateutil; 100,000 of them cost seconds.
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_parse_timestamp)
    session = boto3.session.Session(
        botocore_session=core,
        aws_access_key_id=config.spaces_access_key,
        aws_secret_access_key=config.spaces_secret_key,
        region_name=config.spaces_region,
    )
    return session.client("s3", endpoint_url=config.spaces_endpoint, config=boto_config)


def _parse_timestamp(value: str) -> datetime:
    """ISO 8601 (listings) the fast way; anything else (HTTP dates in headers) botocore's way."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        from botocore.utils import parse_timestamp

        return parse_timestamp(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- status.json schema ----------------------------------------------------


@functools.cache
def status_validator() -> Any:
    """The compiled JSON Schema check for status.json; raises fastjsonschema's error on mismatch."""
    import fastjsonschema

    return fastjsonschema.compile(json.loads(SCHEMA_FILE.read_text()))


class InvalidStatus(ValueError):
    """Bytes that are not a status document valid under the schema."""


def status_age(data: bytes, now: datetime) -> tuple[dict[str, Any], float]:
    """Parse and validate a status document; return it and the age of its updated_at in seconds."""
    import fastjsonschema

    try:
        document = json.loads(data)
        status_validator()(document)
    except (ValueError, fastjsonschema.JsonSchemaException) as exc:
        raise InvalidStatus(getattr(exc, "message", str(exc))) from None
    updated = datetime.strptime(document["updated_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return document, (now - updated).total_seconds()


# A published updated_at may run ahead of a reader's clock by this much, no more (clock skew).
FUTURE_SLACK_SECONDS = 300.0


def freshness_problem(document: dict[str, Any], age: float, config: Config) -> str | None:
    """Why a status document is not fresh: too old, or dated in the future; None when it is fresh."""
    if age > config.status_max_age_seconds:
        return (
            f"stale: updated_at {document['updated_at']} is {age:.0f}s old,"
            f" over STATUS_MAX_AGE_SECONDS={config.status_max_age_seconds}"
        )
    if -age > FUTURE_SLACK_SECONDS:
        return f"dated in the future: updated_at {document['updated_at']} is {-age:.0f}s ahead; check the clock"
    return None


def cache_control(config: Config) -> str:
    """The Cache-Control the public object is uploaded with and checked for."""
    return f"public, max-age={config.cache_max_age_seconds}"


def print_rows(rows: list[tuple[str, ...]]) -> None:
    """A plain aligned table on stdout; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
