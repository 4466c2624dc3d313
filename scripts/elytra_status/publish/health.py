"""Each site's health object: private, written every run, read by the other sites to decide a handoff."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from elytra_status.publish.lease import StoreError, error_code, store_age

PREFIX = "health-"
MAX_BYTES = 4096
MAX_SITES = 16
_SITE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_GENERATOR = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Health:
    """One site's view, as it wrote it: healthy or not and why, and what shapes its public files."""

    site: str
    role: str
    healthy: bool
    why: str
    healthy_runs: int  # runs in a row this site's view has been healthy
    settings: str  # digest of the settings that shape the public files
    generator: str  # the generator id its public objects carry
    age: float | None = None  # seconds since written, by the store's clock; set when read

    def fresh(self, within: float) -> bool:
        return self.age is not None and self.age < within


def write(client: Any, bucket: str, key: str, health: Health) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    body = {"version": 1, **{k: v for k, v in asdict(health).items() if k != "age"}}
    try:
        client.put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode(), ContentType="application/json")
    except (BotoCoreError, ClientError) as exc:
        raise StoreError(f"health not written: {error_code(exc) or type(exc).__name__}") from None


def read_all(client: Any, bucket: str, folder: str) -> list[Health]:
    """Every site's health under folder, bounded; a damaged one is left out."""
    from botocore.exceptions import BotoCoreError, ClientError

    found = []
    try:
        listing = client.list_objects_v2(Bucket=bucket, Prefix=folder + PREFIX, MaxKeys=MAX_SITES)
        for item in listing.get("Contents", [])[:MAX_SITES]:
            answer = client.get_object(Bucket=bucket, Key=item["Key"])
            one = parse(answer["Body"].read(MAX_BYTES + 1))
            if one is not None:
                age = store_age(answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}))
                found.append(Health(**{**asdict(one), "age": age}))
    except (BotoCoreError, ClientError) as exc:
        raise StoreError(f"health of the sites not read: {error_code(exc) or type(exc).__name__}") from None
    return found


def parse(body: bytes) -> Health | None:
    try:
        raw = json.loads(body) if len(body) <= MAX_BYTES else None
    except ValueError:
        return None
    if not isinstance(raw, dict) or raw.get("version") != 1:
        return None
    checks = (
        isinstance(raw.get("site"), str) and _SITE.fullmatch(raw["site"]),
        raw.get("role") in ("primary", "standby"),
        type(raw.get("healthy")) is bool,
        isinstance(raw.get("why"), str) and len(raw["why"]) <= 300,
        type(raw.get("healthy_runs")) is int and raw["healthy_runs"] >= 0,
        isinstance(raw.get("settings"), str) and _DIGEST.fullmatch(raw["settings"]),
        isinstance(raw.get("generator"), str) and _GENERATOR.fullmatch(raw["generator"]),
    )
    if not all(checks):
        return None
    return Health(
        raw["site"], raw["role"], raw["healthy"], raw["why"], raw["healthy_runs"], raw["settings"], raw["generator"]
    )
