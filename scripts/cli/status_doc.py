"""The status.json document: its schema check, its age and freshness, and its Cache-Control."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from settings import Config

SCHEMA_FILE = Path(__file__).resolve().parent / "status.schema.json"


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
