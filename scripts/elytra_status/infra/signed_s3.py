"""Small signed S3 requests: SigV4 by hand (infra/sigv4.py), sent by a urllib3 pool, path-style.

Every run confirms status.json, and two sites read and write the lease and the health objects: boto3's
client would cost a cron run about 0.35 CPU-s to make, and importing botocore's signer alone about 0.1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from elytra_status.infra import http_session, sigv4

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config

MAX_BODY_BYTES = 64 * 1024


class SignedS3Error(Exception):
    """The store did not answer, or answered with an error the caller does not expect; the message says which."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def code(self) -> str:
        """S3's error code from the XML body (PreconditionFailed, NoSuchKey...), or the HTTP status."""
        found = re.search(rb"<Code>([A-Za-z]+)</Code>", self.body)
        return found.group(1).decode() if found else str(self.status)


class SignedS3:
    """GET, PUT and a one-page listing of the status bucket at its store, with the run's timeouts."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._pool: Any = None

    def request(
        self,
        method: str,
        key: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        limit: int = MAX_BODY_BYTES,
        **query: str,
    ) -> Answer:
        import urllib3

        config, store = self._config, self._config.status_store
        url = object_url(store.endpoint, config.status_bucket, key, query)
        keys = sigv4.Keys(store.access_key, store.secret_key, store.region)
        signed = sigv4.sign(method, url, dict(headers or {}), body, keys, datetime.now(UTC))
        if self._pool is None:
            self._pool = http_session.make_pool(retries=2)  # GET retried with backoff; a PUT never is
        connect, read = http_session.request_timeout(config.http_timeout_seconds)
        try:
            answer = self._pool.request(
                method,
                url,
                body=body or None,
                headers=signed,
                timeout=urllib3.Timeout(connect=connect, read=read),
                preload_content=False,
            )
            data = answer.read(limit + 1)
            answer.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise SignedS3Error(type(exc).__name__) from None
        return Answer(answer.status, {k.lower(): v for k, v in answer.headers.items()}, data[:limit])

    def keys(self, prefix: str, limit: int) -> list[str]:
        """The first keys under prefix (ListObjectsV2, one page)."""
        import xml.etree.ElementTree as ET

        answer = self.request("GET", "", **{"list-type": "2", "prefix": prefix, "max-keys": str(limit)})
        if answer.status != 200:
            raise SignedS3Error(f"listing answered {answer.code}")
        try:
            root = ET.fromstring(answer.body)
        except ET.ParseError:
            raise SignedS3Error("listing is not XML") from None
        return [el.text or "" for el in root.iter() if el.tag.endswith("}Key") or el.tag == "Key"][:limit]


def object_url(endpoint: str, bucket: str, key: str, query: dict[str, str]) -> str:
    """Path-style URL of key, its query strictly encoded (a "/" in a prefix as %2F), as SigV4 signs it."""
    url = f"{endpoint.rstrip('/')}/{bucket}/{quote(key)}"
    if query:
        url += "?" + "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items()))
    return url
