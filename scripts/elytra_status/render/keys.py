"""Where the public files go: their bucket folder, and the public URL of that folder."""

from __future__ import annotations

import hashlib
import posixpath
from typing import TYPE_CHECKING

from elytra_status.infra.own_keys import SITES_FOLDER

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


def site_key(config: Config, name: str) -> str:
    """A private object of two-site mode (the lease, a site's health): never public, never a backup."""
    return key_prefix(config) + SITES_FOLDER + name


def component_id(kind: str, number: int, name: str, by_name: bool) -> str:
    """A component's id: from Uptime Kuma's id ("m12", "g3"), or in two-site mode from its name on the page.

    Two sites' Uptime Kumas number their monitors apart; the page's names are what they share.
    """
    if not by_name:
        return f"{kind}{number}"
    return f"{kind}-{hashlib.sha256(name.encode()).hexdigest()[:12]}"
