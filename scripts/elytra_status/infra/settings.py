"""Settings: read config/.env and the environment, validate every value once, into one typed Config."""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from elytra_status.infra import values as v
from elytra_status.infra.definitions import BY_NAME, SETTINGS
from elytra_status.infra.own_keys import FOLDERS, RENDERED, OwnKeys
from elytra_status.infra.stores import Store, stores
from elytra_status.infra.values import ROOT, ConfigError, region_from_endpoint  # noqa: F401 - part of this module's API

DEFAULT_ENV_FILE = ROOT / "config" / ".env"

KNOWN_VARIABLES = tuple(s.name for s in SETTINGS)
# Environment variables with these prefixes are checked for near-miss spellings;
# the rest of the process environment is none of our business.
_OUR_PREFIXES = ("UPTIME_", "MONITOR", "CRITICAL_", "SPACES_", "STATUS_", "BACKUP_", "HEARTBEAT", "SITE_", "PAGE_")
_OUR_PREFIXES += ("NOTIFY",)


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
    status_store: Store  # the status bucket's endpoint and keys, lease and health included: Spaces unless STATUS_*
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
    bundle_dir: Path = ROOT / "logs" / "public"
    publish_every_seconds: int = 600
    poll_seconds: int = 10  # the resident mode's quiet polls of /metrics
    site_name: str | None = None  # two-site mode when set (with site_role)
    site_role: str | None = None
    site_lease_seconds: int = 180
    site_grace_runs: int = 2
    site_hold_seconds: int = 600
    site_drain: bool = False
    page_language: str = "en"
    notify_urls: tuple[str, ...] = dataclasses.field(default=(), repr=False)  # secrets: Apprise URLs
    notify_hold_seconds: int = 120
    warnings: tuple[str, ...] = ()

    def own_objects(self, bucket: str) -> frozenset[str]:
        """Keys this project publishes in bucket: never counted as backups, whatever BACKUP_PREFIX says."""
        if bucket != self.status_bucket:
            return OwnKeys()
        from elytra_status.infra import schemas as bundle_schema

        folder = self.status_bucket_key.rpartition("/")[0]
        prefix = f"{folder}/" if folder else ""
        keys = {self.status_bucket_key, *(prefix + key for key in (*bundle_schema.file_keys(), *RENDERED))}
        return OwnKeys(keys, tuple(prefix + f for f in FOLDERS))

    @property
    def backup_store(self) -> Store:
        return Store(self.spaces_endpoint, self.spaces_region, self.spaces_access_key, self.spaces_secret_key)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be written anywhere."""
        keys = (self.uptime_kuma_api_key, *self.backup_store.keys, *self.status_store.keys)
        return tuple(s for s in (*keys, *v.url_secrets(self.notify_urls)) if s)


# A writer uploads only while its lease has more left than UPLOAD_TIMEOUT_SECONDS and this.
LEASE_MARGIN_SECONDS = 2


# Groups of variables a script cannot run without.
NEEDS_KUMA = ("UPTIME_KUMA_URL", "UPTIME_KUMA_API_KEY")
NEEDS_BACKUPS = ("SPACES_ENDPOINT", "SPACES_ACCESS_KEY", "SPACES_SECRET_KEY", "BACKUP_BUCKET")
NEEDS_PUBLISH = ("SPACES_ENDPOINT", "SPACES_ACCESS_KEY", "SPACES_SECRET_KEY", "STATUS_BUCKET")
NEEDS_PUBLIC_CHECK = ("STATUS_PUBLIC_URL",)


def read_settings(env_file: Path | None, environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Merge the .env file with the real environment, which wins; and warnings about the file."""
    from dotenv import dotenv_values

    path = env_file if env_file is not None else DEFAULT_ENV_FILE
    values: dict[str, str] = {}
    warnings: list[str] = []
    if path.exists() and not path.is_dir():
        if path.is_file():
            warnings += v.check_mode(path)
        values = {k: val for k, val in dotenv_values(path).items() if val is not None}
    elif env_file is not None:
        raise ConfigError("--env-file", f"{path} does not exist")
    for key, value in environ.items():
        if key in KNOWN_VARIABLES or key.startswith(_OUR_PREFIXES):
            values[key] = value
    return values, warnings


def _near_misses(values: Mapping[str, str]) -> list[str]:
    out = []
    for key in sorted(values):
        if key in KNOWN_VARIABLES:
            continue
        close = difflib.get_close_matches(key, KNOWN_VARIABLES, n=1, cutoff=0.8)
        if close:
            out.append(f"{key} is not a known variable: did you mean {close[0]}? It is ignored")
    return out


