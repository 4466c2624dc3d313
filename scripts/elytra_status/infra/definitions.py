"""Every setting once: name, default, bounds, meaning. settings.py checks by it; the README table comes from it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    meaning: str
    default: str = ""  # as written in a settings file; "" is empty
    low: float | None = None  # numbers only: the bounds, both inclusive
    high: float | None = None
    whole: bool = False  # whole numbers only
    needed_by: str = ""  # the commands that refuse to start without it


RUN = "the job, status.py"
KUMA = "the job, status.py, uptime_kuma_client.py"
BUCKETS = "the job, status.py, backup_checker.py, publish.py, bucket_setup.py"

SETTINGS = (
    Setting("UPTIME_KUMA_URL", "Uptime Kuma's base URL", needed_by=KUMA),
    Setting("UPTIME_KUMA_API_KEY", "an API key (Settings > API Keys); read-only use", needed_by=KUMA),
    Setting("UPTIME_KUMA_STATUS_PAGE", "slug of the published status page: names, groups, incidents, badges"),
    Setting("MONITOR_IDS", "monitors that count, comma-separated; empty: every non-group monitor"),
    Setting("CRITICAL_MONITOR_IDS", "monitors whose DOWN is an outage; a subset of MONITOR_IDS when that is set"),
    Setting(
        "SPACES_ENDPOINT",
        "S3 endpoint of the backups, and of the status bucket unless STATUS_ENDPOINT",
        needed_by=BUCKETS,
    ),
    Setting("SPACES_REGION", "S3 region; empty: taken from the endpoint's host"),
    Setting("SPACES_ACCESS_KEY", "S3 access key", needed_by=BUCKETS),
    Setting("SPACES_SECRET_KEY", "S3 secret key", needed_by=BUCKETS),
    Setting("STATUS_ENDPOINT", "S3 endpoint of the status bucket, lease and health included; empty: SPACES_*"),
    Setting("STATUS_REGION", "its region; empty: taken from STATUS_ENDPOINT's host"),
    Setting("STATUS_ACCESS_KEY", "its access key, with STATUS_SECRET_KEY or neither; empty: SPACES_ACCESS_KEY"),
    Setting("STATUS_SECRET_KEY", "its secret key; empty: SPACES_SECRET_KEY"),
    Setting("STATUS_BUCKET", "bucket of the public files", needed_by="the job, publish.py, bucket_setup.py"),
    Setting("STATUS_BUCKET_KEY", "key of status.json; the bundle goes in its folder", "status.json"),
    Setting("STATUS_PUBLIC_URL", "status.json's public URL: the page's links", needed_by="public_check.py"),
    Setting("STATUS_MAX_AGE_SECONDS", "older than this, a file is stale: not uploaded", "900", 60, 86400, True),
    Setting("CACHE_MAX_AGE_SECONDS", "Cache-Control max-age of every public file", "60", 0, 3600, True),
    Setting("PUBLISH_EVERY_SECONDS", "upload at least this often; under STATUS_MAX_AGE_SECONDS", "600", 60, 3600, True),
    Setting("CORS_ALLOWED_ORIGINS", "origins that may read the public files (bucket_setup.py applies them)"),
    Setting("BACKUP_BUCKET", "bucket of the backups", needed_by=RUN + ", backup_checker.py"),
    Setting("BACKUP_PREFIX", "backup sets, comma-separated prefixes; strftime fields allowed"),
    Setting("BACKUP_MAX_AGE_HOURS", "newest backup older than this: warning; twice: failed", "25", 0.1, 2160),
    Setting("OUTPUT_FILE", "where status.json is written; another --env-file: logs/<name>-<hash>/", "/tmp/status.json"),
    Setting("LOG_FILE", "the log", "logs/status.log"),
    Setting("STATE_FILE", "the run's memory", "logs/state.json"),
    Setting("BUNDLE_DIR", "where the bundle, page and feed are written", "logs/public"),
    Setting("HTTP_TIMEOUT_SECONDS", "read timeout of each request (connect: at most 5 s)", "10", 1, 120),
    Setting("RUN_DEADLINE_SECONDS", "the sources are read within this", "60", 5, 540),
    Setting("UPLOAD_TIMEOUT_SECONDS", "the AWS CLI's upload is bounded by this", "60", 5, 300),
    Setting(
        "POLL_SECONDS", "resident mode: /metrics is read this often; a change publishes at once", "10", 5, 60, True
    ),
    Setting("HEARTBEAT_URL", "Uptime Kuma push URL or healthchecks.io check, pinged every run"),
    Setting("PAGE_LANGUAGE", "the language of the page, incident pages, feed, calendar and badge", "en"),
    Setting("SITE_NAME", "two sites: this site's short public name, e.g. fra1; empty: one site"),
    Setting("SITE_ROLE", "two sites: `primary` or `standby`; set with SITE_NAME"),
    Setting(
        "SITE_LEASE_SECONDS", "two sites: the writer's lease; at least 2x RUN_DEADLINE_SECONDS", "180", 10, 3600, True
    ),
    Setting("SITE_GRACE_RUNS", "two sites: runs a writer may fail before it hands over", "2", 1, 60, True),
    Setting(
        "SITE_HOLD_SECONDS", "two sites: after a handoff the new writer keeps the lease so long", "600", 0, 86400, True
    ),
    Setting("SITE_DRAIN", "two sites: `true` hands the lease to a healthy other site and keeps off it", "false"),
    Setting("NOTIFY_URLS", "announcements: Apprise URLs, space-separated (secrets); empty: off"),
    Setting("NOTIFY_HOLD_SECONDS", "a status change is announced once it has held this long", "120", 1, 3600, True),
)
BY_NAME = {s.name: s for s in SETTINGS}


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,g}" if value < 1000 else f"{int(value):,}"


def markdown_table() -> str:
    """The README's settings table."""
    rows = ["| setting | default | bounds | meaning | needed by |", "| --- | --- | --- | --- | --- |"]
    for s in SETTINGS:
        bounds = f"{_number(s.low)} to {_number(s.high)}{', whole' if s.whole else ''}" if s.low is not None else ""
        default = f"`{s.default}`" if s.default else ""
        rows.append(f"| `{s.name}` | {default} | {bounds} | {s.meaning} | {s.needed_by} |")
    return "\n".join(rows) + "\n"
