"""Two-site mode, one run's turn: this site's health, the lease, and whether this run may write the public files.

Order: the sources are read; the lease and every site's health object are read; this site's runs before this
one are counted from its own health object (judge/site_health.py); the lease is renewed, taken, released or
left (judge/handoff.py); the health object is written as "running". Only a writer uploads, and only while its
lease has time for the upload. When the run ends, finish() writes the health object again with its outcome.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.infra.logs import log
from elytra_status.infra.own_keys import SITES_FOLDER
from elytra_status.infra.settings import LEASE_MARGIN_SECONDS, Config
from elytra_status.infra.timing import MAX_CLOCK_SKEW_SECONDS
from elytra_status.judge import site_health, site_setup
from elytra_status.judge.handoff import Decision, Me, Peer, decide
from elytra_status.publish import fence, health, lease
from elytra_status.render.keys import key_prefix, site_key
from elytra_status.run.site_checks import SiteRefused, install_identity, public_settings, where
from elytra_status.run.sources import clock_problem

if TYPE_CHECKING:
    from elytra_status.run.sources import StatusRun
    from elytra_status.run.state import RunState

# The other sites' generator ids kept in the state: the state schema's bound.
MAX_PEER_IDS = 16

StoreError = lease.StoreError


@dataclass
class Turn:
    """What this run is, as a site: the writer or not, until when (lease clock), and how its run went."""

    writer: bool = False
    until: float | None = None
    took_over: bool = False
    healthy: bool = False  # this run's view: whole, and on a clock that agrees with the store
    why: str = ""
    peers: frozenset[str] = field(default_factory=frozenset)  # the generator ids of the other sites
    published: bool | None = None  # the writer published (True), had nothing new (None), or did not (False)
    gave_up: bool = False  # it released the lease because its runs failed: this run failed too
    start: site_health.Counts = field(default_factory=lambda: site_health.Counts(0, 0, None))
    began: float = field(default_factory=timing.lease_clock)
    written: health.Health | None = None  # the health object this run wrote when its turn began
    term: str = ""  # while writing: the token of this site's term, in every body it writes (publish/fence.py)

    def ok(self) -> bool:
        return not self.gave_up and site_health.run_ok(self.healthy, self.writer, self.published)

    def line(self, role: str) -> str:
        """The heartbeat's words: "writing" only when the run published or had nothing new to publish."""
        if self.writer and self.ok():
            return f"{role}, writing"
        if self.gave_up:
            return f"{role}, not healthy: {self.why if not self.healthy else 'released the lease after failed runs'}"
        if self.writer:
            return f"{role}, not healthy: {self.why if not self.healthy else 'holds the lease but did not publish'}"
        return f"{role}, ready" if self.healthy else f"{role}, not healthy: {self.why}"

    def may_upload(self, config: Config) -> str | None:
        """None when the lease has time for a whole upload; else why not."""
        if not self.writer or self.until is None:
            return "this site does not hold the lease"
        left = self.until - timing.lease_clock()
        if left <= config.upload_timeout_seconds + LEASE_MARGIN_SECONDS:
            return f"the lease has {left:.1f}s left, not enough for an upload (UPLOAD_TIMEOUT_SECONDS)"
        return None


def own_view(config: Config, run: StatusRun, store_offset: float | None) -> tuple[bool, str]:
    """Whether this run's view is whole, and why not: the same faults whatever the role."""
    if config.site_drain:
        return False, "drained by the operator (SITE_DRAIN)"
    if store_offset is not None and abs(store_offset) > MAX_CLOCK_SKEW_SECONDS:
        return False, f"clock {abs(store_offset):.0f} s {'ahead of' if store_offset > 0 else 'behind'} the store"
    if clock_problem(run):
        return False, "clock off from Uptime Kuma's or the backup bucket's (see the clock skew line)"
    if run.kuma is None:
        return False, "Uptime Kuma did not answer"
    if "uptime_kuma" in run.failed_sources:
        return False, "Uptime Kuma's expected monitors were not all seen"
    return True, "ok"


def _last(mine: health.Health | None) -> site_health.Last | None:
    if mine is None:
        return None
    return site_health.Last(
        mine.outcome, mine.failed_runs, mine.healthy_runs, mine.interval, mine.run_seconds, mine.age
    )


