"""The one boto3 S3 client factory, set up for DigitalOcean Spaces; a client per store."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra.http_session import MAX_CONNECT_SECONDS

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config
    from elytra_status.infra.stores import Store


def make_s3_client(config: Config, store: Store) -> Any:
    """The one boto3 S3 client factory: a store's endpoint and keys, and the checksum settings Spaces needs."""
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
    config_store = core.get_component("config_store")
    for name, value in (("profile", None), ("config_file", os.devnull), ("credentials_file", os.devnull)):
        config_store.set_config_variable(name, value)
    # botocore parses every LastModified with dateutil; 100,000 of them cost seconds.
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_parse_timestamp)
    session = boto3.session.Session(
        botocore_session=core,
        aws_access_key_id=store.access_key,
        aws_secret_access_key=store.secret_key,
        region_name=store.region,
    )
    return session.client("s3", endpoint_url=store.endpoint, config=boto_config)


class LazyClient:
    """A client made at its first use: a run that asks S3 nothing never imports boto3 (0.3 s of CPU)."""

    def __init__(self, config: Config, store: Store) -> None:
        self._config, self._store = config, store
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            if self._client is None:
                self._client = make_s3_client(self._config, self._store)
        return getattr(self._client, name)


def run_clients(config: Config) -> tuple[LazyClient, LazyClient]:
    """The run's clients of the backups and of the status bucket: one client when both are on one store."""
    status = LazyClient(config, config.status_store)
    return (status if config.backup_store == config.status_store else LazyClient(config, config.backup_store)), status


def _parse_timestamp(value: str) -> datetime:
    """ISO 8601 (listings) the fast way; anything else (HTTP dates in headers) botocore's way."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        from botocore.utils import parse_timestamp

        return parse_timestamp(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
