"""Each site's health object: private, written when a run's turn begins and again with its outcome.

The other sites read it to decide a handoff; the site itself reads its own to count the runs before this one.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from elytra_status.infra.signed_s3 import SignedS3, SignedS3Error
from elytra_status.judge.site_health import OUTCOMES
from elytra_status.publish.lease import INSTALL, StoreError, put_private, store_age

PREFIX = "health-"
VERSION = 2
MAX_BYTES = 4096
MAX_SITES = 16
MAX_SETTINGS = 16
_SITE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_SETTING = re.compile(r"[A-Za-z_' ]{1,40}")
_DIGEST = re.compile(r"[0-9a-f]{12}")
_GENERATOR = re.compile(r"[0-9a-f]{32}")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@dataclass(frozen=True)
class Health:
    """One site, as it wrote itself: healthy or not and why, its runs, and what shapes its public files."""

    site: str
    role: str
    healthy: bool
    why: str
    healthy_runs: int  # runs in a row that did their job, with no gap (judge/site_health.py)
    failed_runs: int  # runs in a row that did not
    outcome: str  # "running" while the run that wrote it is under way, then "ok" or "failed"
    interval: float | None  # seconds between its runs, as last measured
    run_seconds: float  # how far into its run it wrote this
    lease_seconds: int  # its SITE_LEASE_SECONDS
    settings: dict[str, str]  # a short digest of each setting that shapes the public files, by name
    generator: str  # the generator id its public objects carry
    install: str  # this install's identity: a copied config does not copy it
    since: str  # when this install first ran as this site (ISO): of two installs of one name, the newer yields
    host: str  # the machine's name, for the operator's messages only (this object is never public)
    age: float | None = field(default=None, compare=False)  # seconds since written, by the store's clock

    def fresh(self, within: float) -> bool:
        return self.age is not None and self.age < within


def write(client: SignedS3, key: str, health: Health) -> None:
    body = json.dumps({"version": VERSION, **{k: v for k, v in asdict(health).items() if k != "age"}}).encode()
    put_private(client, key, body, "health")


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


def _number(value: object, low: float, high: float) -> bool:
    return type(value) in (int, float) and low <= value <= high  # type: ignore[operator]


def _settings(value: object) -> bool:
    return (
        isinstance(value, dict)
        and len(value) <= MAX_SETTINGS
        and all(_SETTING.fullmatch(k) and isinstance(v, str) and _DIGEST.fullmatch(v) for k, v in value.items())
    )


def parse(body: bytes) -> Health | None:
    """A health object of this version checked at every depth; None for anything else."""
    try:
        raw = json.loads(body) if len(body) <= MAX_BYTES else None
    except ValueError:
        return None
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        return None
    checks = (
        isinstance(raw.get("site"), str) and _SITE.fullmatch(raw["site"]),
        raw.get("role") in ("primary", "standby"),
        type(raw.get("healthy")) is bool,
        isinstance(raw.get("why"), str) and len(raw["why"]) <= 300,
        type(raw.get("healthy_runs")) is int and 0 <= raw["healthy_runs"] <= 1_000_000,
        type(raw.get("failed_runs")) is int and 0 <= raw["failed_runs"] <= 1_000_000,
        raw.get("outcome") in OUTCOMES,
        raw.get("interval") is None or _number(raw.get("interval"), 0, 86_400 * 30),
        _number(raw.get("run_seconds"), 0, 86_400),
        type(raw.get("lease_seconds")) is int and 1 <= raw["lease_seconds"] <= 86_400,
        _settings(raw.get("settings")),
        isinstance(raw.get("generator"), str) and _GENERATOR.fullmatch(raw["generator"]),
        isinstance(raw.get("install"), str) and INSTALL.fullmatch(raw["install"]),
        isinstance(raw.get("since"), str) and _STAMP.fullmatch(raw["since"]),
        isinstance(raw.get("host"), str) and len(raw["host"]) <= 64,
    )
    if not all(checks):
        return None
    return Health(**{k: raw[k] for k in Health.__dataclass_fields__ if k != "age"})
