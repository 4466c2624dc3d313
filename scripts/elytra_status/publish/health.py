"""Each site's health object: private, written every run, read by the other sites to decide a handoff."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from elytra_status.infra.signed_s3 import SignedS3, SignedS3Error
from elytra_status.publish.lease import StoreError, store_age

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


def write(client: SignedS3, key: str, health: Health) -> None:
    body = json.dumps({"version": 1, **{k: v for k, v in asdict(health).items() if k != "age"}}).encode()
    try:
        answer = client.request("PUT", key, body, {"Content-Type": "application/json"})
    except SignedS3Error as exc:
        raise StoreError(f"health not written: {exc}") from None
    if answer.status != 200:
        raise StoreError(f"health not written: {answer.code}")


def read_all(client: SignedS3, folder: str) -> list[Health]:
    """Every site's health under folder, bounded; a damaged one, or one gone since the listing, is left out."""
    found = []
    try:
        for key in client.keys(folder + PREFIX, MAX_SITES):
            answer = client.request("GET", key)
            one = parse(answer.body) if answer.status == 200 else None
            if one is not None:
                found.append(Health(**{**asdict(one), "age": store_age(answer.headers)}))
    except SignedS3Error as exc:
        raise StoreError(f"health of the sites not read: {exc}") from None
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
