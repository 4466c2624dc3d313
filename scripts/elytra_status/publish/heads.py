"""What the bucket holds: each object's headers, asked as a reader asks, with the keys where that fails."""

from __future__ import annotations

from typing import Any

from elytra_status.infra import http_session, s3
from elytra_status.infra.settings import Config
from elytra_status.publish import public_set
from elytra_status.publish.aws_cli import PublishError
from elytra_status.publish.aws_upload import content_type
from elytra_status.render import status_doc


def verify(config: Config, sizes: dict[str, int], client: Any = None, generator: str | None = None) -> dict[str, str]:
    """HEAD each uploaded object: its type, cache control, size and generator must be what was sent.

    Asked as a reader asks, so that what readers get is what is checked; with the keys where that fails.
    Returns each object's ETag.
    """
    wrong = []
    etags = {}
    with http_session.make_session(retries=0) as session:
        for key, size in sizes.items():
            found = public_head(config, key, session) or signed_head(config, key, client)
            kind = content_type(key)
            wanted = {"Content-Type": kind, "Cache-Control": status_doc.cache_control(config), "size": size}
            if generator is not None:
                wanted["generator"] = generator
            wrong += [f"{key}: {k} is {found[k]!r}, expected {v!r}" for k, v in wanted.items() if found[k] != v]
            etags[key] = found["ETag"] or ""
    if wrong:
        raise PublishError(f"uploaded objects do not match ({len(wrong)}): " + "; ".join(wrong[:3]))
    return etags


def public_head(config: Config, key: str, session: Any = None) -> dict[str, Any] | None:
    """An anonymous HEAD of key at the status bucket's store (path style); None unless it answers 200.

    Not retried: the signed HEAD is what a failure falls back to.
    """
    from urllib.parse import quote

    import requests

    session = session or http_session.make_session(retries=0)
    url = f"{config.status_store.endpoint.rstrip('/')}/{config.status_bucket}/{quote(key)}"
    try:
        response = session.head(url, timeout=http_session.request_timeout(config.http_timeout_seconds))
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    headers = response.headers
    length = headers.get("Content-Length")
    return {
        "Content-Type": headers.get("Content-Type"),
        "Cache-Control": headers.get("Cache-Control"),
        "size": int(length) if length and length.isdigit() else None,
        "ETag": headers.get("ETag"),
        "generator": headers.get(public_set.HEADER),
    }


def signed_head(config: Config, key: str, client: Any = None) -> dict[str, Any]:
    """The same HEAD with the keys (boto3); raises PublishError when it fails."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        head = (client or s3.make_s3_client(config, config.status_store)).head_object(
            Bucket=config.status_bucket, Key=key
        )
    except (BotoCoreError, ClientError) as exc:
        raise PublishError(f"cannot HEAD the uploaded {key}: {type(exc).__name__}") from None
    return {
        "Content-Type": head.get("ContentType"),
        "Cache-Control": head.get("CacheControl"),
        "size": head.get("ContentLength"),
        "ETag": head.get("ETag"),
        "generator": (head.get("Metadata") or {}).get(public_set.META_KEY),
    }


def head(config: Config, key: str, client: Any = None, session: Any = None) -> dict[str, Any] | None:
    """An object's headers at the origin, or None when it is gone or cannot be read.

    Asked first as a reader asks (the object is public-read): a run that uploads nothing needs no boto3.
    """
    found = public_head(config, key, session)
    if found is not None:
        return found
    try:  # with the keys: anonymous S3 says 403, not 404, for a missing object
        return signed_head(config, key, client)
    except PublishError:
        return None


def remote_etag(config: Config, client: Any = None) -> str | None:
    """The ETag of the public status object at the origin, or None when it is gone or cannot be read."""
    found = head(config, config.status_bucket_key, client)
    return found["ETag"] if found else None
