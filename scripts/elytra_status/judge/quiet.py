"""The quiet run: when a run may skip the parse, the bundle, the digest and the state, and only re-confirm
status.json. Pure functions over plain data; run/quiet.py does the reading and the writing.

A run is quiet when everything its files are made of is byte for byte what the last full run read, and
nothing falls due by time alone before that run's `until`: then the last document is still the truth.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

# A full run at least this often, whatever else: the history's minutes (at most 15 a run) and the bucket check.
QUIET_MAX_SECONDS = 600
# A record written later than now by more than this was written by a wrong clock.
FUTURE_SLACK_SECONDS = 300
# The only reads a quiet run repeats: /metrics, the page, its incident history (beats and badges: a full run).
QUIET_PATHS = ("/metrics", "/api/status-page/")


def quiet_until(
    now: datetime,
    due: Iterable[datetime | None],
    newest_backups: Iterable[datetime | None],
    max_age_hours: float,
) -> datetime:
    """The first moment a full run is due by time alone: the earliest of what the caller names as due (a
    listing or badge to fetch again, the publish cadence, the folder's lease check), a backup crossing its
    max age or twice it, the UTC day's end (history's day), and QUIET_MAX_SECONDS."""
    moments = [
        now + timedelta(seconds=QUIET_MAX_SECONDS),
        # The day's last minute: its run and the next day's first are full, so history's minutes and the
        # closing of yesterday's figures fall on the right day.
        (now + timedelta(days=1)).replace(hour=0, minute=0, second=0) - timedelta(minutes=1),
    ]
    moments += [moment for moment in due if moment is not None]
    for newest in newest_backups:
        if newest is not None:  # the crossings still ahead: one already behind is not due again
            moments += [c for c in (newest + timedelta(hours=max_age_hours * k) for k in (1, 2)) if c > now]
    return max(now, min(moments))  # something already due leaves no quiet time


def repeatable(paths: Iterable[str]) -> bool:
    """Whether a full run's Uptime Kuma reads are ones a quiet run repeats (no beats, no badges this run)."""
    listed = list(paths)
    return any(p.endswith("/metrics") for p in listed) and all(
        p.endswith("/metrics") or (p.startswith(QUIET_PATHS[1]) and "/heartbeat" not in p) for p in listed
    )


def refusal(record: dict, now: datetime, settings: str, stamp: list[int]) -> str | None:
    """Why this run must be full, or None: it may be quiet. `record` has passed run/quiet.py's checks."""
    if record["settings"] != settings:
        return "the settings changed"
    if record["stamp"] != stamp:
        return "STATE_FILE changed, or is gone"
    written, until = record["written"], record["until"]
    if written > now + timedelta(seconds=FUTURE_SLACK_SECONDS):
        return "the record is dated in the future: the clock went back"
    if now >= until:
        return "something is due"
    return None


def unchanged(record_parts: dict[str, str], parts: dict[str, str]) -> str | None:
    """None when this run read what the last full run read; else what changed, for the log."""
    if parts == record_parts:
        return None
    changed = sorted(set(parts) ^ set(record_parts) | {p for p in parts if record_parts.get(p) != parts[p]})
    return "changed: " + ", ".join(p.split("?")[0].rsplit("/", 1)[-1] or p for p in changed[:3])
