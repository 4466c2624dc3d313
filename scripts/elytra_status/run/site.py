"""Two-site mode, one run's turn: this site's health, the lease, and whether this run may write the public files.

Order: the sources are read, then the lease is read and renewed (or taken, released, left), then this
site's health object is written; only a writer uploads, and only while its lease has time for the upload.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.infra.logs import log
from elytra_status.infra.own_keys import SITES_FOLDER
from elytra_status.infra.settings import LEASE_MARGIN_SECONDS, Config
from elytra_status.judge.handoff import Decision, Me, Peer, decide
from elytra_status.publish import fence, health, lease
from elytra_status.render.keys import key_prefix, site_key

if TYPE_CHECKING:
    from elytra_status.run.sources import StatusRun
    from elytra_status.run.state import RunState

# The store is checked for conditional writes at a site's first run, then once a day.
STORE_CHECK_EVERY_SECONDS = 86_400


StoreError = lease.StoreError


class SiteRefused(Exception):
    """A two-site setting found wrong over the network: the store ignores conditional writes, or the page's
    names are not unique. The message names the setting; the run exits 2."""


@dataclass
class Turn:
    """What this run is, as a site: the writer or not, until when (lease clock), and what the heartbeat says."""

    writer: bool = False
    until: float | None = None
    took_over: bool = False
    healthy: bool = False
    why: str = ""
    peers: frozenset[str] = field(default_factory=frozenset)  # the generator ids of the other sites
    term: str = ""  # while writing: the token of this site's term, in every body it writes (publish/fence.py)

    def line(self, role: str) -> str:
        if self.writer:
            return f"{role}, writing"
        return f"{role}, ready" if self.healthy else f"{role}, not healthy: {self.why}"

    def may_upload(self, config: Config) -> str | None:
        """None when the lease has time for a whole upload; else why not."""
        if not self.writer or self.until is None:
            return "this site does not hold the lease"
        left = self.until - timing.lease_clock()
        if left <= config.upload_timeout_seconds + LEASE_MARGIN_SECONDS:
            return f"the lease has {left:.1f}s left, not enough for an upload (UPLOAD_TIMEOUT_SECONDS)"
        return None


def check_store(config: Config, state: RunState, client: Any, now: datetime) -> None:
    """One PUT that must fail; raises StoreRefused when the store wrote it anyway, StoreError when it is silent."""
    checked = state.site.get("store_checked_at")
    if checked and (now - timing.parse_iso_z(checked)).total_seconds() < STORE_CHECK_EVERY_SECONDS:
        return
    refused = lease.ignores_conditions(client, site_key(config, lease.PROBE_NAME))
    if refused:
        raise SiteRefused(f"SPACES_ENDPOINT: {refused}; two-site mode needs a store that honours them (README)")
    state.site["store_checked_at"] = timing.iso_z(now)


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


def own_view(config: Config, run: StatusRun) -> tuple[bool, str]:
    if config.site_drain:
        return False, "drained by the operator (SITE_DRAIN)"
    if run.kuma is None:
        return False, "Uptime Kuma did not answer"
    if "uptime_kuma" in run.failed_sources:
        return False, "Uptime Kuma's expected monitors were not all seen"
    return True, "ok"


def public_settings(config: Config, run: StatusRun) -> str:
    """A digest of what shapes the public files; sites whose digests differ change the page at every handoff."""
    page = run.kuma.page if run.kuma else None
    shape = {
        "STATUS_BUCKET_KEY": config.status_bucket_key,
        "STATUS_PUBLIC_URL": config.status_public_url,
        "CACHE_MAX_AGE_SECONDS": config.cache_max_age_seconds,
        "STATUS_MAX_AGE_SECONDS": config.status_max_age_seconds,
        "PAGE_LANGUAGE": config.page_language,
        "title": page.title if page else None,
        "selection": sorted(m.name for m in run.kuma.monitors) if run.kuma else None,
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()


def take_turn(config: Config, state: RunState, run: StatusRun, client: Any) -> Turn:
    """Read the lease and the other sites' health, act on the lease, write this site's health."""
    healthy, why = own_view(config, run)
    runs = state.site
    runs["name"] = config.site_name
    runs["healthy_runs"] = runs.get("healthy_runs", 0) + 1 if healthy else 0
    runs["broken_runs"] = 0 if healthy else runs.get("broken_runs", 0) + 1
    turn = Turn(healthy=healthy, why=why)
    key = site_key(config, lease.LEASE_NAME)
    digest = public_settings(config, run)
    try:
        held = lease.read(client, key)
        peers = health.read_all(client, key_prefix(config) + SITES_FOLDER)
        peers = [p for p in peers if p.site != config.site_name]
        turn.peers = frozenset(p.generator for p in peers)
        fresh = [p for p in peers if p.fresh(config.site_lease_seconds)]
        me = Me(
            config.site_name or "",
            config.site_role or "",
            healthy,
            runs["broken_runs"],
            config.site_grace_runs,
            config.site_drain,
        )
        views = [Peer(p.site, p.role, p.healthy, p.healthy_runs, True) for p in fresh]
        decision = decide(me, held.holder, held.ran_out(), views, missing=held.etag is None)
        act(config, decision, held, turn, client, key)
        if turn.writer:
            turn.term = fence.begin_term(runs, turn.took_over)
        for p in fresh:
            # Compared only while both views are whole: a site that cannot read its page has no title to compare.
            if p.settings != digest and healthy and p.healthy:
                log.warning(
                    "site %s shapes the public files differently (title, key, cache age, selection or language):"
                    " the page would change at every handoff; make both sites' settings agree",
                    p.site,
                )
        mine = health.Health(
            config.site_name or "", config.site_role or "", healthy, why, runs["healthy_runs"], digest, state.generator
        )
        health.write(client, site_key(config, health.PREFIX + f"{config.site_name}.json"), mine)
    except lease.StoreError as exc:
        log.error("site %s: %s; this run does not write (the status bucket, SPACES_ENDPOINT)", config.site_name, exc)
        turn.writer, turn.healthy, turn.why = False, False, str(exc)
    return turn


def act(config: Config, decision: Decision, held: lease.Lease, turn: Turn, client: Any, key: str) -> None:
    """Write the lease as decided; a write another site beat is a wait."""
    if decision.action == "wait":
        log.info("site %s: not the writer: %s", config.site_name, decision.why)
        return
    holder = None if decision.action == "release" else config.site_name
    sent = lease.write(client, key, holder, config.site_lease_seconds, held.etag)
    if sent is None:
        log.info("site %s: another site changed the lease first; not the writer this run", config.site_name)
        return
    if decision.action == "release":
        log.warning("site %s: lease released: %s", config.site_name, decision.why)
        return
    turn.writer, turn.until = True, sent + config.site_lease_seconds
    turn.took_over = decision.action == "take"
    level = log.warning if turn.took_over else log.info
    level(
        "site %s: lease %s for %ds: %s",
        config.site_name,
        "taken" if turn.took_over else "renewed",
        config.site_lease_seconds,
        decision.why,
    )
