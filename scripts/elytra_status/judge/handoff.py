"""Two sites, one writer: what this site does with the lease this run. Pure: the run brings what it read.

A handoff follows a change of health, never a timer alone, so the lease does not swing run to run:
- a standby takes a lease only once it has run out, and only while its own view is healthy;
- a holder whose view has been broken for more than SITE_GRACE_RUNS runs, or that is drained, releases
  it when another site is fresh and healthy; a restart of a few seconds hands nothing over;
- a standby holding the lease releases it once the primary has been healthy TAKEBACK_RUNS runs in a row, and
  not before it has held it SITE_HOLD_SECONDS, so intermittent faults cannot make the lease swing;
- if no site is healthy, the holder keeps writing, and publishes the honest unknown.

"Broken" counts runs that failed, whatever the cause (judge/site_health.py): a view that was not whole, a
publish that did not happen, a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

# The primary takes the lease back after this many healthy runs in a row (about five minutes).
TAKEBACK_RUNS = 5


@dataclass(frozen=True)
class Peer:
    """Another site, from its health object."""

    site: str
    role: str
    healthy: bool
    healthy_runs: int
    fresh: bool  # written within a lease's time, by the store's clock


@dataclass(frozen=True)
class Me:
    site: str
    role: str
    healthy: bool
    broken_runs: int  # runs in a row that failed, this one included when its view is already broken
    grace_runs: int
    drain: bool
    held_for: float = 0.0  # seconds since this site took the lease, by the store's clock
    hold_seconds: float = 0.0


@dataclass(frozen=True)
class Decision:
    action: str  # "renew", "take", "release" or "wait"
    why: str
    failed: bool = False  # released because this site's runs failed (not drained, not a takeback)


def decide(me: Me, holder: str | None, ran_out: bool, peers: list[Peer], missing: bool = False) -> Decision:
    """What to do with the lease: holder is its site (None when free), ran_out by the store's clock.

    missing: no lease object yet (a first start); a standby leaves it to a healthy primary.
    """
    ready = [p for p in peers if p.site != me.site and p.fresh and p.healthy]
    if holder == me.site:
        return _as_holder(me, ready)
    if me.drain:
        return Decision("wait", "drained by the operator (SITE_DRAIN)")
    if holder is not None and not ran_out:
        return Decision("wait", f"{holder} holds the lease")
    # A site whose last run failed (it may just have released the lease for that) leaves a free lease to others.
    if not (me.healthy and me.broken_runs == 0) and (me.role == "standby" or ready):
        return Decision("wait", "the lease is free, but this site is not healthy")
    primary_back = [p for p in ready if p.role == "primary" and (missing or p.healthy_runs >= TAKEBACK_RUNS)]
    if holder is None and me.role == "standby" and primary_back:
        return Decision("wait", f"the lease is free for the primary {primary_back[0].site}")
    if holder is None:
        return Decision("take", "the lease is free")
    return Decision("take", f"the lease of {holder} ran out")


def _as_holder(me: Me, ready: list[Peer]) -> Decision:
    if ready and me.drain:
        return Decision("release", f"drained by the operator (SITE_DRAIN); {ready[0].site} is healthy")
    if ready and me.broken_runs > me.grace_runs:
        return Decision("release", f"{me.broken_runs} runs failed in a row; {ready[0].site} is healthy", True)
    back = [p for p in ready if p.role == "primary" and p.healthy_runs >= TAKEBACK_RUNS]
    if me.role == "standby" and back and me.held_for >= me.hold_seconds:
        return Decision("release", f"the primary {back[0].site} has been healthy for {back[0].healthy_runs} runs")
    return Decision("renew", "this site holds the lease")
