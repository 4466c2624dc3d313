"""The status.json document: its schema check, its age and freshness, and its Cache-Control."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elytra_status.infra import atomic, timing
from elytra_status.kuma.metrics import MAINTENANCE

if TYPE_CHECKING:
    from elytra_status.backups.check import BackupReport
    from elytra_status.infra.settings import Config
    from elytra_status.kuma.presence import KumaReport

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "infra" / "status.schema.json"


@functools.cache
def status_validator() -> Any:
    """The compiled JSON Schema check for status.json; raises fastjsonschema's error on mismatch."""
    from elytra_status.infra import validators

    return validators.compiled("status", json.loads(SCHEMA_FILE.read_text()))


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


SCHEMA_VERSION = 1


class StatusWriteError(Exception):
    """status.json could not be validated or written; the previous file is untouched."""


def build_document(
    kuma: KumaReport | None, backups: BackupReport | None, config: Config, now: datetime
) -> dict[str, Any]:
    """The public document. Only enums, numbers and timestamps: nothing internal can leak."""
    # Here, not at the top: a quiet run (run/quiet.py) checks and puts up a document, and never judges one.
    from elytra_status.judge.rules import platform_status, platform_uptime

    monitors = kuma.monitors if kuma else None
    last_time = backups.last_backup_time if backups else None
    return {
        "schema_version": SCHEMA_VERSION,
        "updated_at": timing.iso_z(now),
        "platform_status": platform_status(monitors, config.critical_monitor_ids, bool(kuma and kuma.blind)),
        "maintenance": any(m.state == MAINTENANCE for m in monitors or []),
        "uptime": platform_uptime(monitors),
        "backups": {
            "last_backup_status": backups.status if backups else "unknown",
            "last_backup_time": timing.iso_z(last_time) if last_time else None,
        },
        "site": config.site_name,  # which site published it (two sites); None for one site
    }


def to_bytes(document: dict[str, Any]) -> bytes:
    """status.json as it is written and uploaded."""
    return (json.dumps(document, indent=2) + "\n").encode()


def write_status(document: dict[str, Any], path: Path) -> None:
    """Validate, then write atomically: readers see the old or the new file, never half of one."""
    import fastjsonschema

    try:
        status_validator()(document)
    except fastjsonschema.JsonSchemaException as exc:
        raise StatusWriteError(f"status document fails its schema: {exc.message}") from None
    try:
        atomic.write_atomically(path, to_bytes(document))
    except OSError as exc:
        raise StatusWriteError(f"cannot write {path} (OUTPUT_FILE): {exc.strerror}") from None
