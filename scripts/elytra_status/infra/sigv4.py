"""AWS Signature Version 4 for path-style S3 requests, by hand: botocore's signer costs a cron run its import.

A pure function of the request and the time; tests/unit/test_sigv4.py holds it to botocore's S3SigV4Auth.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# Hop-by-hop headers and those a proxy or client may rewrite: never signed (botocore's list).
NOT_SIGNED = frozenset(
    {
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
_SET_HERE = frozenset({"authorization", "x-amz-date", "x-amz-content-sha256"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Keys:
    access_key: str
    secret_key: str = field(repr=False)
    region: str
    service: str = "s3"


def sign(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    keys: Keys,
    now: datetime,
    sign_payload: bool = True,
) -> dict[str, str]:
    """The headers to send: the caller's, X-Amz-Date, X-Amz-Content-SHA256 and Authorization.

    url is sent as given: its path and query must already be percent-encoded (S3 signs them unnormalized).
    now is in UTC.
    """
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    payload = hashlib.sha256(body).hexdigest() if sign_payload else UNSIGNED_PAYLOAD
    sent = {k: v for k, v in headers.items() if k.lower() not in _SET_HERE}
    sent["X-Amz-Date"] = stamp
    sent["X-Amz-Content-SHA256"] = payload
    parts = urlsplit(url)
    signed = {name.lower(): " ".join(value.split()) for name, value in sent.items() if name.lower() not in NOT_SIGNED}
    signed.setdefault("host", _host(url))
    names = sorted(signed)
    canonical = "\n".join(
        [
            method.upper(),
            parts.path,
            _canonical_query(parts.query),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            payload,
        ]
    )
    scope = f"{stamp[:8]}/{keys.region}/{keys.service}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = f"AWS4{keys.secret_key}".encode()
    for part in (stamp[:8], keys.region, keys.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    sent["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={keys.access_key}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return sent


def _host(url: str) -> str:
    """The Host header a client sends for url: lower case, the port only when not the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _canonical_query(query: str) -> str:
    """The query's name=value pairs as sent, sorted: the URL must carry them strictly encoded already."""
    if not query:
        return ""
    pairs = sorted((name, value) for name, _, value in (pair.partition("=") for pair in query.split("&")))
    return "&".join(f"{name}={value}" for name, value in pairs)
