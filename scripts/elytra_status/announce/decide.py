"""What to announce: pure decisions over the published files and the record of what was announced.

The record is plain JSON (announce/record.py keeps it in the bucket). Status changes are announced once they
have held NOTIFY_HOLD_SECONDS; incidents and maintenance at once. `unknown` is never announced and neither
starts nor ends a hold. Each event is queued for the targets of the moment and retried, run by run with
backoff, until it is delivered or RETRY_SECONDS have passed since it was queued.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elytra_status.infra import timing

RECORD_VERSION = 1
# A target that fails is tried again for this long after its event was queued; then the event is dropped for it.
RETRY_SECONDS = 6 * 3600
# After its n-th failure a target skips 2^(n-1) - 1 runs, at most this many: next run, then 1, 3, 7, 15 skipped.
MAX_SKIP_RUNS = 15
# Bounds of the record: what it remembers of incidents and windows, and events waiting.
MAX_REMEMBERED = 200
MAX_PENDING = 50
ANNOUNCED = ("operational", "degraded", "outage")


@dataclass(frozen=True)
class View:
    """What the public files published this run show, as plain data."""

    platform: str  # status.json's state: operational, maintenance, degraded, outage or unknown
    headline: dict[str, Any]  # the page's headline parts: word, names, more (render/words.headline_parts)
    page_url: str
    changes: list[dict[str, Any]] = field(default_factory=list)  # the platform's changes, newest first
    incidents: list[dict[str, Any]] = field(default_factory=list)  # api/v2/incidents.json's
    maintenances: list[dict[str, Any]] = field(default_factory=list)  # api/v2/scheduled-maintenances.json's


def target_id(url: str) -> str:
    """A target's name in the record: a hash of its URL, never the URL (a secret)."""
    return hashlib.sha256(url.encode()).hexdigest()[:12]


def announced_state(state: str) -> str:
    """Maintenance has its own messages: for a status change it counts as operational."""
    return "operational" if state == "maintenance" else state


def held_since(current: str, changes: list[dict[str, Any]]) -> str | None:
    """When the current state was entered, unknown spells in between ignored; None: since before the log began."""
    start = None
    for change in changes:  # newest first
        if announced_state(change.get("to", "")) == current:
            start = change.get("at")
        if announced_state(change.get("from", "")) not in (current, "unknown"):
            break
    return start


