"""Two-site mode, the checks around a run's turn: the store, one site under a live lease, the page's names,
this install's identity, and the settings that shape the public files. Each refusal is exit 2, one line."""

from __future__ import annotations

import hashlib
import json
import socket
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.infra.settings import Config
from elytra_status.publish import lease
from elytra_status.render.keys import site_key

if TYPE_CHECKING:
    from elytra_status.run.sources import StatusRun
    from elytra_status.run.state import RunState

# The store is checked for conditional writes at a site's first run, then once a day.
STORE_CHECK_EVERY_SECONDS = 86_400
MACHINE_ID_FILES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))

StoreError = lease.StoreError


class SiteRefused(Exception):
    """A two-site setting found wrong over the network: the store ignores conditional writes, the page's
    names are not unique, two installs share a SITE_NAME, or one site writes under a live lease. Exit 2."""


def check_store(config: Config, state: RunState, client: Any, now: datetime) -> None:
    """One PUT that must fail; raises SiteRefused when the store wrote it anyway, StoreError when it is silent."""
    checked = state.site.get("store_checked_at")
    if checked and (now - timing.parse_iso_z(checked)).total_seconds() < STORE_CHECK_EVERY_SECONDS:
        return
    refused = lease.ignores_conditions(client, site_key(config, lease.PROBE_NAME))
    if refused:
        setting = config.status_store.endpoint_setting
        raise SiteRefused(f"{setting}: {refused}; two-site mode needs a store that honours them (README)")
    state.site["store_checked_at"] = timing.iso_z(now)


def check_unsited(config: Config, state: RunState, client: Any, now: datetime) -> None:
    """One site (no SITE_*) on a folder that two sites write: refused while their lease is live.

    Asked at the first run, then every PUBLISH_EVERY_SECONDS. A released lease, one that ran out more than its
    length ago, or one this install held (it goes back to one site) does not block.
    """
    checked = state.site.get("lease_checked_at")
    if checked and (now - timing.parse_iso_z(checked)).total_seconds() < config.publish_every_seconds:
        return
    held = lease.read(client, site_key(config, lease.LEASE_NAME))
    seconds = min(held.seconds, config.site_lease_seconds)
    mine = held.install is not None and held.install == install_identity(config)  # this install, back to one
    live = held.holder is not None and held.age is not None and held.age < 2 * seconds + lease.STORE_CLOCK_SLACK
    if live and not mine:
        raise SiteRefused(
            f"SITE_NAME: empty (one site), but {held.holder} holds the lease of two sites on this STATUS_BUCKET_KEY"
            f" (renewed {held.age:.0f}s ago): set SITE_NAME and SITE_ROLE here too, or stop the other sites first"
        )
    state.site["lease_checked_at"] = timing.iso_z(now)


def where(config: Config) -> str:
    """The setting that names the status bucket's store, for messages."""
    return config.status_store.endpoint_setting


def duplicate_names(run: StatusRun) -> str | None:
    """Two monitors (or groups) of one name on the page: two sites could not tell them apart."""
    page = run.kuma.page if run.kuma else None
    if page is None:
        return None
    for kind, names in (("monitors", [m.name for m in page.monitors]), ("groups", [g.name for g in page.groups])):
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            return f"{kind} named {', '.join(repr(n) for n in twice[:3])} appear more than once on the page"
    return None


def shaping(config: Config) -> dict[str, Any]:
    """The settings that shape the public files besides the page, by name: the sites' views must agree on them."""
    return {
        "STATUS_BUCKET_KEY": config.status_bucket_key,
        "STATUS_PUBLIC_URL": config.status_public_url,
        "CACHE_MAX_AGE_SECONDS": config.cache_max_age_seconds,
        "STATUS_MAX_AGE_SECONDS": config.status_max_age_seconds,
        "PAGE_LANGUAGE": config.page_language,
        "UPTIME_KUMA_STATUS_PAGE": config.uptime_kuma_status_page,
    }


def public_settings(config: Config, run: StatusRun) -> dict[str, str]:
    """A short digest of each setting that shapes the public files, by name: sites compare them, never values."""
    page = run.kuma.page if run.kuma else None
    shape = {
        **shaping(config),
        "the page's title": page.title if page else None,
        "the monitors shown": sorted(m.name for m in run.kuma.monitors) if run.kuma else None,
    }
    return {name: hashlib.sha256(json.dumps(value).encode()).hexdigest()[:12] for name, value in shape.items()}


def install_identity(config: Config) -> str:
    """This install: the machine and the state's place. A config copied to another VM or folder is another."""
    machine = next((p.read_text().strip() for p in MACHINE_ID_FILES if p.is_file()), "") or socket.gethostname()
    return hashlib.sha256(f"{machine}\0{config.state_file.resolve()}".encode()).hexdigest()[:16]