def take_turn(config: Config, state: RunState, run: StatusRun, client: Any) -> Turn:
    """Read the lease and every site's health, act on the lease, write this site's health as running."""
    turn = Turn()
    name, key = config.site_name or "", site_key(config, lease.LEASE_NAME)
    install = install_identity(config)
    since = state.site.setdefault("since", timing.iso_z(timing.utc_now()))
    state.site["name"] = name  # a state that names a site goes on from the bucket's record back at one site
    for before in ("healthy_runs", "broken_runs"):  # counted in the health object since version 2
        state.site.pop(before, None)
    try:
        held = lease.read(client, key)
        offset = (timing.utc_now() - held.store_date).total_seconds() if held.store_date else None
        everyone = health.read_all(client, key_prefix(config) + SITES_FOLDER)
    except lease.StoreError as exc:
        log.error("site %s: %s; this run does not write (the status bucket, %s)", name, exc, where(config))
        turn.why = str(exc)
        return turn
    mine = next((h for h in everyone if h.site == name and h.install == install), None)
    peers = [h for h in everyone if h.site != name]
    # Ids seen before are kept (bounded): a site that lost its state has a new id, but its objects carry the old.
    known = list(dict.fromkeys([*(p.generator for p in peers), *state.site.get("peers", [])]))[:MAX_PEER_IDS]
    turn.peers, state.site["peers"] = frozenset(known), known
    turn.start = site_health.counts(_last(mine))
    turn.healthy, turn.why = own_view(config, run, offset)
    me = health.Health(
        name,
        config.site_role or "",
        turn.healthy and turn.start.failed_runs == 0,
        turn.why,
        turn.start.healthy_runs,
        turn.start.failed_runs,
        "running",
        turn.start.interval,
        0.0,
        config.site_lease_seconds,
        public_settings(config, run),
        state.generator,
        install,
        since,
        socket.gethostname()[:64],
    )
    clash = site_setup.name_clash(me, everyone, held.install, held.holder, config.site_lease_seconds)
    if clash:
        raise SiteRefused(clash)
    fresh = [p for p in peers if p.fresh(config.site_lease_seconds)]
    broken = turn.start.failed_runs + (0 if turn.healthy else 1)
    mine_held = held.holder == name and held.install in (None, install)
    me_now = Me(
        name,
        config.site_role or "",
        turn.healthy,
        broken,
        config.site_grace_runs,
        config.site_drain,
        held.held_for() if mine_held else 0.0,
        config.site_hold_seconds,
    )
    views = [Peer(p.site, p.role, p.healthy, p.healthy_runs, True) for p in fresh]
    decision = decide(me_now, held.holder, held.ran_out(config.site_lease_seconds), views, missing=held.etag is None)
    holder_seen = any(p.site == held.holder for p in fresh)
    for warning in site_setup.warnings(me, fresh, held.holder, held.seconds, holder_seen):
        log.warning("site %s: %s", name, warning)
    try:
        # Health first: a site whose health the store does not take renews nothing, so its lease runs out.
        health.write(client, site_key(config, health.PREFIX + f"{name}.json"), me)
        turn.written = me
        act(config, decision, held, turn, client, key, install, fresh)
        if turn.writer:
            turn.term = fence.begin_term(state.site, turn.took_over)
    except lease.StoreError as exc:
        log.error("site %s: %s; this run does not write (the status bucket, %s)", name, exc, where(config))
        # With "running" written, finish() records the failure; without it, the next run counts it as failed.
        turn.writer, turn.healthy, turn.why = False, False, str(exc)
    return turn


def act(
    config: Config,
    decision: Decision,
    held: lease.Lease,
    turn: Turn,
    client: Any,
    key: str,
    install: str,
    fresh: list[health.Health],
) -> None:
    """Write the lease as decided; a write another site beat is a wait."""
    if decision.action == "wait":
        log.info("site %s: not the writer: %s", config.site_name, decision.why)
        return
    holder = None if decision.action == "release" else config.site_name
    # The hold counts from the takeover by the store's clock; a renewal keeps it.
    taken = held.store_date.strftime("%Y-%m-%dT%H:%M:%SZ") if held.store_date else None
    since = held.since if decision.action == "renew" and held.since else taken
    sent = lease.write(client, key, holder, config.site_lease_seconds, held.etag, since, install)
    if sent is None:
        log.info("site %s: another site changed the lease first; not the writer this run", config.site_name)
        return
    if decision.action == "release":
        log.warning("site %s: lease released: %s", config.site_name, decision.why)
        turn.gave_up = decision.failed
        return
    # Another site honours the lease for its own length at most: the writer stops by the shortest.
    honoured = min([config.site_lease_seconds, *(p.lease_seconds for p in fresh)])
    turn.writer, turn.until = True, sent + honoured
    turn.took_over = decision.action == "take"
    level = log.warning if turn.took_over else log.info
    level(
        "site %s: lease %s for %ds: %s",
        config.site_name,
        "taken" if turn.took_over else "renewed",
        config.site_lease_seconds,
        decision.why,
    )


def finish(config: Config, turn: Turn, client: Any) -> None:
    """Write this site's health again with the run's outcome; a store that does not answer leaves "running",
    which the next run counts as failed."""
    if turn.written is None:
        return
    ok = turn.ok()
    failed, healthy_runs = site_health.after(turn.start, ok)
    why = turn.why if not turn.healthy else "ok" if ok else "held the lease but did not publish"
    done = replace(
        turn.written,
        healthy=ok,
        why=why,
        healthy_runs=healthy_runs,
        failed_runs=failed,
        outcome="ok" if ok else "failed",
        run_seconds=round(max(timing.lease_clock() - turn.began, 0.0), 3),
    )
    try:
        health.write(client, site_key(config, health.PREFIX + f"{config.site_name}.json"), done)
    except lease.StoreError as exc:
        log.warning("site %s: the run's outcome was not recorded: %s", config.site_name, exc)
