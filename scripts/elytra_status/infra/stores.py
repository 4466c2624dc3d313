"""The run's S3 stores: Spaces for the backups, and the status bucket's own unless STATUS_ENDPOINT is empty."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from elytra_status.infra import values as v
from elytra_status.infra.values import ConfigError, region_from_endpoint

SPACES_KEYS = "SPACES_ACCESS_KEY and SPACES_SECRET_KEY"
STATUS_KEYS = "STATUS_ACCESS_KEY and STATUS_SECRET_KEY"


@dataclass(frozen=True)
class Store:
    """One S3 endpoint, its region and keys; the settings that name them, for the messages that say what to fix."""

    endpoint: str
    region: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    endpoint_setting: str = "SPACES_ENDPOINT"
    keys_setting: str = SPACES_KEYS

    @property
    def keys(self) -> tuple[str, str]:
        return self.access_key, self.secret_key


def stores(values: Mapping[str, str], need: set[str]) -> tuple[Store, Store]:
    """Spaces (SPACES_*: the backups), and the status bucket's store."""
    endpoint = v.endpoint(values, "SPACES_ENDPOINT", "SPACES_ENDPOINT" in need)
    spaces = Store(
        endpoint,
        v.region(values, "SPACES_REGION", region_from_endpoint(endpoint)),
        v.secret(values, "SPACES_ACCESS_KEY", "SPACES_ACCESS_KEY" in need),
        v.secret(values, "SPACES_SECRET_KEY", "SPACES_SECRET_KEY" in need),
    )
    return spaces, status_store(values, spaces)


def status_store(values: Mapping[str, str], spaces: Store) -> Store:
    """The status bucket's store: STATUS_* where STATUS_ENDPOINT is set (keys and region may follow), else Spaces.

    A STATUS_REGION or key set without STATUS_ENDPOINT is refused rather than ignored: the operator meant
    something by it. The two keys come together or not at all.
    """
    access = v.secret(values, "STATUS_ACCESS_KEY", False)
    secret = v.secret(values, "STATUS_SECRET_KEY", False)
    if bool(access) != bool(secret):
        missing = "STATUS_SECRET_KEY" if access else "STATUS_ACCESS_KEY"
        raise ConfigError(missing, f"is empty: {STATUS_KEYS} are set together or not at all")
    endpoint = v.endpoint(values, "STATUS_ENDPOINT", False)
    if not endpoint:
        for name in ("STATUS_REGION", "STATUS_ACCESS_KEY", "STATUS_SECRET_KEY"):
            if values.get(name, "").strip():
                raise ConfigError(
                    name, "is set but STATUS_ENDPOINT is empty: set STATUS_ENDPOINT too (it may be SPACES_ENDPOINT's)"
                )
        return spaces
    region = v.region(values, "STATUS_REGION", region_from_endpoint(endpoint))
    if access:
        return Store(endpoint, region, access, secret, "STATUS_ENDPOINT", STATUS_KEYS)
    return Store(endpoint, region, spaces.access_key, spaces.secret_key, "STATUS_ENDPOINT", SPACES_KEYS)
