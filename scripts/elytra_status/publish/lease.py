"""The writer's lease: one private object in the status bucket, taken and renewed by S3 conditional writes.

`If-None-Match: *` creates it, `If-Match: <ETag>` renews, releases or takes it over: of two sites that
write it at once, the store lets exactly one win. Its age is the store's (Date less Last-Modified).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from elytra_status.infra import timing
from elytra_status.infra.signed_s3 import Answer, SignedS3, SignedS3Error

LEASE_NAME = "lease.json"
MAX_BYTES = 4096
# Last-Modified and Date are whole seconds: a lease counts as run out a second later than it might.
STORE_CLOCK_SLACK = 1
# Another site won: the condition was false (412), a concurrent conditional write (409), no object to match (404).
LOST = (412, 409, 404)


class StoreError(Exception):
    """The status bucket did not answer a lease or health request; a transient failure."""


@dataclass(frozen=True)
class Lease:
    """The lease as the bucket holds it. holder None: free (released, or never taken)."""

    holder: str | None = None
    seconds: int = 0
    etag: str | None = None  # None: there is no lease object yet
    age: float | None = None  # seconds since it was written, by the store's clock
    since: str | None = None  # when the holder took it, by the store's clock (ISO); kept by renewals
    install: str | None = None  # the holder's install identity (two installs may claim one SITE_NAME)
    store_date: datetime | None = None  # the store's Date when it was read

    def ran_out(self, honoured: int | None = None) -> bool:
        """Run out by the store's clock; honoured caps its length at this site's own SITE_LEASE_SECONDS."""
        seconds = min(self.seconds, honoured) if honoured else self.seconds
        return self.holder is None or self.age is None or self.age >= seconds + STORE_CLOCK_SLACK

    def held_for(self) -> float:
        """Seconds since its holder took it, by the store's clock; 0 when unknown."""
        taken = timing.parse_iso_z(self.since) if self.since else None
        if taken is None or self.store_date is None:
            return 0.0
        return max((self.store_date - taken).total_seconds(), 0.0)


def store_age(headers: dict[str, str]) -> float | None:
    """Seconds since Last-Modified by the store's own Date header: no site's wall clock takes part."""
    written = timing.parse_http_date(headers.get("last-modified"))
    now = timing.parse_http_date(headers.get("date"))
    return max((now - written).total_seconds(), 0.0) if written and now else None


def read(client: SignedS3, key: str) -> Lease:
    """The lease in the bucket; a body that is not ours is a free lease (its ETag still guards the takeover)."""
    answer = _ask(client, "read", "GET", key)
    if answer.status == 404:
        return Lease()
    if answer.status != 200:
        raise StoreError(f"lease not read: {answer.code}")
    holder, seconds, since, install = parse(answer.body)
    return Lease(
        holder,
        seconds,
        answer.headers.get("etag"),
        store_age(answer.headers),
        since,
        install,
        timing.parse_http_date(answer.headers.get("date")),
    )


def _ask(client: SignedS3, what: str, method: str, key: str, body: bytes = b"", **headers: str) -> Answer:
    try:
        return client.request(method, key, body, headers)
    except SignedS3Error as exc:
        raise StoreError(f"{what}: the status bucket did not answer ({exc})") from None


_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
INSTALL = re.compile(r"[0-9a-f]{16}")
FREE: tuple[str | None, int, str | None, str | None] = (None, 0, None, None)


def put_private(client: SignedS3, key: str, body: bytes, what: str) -> None:
    """One private JSON object under .sites/ (health, view, record); StoreError when the store does not take it."""
    answer = _ask(client, f"{what} not written", "PUT", key, body, **{"Content-Type": "application/json"})
    if answer.status != 200:
        raise StoreError(f"{what} not written: {answer.code}")


def parse(body: bytes) -> tuple[str | None, int, str | None, str | None]:
    """(holder, seconds, since, install) from a lease's bytes; free for anything that is not a lease of version 1.

    since and install came later within version 1, and are optional: a site of the release before still
    reads this lease as held (a version 2 would read as free to it, and it would take the lease).
    """
    try:
        raw = json.loads(body) if len(body) <= MAX_BYTES else None
    except ValueError:
        return FREE
    if not isinstance(raw, dict) or raw.get("version") != 1:
        return FREE
    holder, seconds = raw.get("site"), raw.get("seconds")
    if not (isinstance(holder, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", holder)):
        return FREE
    if type(seconds) is not int or not 1 <= seconds <= 86_400:
        return FREE
    since, install = raw.get("since"), raw.get("install")
    since = since if isinstance(since, str) and _STAMP.fullmatch(since) else None
    install = install if isinstance(install, str) and INSTALL.fullmatch(install) else None
    return holder, seconds, since, install


def write(
    client: SignedS3,
    key: str,
    holder: str | None,
    seconds: int,
    etag: str | None,
    since: str | None = None,
    install: str | None = None,
) -> float | None:
    """Create (etag None) or replace the lease if it is still etag; the lease clock when the PUT was sent.

    None when another site won. The holder counts from the send, so its lease ends no later than others see.
    """
    # A token of its own in every write: the ETag is the body's MD5, and a renewal that wrote the same
    # bytes would keep the ETag a late taker still holds, letting its If-Match win after the renewal.
    fields = {"version": 1, "site": holder, "seconds": seconds, "token": secrets.token_hex(8)}
    if holder is not None:
        fields.update({k: v for k, v in (("since", since), ("install", install)) if v})
    body = json.dumps(fields).encode()
    condition = {"If-Match": etag} if etag else {"If-None-Match": "*"}
    sent = timing.lease_clock()
    answer = _ask(client, "lease not written", "PUT", key, body, **{"Content-Type": "application/json", **condition})
    if answer.status in LOST:
        return None
    if answer.status != 200:
        raise StoreError(f"lease not written: {answer.code}")
    return sent


PROBE_NAME = "probe"
PROBE_ETAG = '"00000000000000000000000000000000"'


def ignores_conditions(client: SignedS3, key: str) -> str | None:
    """One PUT whose If-Match is false: what the store answered when it wrote anyway, else None."""
    answer = _ask(client, "conditional write not checked", "PUT", key, b"", **{"If-Match": PROBE_ETAG})
    if answer.status in LOST:
        return None
    if answer.status != 200:
        raise StoreError(f"conditional write not checked: {answer.code}")
    return "the store answered 200 to a PUT whose If-Match was false: it ignores conditional writes"