def _incident_marks(items: list[dict[str, Any]], open_status: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """By name (two sites' Uptime Kumas number incidents apart; the page's titles are what they share):
    "open:<hash of the text>" or "closed", the most recent open item winning."""
    marks: dict[str, tuple[str, dict[str, Any]]] = {}
    for item in items:
        name = item.get("name") or ""
        is_open = item.get("status") == open_status or (open_status == "open" and item.get("status") != "resolved")
        if is_open:
            text = (item.get("incident_updates") or [{}])[-1].get("body") or ""
            mark = "open:" + hashlib.sha256(f"{name}\0{text}".encode()).hexdigest()[:12]
            if name not in marks or not marks[name][0].startswith("open"):
                marks[name] = (mark, item)
        elif name not in marks:
            marks[name] = ("closed", item)
    return marks


def _event(kind: str, phase: str, at: str, name: str, url: str, **extra: Any) -> dict[str, Any]:
    key = hashlib.sha256(f"{kind}\0{phase}\0{name}\0{at}\0{extra.get('text', '')}".encode()).hexdigest()[:16]
    return {"key": key, "kind": kind, "phase": phase, "at": at, "name": name, "url": url, **extra}


def baseline(view: View) -> dict[str, Any]:
    """A new record: what is public now is taken as known, so turning announcements on announces nothing old."""
    current = announced_state(view.platform)
    return {
        "version": RECORD_VERSION,
        "status": current if current in ANNOUNCED else None,
        "incidents": {n: m for n, (m, _) in _incident_marks(view.incidents, "open").items()},
        "maintenances": {n: m for n, (m, _) in _incident_marks(view.maintenances, "in_progress").items()},
        "pending": [],
    }


def new_events(view: View, record: dict[str, Any], now: datetime, hold: int) -> list[dict[str, Any]]:
    """The events this view shows that the record has not announced; the record is updated in place."""
    events = []
    current = announced_state(view.platform)
    if current in ANNOUNCED and record.get("status") != current:
        since = held_since(current, view.changes)
        held = since is None or (now - timing.parse_iso_z(since)).total_seconds() >= hold
        if record.get("status") is None:
            record["status"] = current  # first sight of a known state: the baseline, not news
        elif held:
            at = since or timing.iso_z(now)
            events.append(_event("status", current, at, "", view.page_url, headline=view.headline))
            record["status"] = current
    for kind, items, open_status in (
        ("incident", view.incidents, "open"),
        ("maintenance", view.maintenances, "in_progress"),
    ):
        known: dict[str, str] = record.setdefault(kind + "s", {})
        for name, (mark, item) in _incident_marks(items, open_status).items():
            before = known.get(name)
            known[name] = mark
            if mark == before:
                continue
            if mark == "closed":
                if before is None or before == "closed":
                    continue  # never seen open: nothing to close
                phase, at = ("resolved" if kind == "incident" else "end"), item.get("resolved_at")
            elif before is None or before == "closed":
                phase, at = ("new" if kind == "incident" else "start"), item.get("started_at")
            else:
                phase, at = "update", item.get("updated_at")
            text = "" if mark == "closed" else (item.get("incident_updates") or [{}])[-1].get("body") or ""
            at = _stamp(at or item.get("updated_at") or timing.iso_z(now))
            events.append(_event(kind, phase, at, name, item.get("shortlink") or view.page_url, text=text))
        for name in list(known)[:-MAX_REMEMBERED]:
            known.pop(name)
    return events


def _stamp(value: str) -> str:
    """Statuspage's milliseconds ("2026-12-02T13:09:00.000Z") to the record's seconds."""
    return value[:19] + "Z" if len(value) >= 19 else value


def queue(record: dict[str, Any], events: list[dict[str, Any]], targets: list[str], now: datetime) -> None:
    """Add events to the pending list, each for every target of the moment."""
    pending = record.setdefault("pending", [])
    for event in events:
        pending.append({**event, "queued": timing.iso_z(now), "targets": {t: {"tries": 0, "skip": 0} for t in targets}})
    del pending[:-MAX_PENDING]


def due(record: dict[str, Any], targets: list[str]) -> list[tuple[dict[str, Any], str]]:
    """(event, target) pairs to try this run: a target no longer configured is forgotten, one backing off waits."""
    out = []
    for event in record.get("pending", []):
        for target, tries in list(event["targets"].items()):
            if target not in targets:
                event["targets"].pop(target)
            elif tries["skip"] > 0:
                tries["skip"] -= 1
            else:
                out.append((event, target))
    return out


def settle(
    record: dict[str, Any], results: dict[tuple[str, str], bool | None], now: datetime
) -> list[tuple[dict[str, Any], str]]:
    """Apply this run's results (None: unfinished within the budget) and drop what is done or too old.

    Returns the (event, target) pairs dropped unsent, for a warning each.
    """
    dropped = []
    for event in record.get("pending", []):
        for target, tries in list(event["targets"].items()):
            result = results.get((event["key"], target), "untried")
            if result is True:
                event["targets"].pop(target)
                continue
            if result is False:
                tries["tries"] += 1
                tries["skip"] = min(2 ** (tries["tries"] - 1) - 1, MAX_SKIP_RUNS)
            if (now - timing.parse_iso_z(event["queued"])).total_seconds() > RETRY_SECONDS:
                event["targets"].pop(target)
                dropped.append((event, target))
    record["pending"] = [e for e in record.get("pending", []) if e["targets"]]
    return dropped


def pending_count(record: dict[str, Any] | None) -> int:
    """Events still waiting for at least one target."""
    return len(record.get("pending", [])) if record else 0
