"""Two sites set up wrong: the checks that refuse a run or warn every run. Pure: the run brings what it read.

Refused (exit 2): two installs under one SITE_NAME, where this one is the newcomer. Warned every run, naming
both sides: a lease shorter than the time between runs, lease lengths that differ, two primaries, a lease
holder that writes no health object or claims more than this site honours, and settings that shape the public
files differently (by name, never by value).
"""

from __future__ import annotations

from typing import Protocol


class Seen(Protocol):
    """A site's health object as read (publish/health.py's Health)."""

    site: str
    role: str
    healthy: bool
    interval: float | None
    lease_seconds: int
    settings: dict[str, str]
    install: str
    since: str
    host: str

    def fresh(self, within: float) -> bool: ...


def name_clash(me: Seen, others: list[Seen], holder_install: str | None, holder: str | None, lease: int) -> str | None:
    """Why this install must not run as its SITE_NAME: another install of that name is live and came first,
    or holds the lease. A rebuilt VM, whose old install's health is stale, is not refused."""
    for other in others:
        if other.site != me.site or other.install == me.install or not other.fresh(lease):
            continue
        if holder == me.site and holder_install == me.install:
            return None  # this install holds the lease: the other one yields
        holds = holder == me.site and holder_install == other.install
        if holds or (other.since, other.install) < (me.since, me.install):
            why = "holds the lease" if holds else f"has run as {me.site} since {other.since}"
            return (
                f"SITE_NAME: {me.site} is also the name of another install (on {other.host or 'another machine'},"
                f" install {other.install}), which {why}; this install ({me.host}, {me.install}) stops:"
                " give each site its own SITE_NAME"
            )
    return None


def warnings(me: Seen, peers: list[Seen], holder: str | None, holder_seconds: int, holder_seen: bool) -> list[str]:
    """Each setup problem seen between this site and the fresh other sites, one line each, both sides named."""
    found = []
    if me.interval is not None and me.interval >= me.lease_seconds:
        found.append(
            f"SITE_LEASE_SECONDS: {me.site}'s lease of {me.lease_seconds}s is not longer than the time between its"
            f" runs ({me.interval:.0f}s): the lease runs out between runs and the sites race every round"
        )
    for peer in peers:
        if peer.interval is not None and peer.interval >= me.lease_seconds:
            found.append(
                f"SITE_LEASE_SECONDS: {me.site}'s lease of {me.lease_seconds}s is not longer than the time"
                f" between {peer.site}'s runs ({peer.interval:.0f}s): the sites race every round"
            )
        if peer.lease_seconds != me.lease_seconds:
            found.append(
                f"SITE_LEASE_SECONDS differs: {me.site} {me.lease_seconds}s, {peer.site} {peer.lease_seconds}s;"
                " make them agree"
            )
        if peer.role == me.role == "primary":
            found.append(f"SITE_ROLE: {me.site} and {peer.site} are both primary; make one the standby")
        # Compared only while both views are whole: a site that cannot read its page has no title to compare.
        names = differing(me.settings, peer.settings) if me.healthy and peer.healthy else []
        if names:
            found.append(
                f"{', '.join(names)} differ between {me.site} and {peer.site}: the public files would change"
                " at every handoff; make both sites' settings agree"
            )
    if holder and holder != me.site and not holder_seen:
        found.append(f"the lease is held by {holder}, which writes no fresh health object: is it set up right?")
    if holder and holder != me.site and holder_seconds > me.lease_seconds:
        found.append(
            f"SITE_LEASE_SECONDS: {holder}'s lease claims {holder_seconds}s; {me.site} honours it for its own"
            f" {me.lease_seconds}s at most"
        )
    return found


def differing(mine: dict[str, str], theirs: dict[str, str]) -> list[str]:
    """The names of the settings whose digests differ, or that only one side has."""
    return sorted(name for name in mine.keys() | theirs.keys() if mine.get(name) != theirs.get(name))