def config_tag(env_file: Path) -> str:
    """A folder name of this settings file's own: its name and a hash of its full path.

    generate_and_upload.sh computes the same name for the lock (basename, sha256sum).
    """
    import hashlib

    name = re.sub(r"[^A-Za-z0-9._-]", "_", env_file.name.removeprefix(".")) or "env"
    return f"{name}-{hashlib.sha256(str(env_file.resolve()).encode()).hexdigest()[:8]}"


def own_folder(env_file: Path | None) -> Path | None:
    """The folder of a settings file's own places (logs/<name>-<hash>/), or None for config/.env's."""
    if env_file is None or env_file.resolve() == DEFAULT_ENV_FILE.resolve():
        return None
    return ROOT / "logs" / config_tag(env_file)


def default_places(env_file: Path | None) -> dict[str, str]:
    """The defaults of STATE_FILE, BUNDLE_DIR and OUTPUT_FILE for a settings file.

    config/.env keeps the places it always had; any other file gets logs/<name>-<hash>/, so two
    configs in one checkout share no state, bundle, output or lock unless told to.
    """
    folder = own_folder(env_file)
    if folder is None:
        return {name: BY_NAME[name].default for name in ("STATE_FILE", "BUNDLE_DIR", "OUTPUT_FILE")}
    return {
        "STATE_FILE": f"{folder}/state.json",
        "BUNDLE_DIR": f"{folder}/public",
        "OUTPUT_FILE": f"{folder}/status.json",
    }


def parse_config(
    values: Mapping[str, str], needs: tuple[str, ...] = (), places: Mapping[str, str] | None = None
) -> Config:
    """Validate raw settings into a Config; raise ConfigError naming the first bad variable."""
    need = set(needs)
    places = places or default_places(None)
    monitor_ids = v.ids(values, "MONITOR_IDS")
    critical = v.ids(values, "CRITICAL_MONITOR_IDS")
    if monitor_ids and not set(critical) <= set(monitor_ids):
        missing = sorted(set(critical) - set(monitor_ids))
        raise ConfigError("CRITICAL_MONITOR_IDS", f"ids {missing} are not in MONITOR_IDS")
    status_page = v.text(values, "UPTIME_KUMA_STATUS_PAGE", False)
    if status_page and not re.fullmatch(r"[A-Za-z0-9_-]+", status_page):
        raise ConfigError("UPTIME_KUMA_STATUS_PAGE", "is a slug: letters, digits, '-' and '_' only")
    spaces, status_of = stores(values, need)
    key = v.text(values, "STATUS_BUCKET_KEY", False, BY_NAME["STATUS_BUCKET_KEY"].default).lstrip("/")
    if key.endswith("/"):
        raise ConfigError("STATUS_BUCKET_KEY", "names a folder; it must name the file")
    origins = tuple(o.strip().rstrip("/") for o in values.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip())
    for origin in origins:
        if origin != "*" and urlsplit(origin).scheme not in ("http", "https"):
            raise ConfigError("CORS_ALLOWED_ORIGINS", f"{origin!r} needs a scheme, like https://example.com")
    warnings = _near_misses(values)
    status_bucket = v.bucket(values, "STATUS_BUCKET", "STATUS_BUCKET" in need)
    backup_bucket = v.bucket(values, "BACKUP_BUCKET", "BACKUP_BUCKET" in need)
    if status_bucket and status_bucket == backup_bucket and status_of.endpoint == spaces.endpoint:
        warnings.append(
            f"STATUS_BUCKET and BACKUP_BUCKET are both {status_bucket!r}: the objects this project publishes"
            " are never counted as backups, but a bucket of their own is safer"
        )
    site_name, site_role = v.site(values)
    if site_name and not status_bucket:
        raise ConfigError("STATUS_BUCKET", "is empty: two sites meet in the status bucket (SITE_NAME is set)")
    if site_name and not status_page:
        raise ConfigError("UPTIME_KUMA_STATUS_PAGE", "is empty: two sites match their monitors by the page's names")
    return Config(
        uptime_kuma_url=v.url(values, "UPTIME_KUMA_URL", "UPTIME_KUMA_URL" in need),
        uptime_kuma_api_key=v.secret(values, "UPTIME_KUMA_API_KEY", "UPTIME_KUMA_API_KEY" in need),
        uptime_kuma_status_page=status_page or None,
        monitor_ids=monitor_ids,
        critical_monitor_ids=critical,
        spaces_endpoint=spaces.endpoint,
        spaces_region=spaces.region,
        spaces_access_key=spaces.access_key,
        spaces_secret_key=spaces.secret_key,
        status_store=status_of,
        status_bucket=status_bucket,
        status_bucket_key=key,
        status_public_url=v.url(values, "STATUS_PUBLIC_URL", "STATUS_PUBLIC_URL" in need) or None,
        status_max_age_seconds=_whole(values, "STATUS_MAX_AGE_SECONDS"),
        cache_max_age_seconds=_whole(values, "CACHE_MAX_AGE_SECONDS"),
        cors_allowed_origins=origins,
        backup_bucket=backup_bucket,
        backup_prefixes=v.prefixes(values),
        backup_max_age_hours=_number(values, "BACKUP_MAX_AGE_HOURS"),
        output_file=v.path(values, "OUTPUT_FILE", places["OUTPUT_FILE"]),
        log_file=v.path(values, "LOG_FILE", BY_NAME["LOG_FILE"].default),
        http_timeout_seconds=_number(values, "HTTP_TIMEOUT_SECONDS"),
        run_deadline_seconds=_number(values, "RUN_DEADLINE_SECONDS"),
        upload_timeout_seconds=_number(values, "UPLOAD_TIMEOUT_SECONDS"),
        heartbeat_url=v.url(values, "HEARTBEAT_URL", False) or None,
        state_file=v.path(values, "STATE_FILE", places["STATE_FILE"]),
        bundle_dir=v.folder(values, "BUNDLE_DIR", places["BUNDLE_DIR"]),
        publish_every_seconds=publish_every(values),
        poll_seconds=_whole(values, "POLL_SECONDS"),
        site_name=site_name,
        site_role=site_role,
        site_lease_seconds=site_lease(values, bool(site_name)),
        site_grace_runs=_whole(values, "SITE_GRACE_RUNS"),
        site_hold_seconds=_whole(values, "SITE_HOLD_SECONDS"),
        site_drain=v.flag(values, "SITE_DRAIN"),
        page_language=v.language(values),
        notify_urls=v.notify_urls(values),
        notify_hold_seconds=_whole(values, "NOTIFY_HOLD_SECONDS"),
        warnings=tuple(warnings),
    )


