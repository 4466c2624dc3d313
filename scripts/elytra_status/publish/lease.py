"""The writer's lease: one private object in the status bucket, taken and renewed by S3 conditional writes.

`If-None-Match: *` creates it, `If-Match: <ETag>` renews, releases or takes it over: of two sites that
write it at once, the store lets exactly one win. Its age is the store's (Date less Last-Modified).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from elytra_status.infra import timing

LEASE_NAME = "lease.json"
MAX_BYTES = 4096
# Last-Modified and Date are whole seconds: a lease counts as run out a second later than it might.
STORE_CLOCK_SLACK = 1
LOST = ("PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "412", "409", "404")


class StoreError(Exception):
    """The status bucket did not answer a lease or health request; a transient failure."""


@dataclass(frozen=True)
class Lease:
    """The lease as the bucket holds it. holder None: free (released, or never taken)."""

    holder: str | None = None
    seconds: int = 0
    etag: str | None = None  # None: there is no lease object yet
    age: float | None = None  # seconds since it was written, by the store's clock

    def ran_out(self) -> bool:
        return self.holder is None or self.age is None or self.age >= self.seconds + STORE_CLOCK_SLACK


def store_age(headers: dict[str, str]) -> float | None:
    """Seconds since Last-Modified by the store's own Date header: no site's wall clock takes part."""
    written = timing.parse_http_date(headers.get("last-modified"))
    now = timing.parse_http_date(headers.get("date"))
    return max((now - written).total_seconds(), 0.0) if written and now else None


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode"))


def read(client: Any, bucket: str, key: str) -> Lease:
    """The lease in the bucket; a body that is not ours is a free lease (its ETag still guards the takeover)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = client.get_object(Bucket=bucket, Key=key)
        body = answer["Body"].read(MAX_BYTES + 1)
    except ClientError as exc:
        if error_code(exc) in ("NoSuchKey", "404"):
            return Lease()
        raise StoreError(f"lease not read: {error_code(exc)}") from None
    except BotoCoreError as exc:
        raise StoreError(f"lease not read: {type(exc).__name__}") from None
    headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    holder, seconds = parse(body)
    return Lease(holder, seconds, answer.get("ETag"), store_age(headers))


def parse(body: bytes) -> tuple[str | None, int]:
    """(holder, seconds) from a lease's bytes; (None, 0) for anything that is not a lease of version 1."""
    import re

    try:
        raw = json.loads(body) if len(body) <= MAX_BYTES else None
    except ValueError:
        return None, 0
    if not isinstance(raw, dict) or raw.get("version") != 1:
        return None, 0
    holder, seconds = raw.get("site"), raw.get("seconds")
    if not (isinstance(holder, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", holder)):
        return None, 0
    if type(seconds) is not int or not 1 <= seconds <= 86_400:
        return None, 0
    return holder, seconds


def write(client: Any, bucket: str, key: str, holder: str | None, seconds: int, etag: str | None) -> float | None:
    """Create (etag None) or replace the lease if it is still etag; the lease clock when the PUT was sent.

    None when another site won. The holder counts from the send, so its lease ends no later than others see.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    # A token of its own in every write: the ETag is the body's MD5, and a renewal that wrote the same
    # bytes would keep the ETag a late taker still holds, letting its If-Match win after the renewal.
    body = json.dumps({"version": 1, "site": holder, "seconds": seconds, "token": secrets.token_hex(8)}).encode()
    condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
    sent = timing.lease_clock()
    try:
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json", **condition)
    except ClientError as exc:
        if error_code(exc) in LOST:
            return None
        raise StoreError(f"lease not written: {error_code(exc)}") from None
    except BotoCoreError as exc:
        raise StoreError(f"lease not written: {type(exc).__name__}") from None
    return sent


PROBE_NAME = "probe"
PROBE_ETAG = '"00000000000000000000000000000000"'


def ignores_conditions(client: Any, bucket: str, key: str) -> str | None:
    """One PUT whose If-Match is false: what the store answered when it wrote anyway, else None."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client.put_object(Bucket=bucket, Key=key, Body=b"", IfMatch=PROBE_ETAG)
    except ClientError as exc:
        if error_code(exc) in LOST:
            return None
        raise StoreError(f"conditional write not checked: {error_code(exc)}") from None
    except BotoCoreError as exc:
        raise StoreError(f"conditional write not checked: {type(exc).__name__}") from None
    return "the store answered 200 to a PUT whose If-Match was false: it ignores conditional writes"
