"""Where the public files go: their bucket folder, and the public URL of that folder."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config


def public_base(config: Config) -> str:
    """The public folder's URL (what STATUS_PUBLIC_URL sits in), or "" when none is configured."""
    url = config.status_public_url or ""
    return url.rsplit("/", 1)[0] + "/" if url else ""


def key_prefix(config: Config) -> str:
    """The bucket folder of the public files: the folder of STATUS_BUCKET_KEY."""
    folder = posixpath.dirname(config.status_bucket_key)
    return f"{folder}/" if folder else ""


def status_name(config: Config) -> str:
    """status.json's name inside that folder."""
    return posixpath.basename(config.status_bucket_key)