def _whole(values: Mapping[str, str], name: str) -> int:
    s = BY_NAME[name]
    return v.whole(values, name, int(s.default), int(s.low or 0), int(s.high or 0))


def _number(values: Mapping[str, str], name: str) -> float:
    s = BY_NAME[name]
    return v.number(values, name, float(s.default), float(s.low or 0), float(s.high or 0))


def publish_every(values: Mapping[str, str]) -> int:
    """PUBLISH_EVERY_SECONDS: under STATUS_MAX_AGE_SECONDS, or the public file would go stale between uploads."""
    every = _whole(values, "PUBLISH_EVERY_SECONDS")
    max_age = _whole(values, "STATUS_MAX_AGE_SECONDS")
    if every >= max_age:
        raise ConfigError("PUBLISH_EVERY_SECONDS", f"{every} must be under STATUS_MAX_AGE_SECONDS={max_age}")
    return every


def site_lease(values: Mapping[str, str], two_sites: bool) -> int:
    """SITE_LEASE_SECONDS: at least twice RUN_DEADLINE_SECONDS, so a run ends well inside the lease it took."""
    lease = _whole(values, "SITE_LEASE_SECONDS")
    deadline = _number(values, "RUN_DEADLINE_SECONDS")
    if two_sites and lease < 2 * deadline:
        raise ConfigError("SITE_LEASE_SECONDS", f"{lease} must be at least 2x RUN_DEADLINE_SECONDS={deadline:g}")
    upload = _number(values, "UPLOAD_TIMEOUT_SECONDS")
    if two_sites and lease <= upload + LEASE_MARGIN_SECONDS:
        raise ConfigError(
            "SITE_LEASE_SECONDS", f"{lease} must be over UPLOAD_TIMEOUT_SECONDS={upload:g} + {LEASE_MARGIN_SECONDS}"
        )
    return lease


def load_config(
    env_file: Path | None = None,
    needs: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read config/.env (or env_file) and the environment into a validated Config."""
    values, file_warnings = read_settings(env_file, os.environ if environ is None else environ)
    try:
        config = parse_config(values, needs, default_places(env_file))
    except ConfigError as exc:
        if env_file is None and not DEFAULT_ENV_FILE.exists() and str(exc).endswith("and is required"):
            raise ConfigError(
                str(DEFAULT_ENV_FILE),
                "does not exist: copy config/.env.example there (bash scripts/setup.sh does, mode 600)"
                " and fill it in, or pass --env-file",
            ) from None
        raise
    return dataclasses.replace(config, warnings=config.warnings + tuple(file_warnings))
