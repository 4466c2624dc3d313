"""Small signed S3 requests: SigV4 by botocore's signer, sent by a urllib3 pool, path-style.

Two sites read and write the lease and the health objects every run; boto3's client would cost a
cron run about 0.35 CPU-s to make, the signer and the pool about 0.15.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from elytra_status.infra import http_session

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
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        config, store = self._config, self._config.status_store
        url = f"{store.endpoint.rstrip('/')}/{config.status_bucket}/{quote(key)}"
        if query:
            url += "?" + urlencode(sorted(query.items()), quote_via=quote)
        signed = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
        S3SigV4Auth(Credentials(store.access_key, store.secret_key), "s3", store.region).add_auth(signed)
        if self._pool is None:
            self._pool = http_session.make_pool(retries=2)  # GET retried with backoff; a PUT never is
        connect, read = http_session.request_timeout(config.http_timeout_seconds)
        try:
            answer = self._pool.request(
                method,
                url,
                body=body or None,
                headers=dict(signed.headers.items()),
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
