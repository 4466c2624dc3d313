"""Whether a run uploads: when the public content changed, when the bucket no longer holds what this state
last published, or at least every PUBLISH_EVERY_SECONDS so that updated_at never goes stale."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from elytra_status.infra import timing

# The files whose content, less their updated_at, says whether anything a reader sees has changed.
# history.json, index.html and history.atom follow from the same data and ride along.
DIGESTED = ("status.json", "badge.json")
DIGESTED_FOLDER = "api/v2/"
# Runs start on the minute, give or take: the run PUBLISH_EVERY_SECONDS after an upload may find it
# 599.9 s old. It must count as due, or each of those uploads slips by a whole cadence (10 minutes
# late at a 10-minute cadence, past STATUS_MAX_AGE_SECONDS).
START_JITTER_SECONDS = 5


def _digested(key: str) -> bool:
    return key in DIGESTED or key.startswith(DIGESTED_FOLDER)


def digest_of(documents: dict[str, Any]) -> str:
    """SHA-256 over the public documents by key (status.json and the bundle's), with their updated_at left out.

    The uptime figures are left out too: they drift a little every run, and a drift alone is no reason
    to upload. They go out with the next change of state, or within PUBLISH_EVERY_SECONDS.
    """
    digest = hashlib.sha256()
    for key, original in sorted(documents.items()):
        if not _digested(key):
            continue
        document = dict(original)
        document.pop("updated_at", None)
        document.pop("uptime", None)
        if isinstance(document.get("components"), list):
            document["components"] = [
                {k: v for k, v in c.items() if k != "uptime"} if isinstance(c, dict) else c
                for c in document["components"]
            ]
        if isinstance(document.get("page"), dict):
            document["page"] = {k: v for k, v in document["page"].items() if k != "updated_at"}
        digest.update(key.encode() + b"\0" + json.dumps(document, sort_keys=True).encode() + b"\0")
    return digest.hexdigest()


def reason_to_publish(
    last: dict[str, Any], digest: str, remote_problem: str | None, now: datetime, every: int
) -> str | None:
    """Why this run must upload, or None when the public files already say what it would.

    remote_problem: what public_set.audit found wrong with the bucket's set this run, or None.
    """
    if not last.get("digest"):
        return "nothing published yet by this state, or the last upload did not finish"
    if last["digest"] != digest:
        return "the public content changed"
    age = (now - timing.parse_iso_z(last["at"])).total_seconds()
    if age >= every - START_JITTER_SECONDS:
        return f"{age:.0f}s since the last upload (PUBLISH_EVERY_SECONDS={every})"
    if remote_problem:
        return f"the bucket's set is not the one this state last published: {remote_problem}"
    return None
