"""Whether a run uploads: when the public content changed, when the bucket no longer holds what this state
last published, or at least every PUBLISH_EVERY_SECONDS so that updated_at never goes stale."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import timing

if TYPE_CHECKING:
    from collections.abc import Callable

# The files whose content, less their updated_at, says whether anything a reader sees has changed.
# history.json, index.html and history.atom follow from the same data and ride along.
DIGESTED = ("status.json", "badge.json")
DIGESTED_FOLDER = "api/v2/"


def content_digest(status_file: Path, bundle_files: dict[str, Path]) -> str:
    """SHA-256 over the public documents with their updated_at left out."""
    digest = hashlib.sha256()
    for key, path in sorted([("status.json", status_file), *bundle_files.items()]):
        if key not in DIGESTED and not key.startswith(DIGESTED_FOLDER):
            continue
        document = json.loads(path.read_bytes())
        document.pop("updated_at", None)
        if isinstance(document.get("page"), dict):
            document["page"] = {k: v for k, v in document["page"].items() if k != "updated_at"}
        digest.update(key.encode() + b"\0" + json.dumps(document, sort_keys=True).encode() + b"\0")
    return digest.hexdigest()


def reason_to_publish(
    last: dict[str, Any], digest: str, remote_etag: Callable[[], str | None], now: datetime, every: int
) -> str | None:
    """Why this run must upload, or None when the public files already say what it would.

    remote_etag is asked last: the bucket is only asked when nothing else decides.
    """
    if not last:
        return "nothing published yet by this state"
    if last.get("digest") != digest:
        return "the public content changed"
    age = (now - timing.parse_iso_z(last["at"])).total_seconds()
    if age >= every:
        return f"{age:.0f}s since the last upload (PUBLISH_EVERY_SECONDS={every})"
    etag = remote_etag()
    if etag is None or etag != last.get("etag"):
        return "the bucket's status object is not the one this state last published"
    return None
