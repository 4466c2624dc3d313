"""The record of what was announced: one private object under the status folder's .sites/, in the bucket,
so a restart, a deleted STATE_FILE or a handoff to the other site announces nothing twice.

Each write carries a condition (If-Match its ETag, If-None-Match for the first): of two writers, one wins.
"""

from __future__ import annotations

import json
from typing import Any

from elytra_status.announce.decide import RECORD_VERSION
from elytra_status.infra.signed_s3 import SignedS3, SignedS3Error

NAME = "announcements.json"
MAX_BYTES = 60 * 1024
# The condition was false (412), a concurrent conditional write (409), no object to match (404): another won.
LOST = (412, 409, 404)


class RecordError(Exception):
    """The status bucket did not answer for the record; nothing is sent this run."""


def parse(body: bytes) -> dict[str, Any] | None:
    """A record of this version, or None for anything else (a damaged one is replaced, by its ETag)."""
    try:
        raw = json.loads(body) if len(body) <= MAX_BYTES else None
    except ValueError:
        return None
    if not isinstance(raw, dict) or raw.get("version") != RECORD_VERSION:
        return None
    if not all(isinstance(raw.get(k), dict) for k in ("incidents", "maintenances")):
        return None
    if not isinstance(raw.get("pending"), list) or not all(_pending_ok(e) for e in raw["pending"]):
        return None
    return raw


def _pending_ok(event: object) -> bool:
    """A pending event as decide.py reads it, checked at every depth: a damaged one makes the record none."""
    if not isinstance(event, dict):
        return False
    texts = ("key", "kind", "phase", "at", "queued")
    if not all(isinstance(event.get(name), str) and len(event[name]) <= 2000 for name in texts):
        return False
    targets = event.get("targets")
    return isinstance(targets, dict) and all(
        isinstance(tid, str)
        and isinstance(tries, dict)
        and all(type(tries.get(n)) is int and 0 <= tries[n] <= 1_000_000 for n in ("tries", "skip"))
        for tid, tries in targets.items()
    )


def read(client: SignedS3, key: str) -> tuple[dict[str, Any] | None, str | None, bool]:
    """(the record or None, its ETag, whether the object exists)."""
    try:
        answer = client.request("GET", key)
    except SignedS3Error as exc:
        raise RecordError(f"record not read: {exc}") from None
    if answer.status == 404:
        return None, None, False
    if answer.status != 200:
        raise RecordError(f"record not read: {answer.code}")
    return parse(answer.body), answer.headers.get("etag"), True


def write(client: SignedS3, key: str, record: dict[str, Any], etag: str | None) -> str | None:
    """Replace the record if it is still etag (create it when None); its new ETag, or None when another won."""
    body = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
    if len(body) > MAX_BYTES:
        raise RecordError(f"record of {len(body)} bytes, over {MAX_BYTES}")
    condition = {"If-Match": etag} if etag else {"If-None-Match": "*"}
    try:
        answer = client.request("PUT", key, body, {"Content-Type": "application/json", **condition})
    except SignedS3Error as exc:
        raise RecordError(f"record not written: {exc}") from None
    if answer.status in LOST:
        return None
    if answer.status != 200:
        raise RecordError(f"record not written: {answer.code}")
    if not answer.headers.get("etag"):  # a later If-Match could not be sent: the same messages would go again
        raise RecordError("record written, but the store answered with no ETag")
    return answer.headers["etag"]
