"""The one boto3 S3 client factory, set up for DigitalOcean Spaces."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra.http_session import MAX_CONNECT_SECONDS

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config


def make_s3_client(config: Config) -> Any:
    """The one boto3 S3 client factory: SPACES_ENDPOINT, its keys, and the checksum settings Spaces needs."""
    import boto3
    from botocore.config import Config as BotoConfig

    # Since boto3 1.36 the default request checksums break DigitalOcean Spaces.
    boto_config = BotoConfig(
        connect_timeout=min(config.http_timeout_seconds, MAX_CONNECT_SECONDS),
        read_timeout=config.http_timeout_seconds,
        retries={"max_attempts": 3, "mode": "standard"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        signature_version="s3v4",
    )
    import botocore.session

    core = botocore.session.get_session()
    # Only config/.env counts: no AWS_PROFILE, no ~/.aws files (a missing profile would even crash).
    store = core.get_component("config_store")
    for name, value in (("profile", None), ("config_file", os.devnull), ("credentials_file", os.devnull)):
        store.set_config_variable(name, value)
    # botocore parses every LastModified with dateutil; 100,000 of them cost seconds.
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_parse_timestamp)
    session = boto3.session.Session(
        botocore_session=core,
        aws_access_key_id=config.spaces_access_key,
        aws_secret_access_key=config.spaces_secret_key,
        region_name=config.spaces_region,
    )
    return session.client("s3", endpoint_url=config.spaces_endpoint, config=boto_config)


class LazyClient:
    """A client made at its first use: a run that asks S3 nothing never imports boto3 (0.3 s of CPU)."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            if self._client is None:
                self._client = make_s3_client(self._config)
        return getattr(self._client, name)


def _parse_timestamp(value: str) -> datetime:
    """ISO 8601 (listings) the fast way; anything else (HTTP dates in headers) botocore's way."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        from botocore.utils import parse_timestamp

        return parse_timestamp(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
