"""The run state kept between runs (STATE_FILE): small, versioned, written atomically, safe to delete."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kuma_public import PageGroup, PageMonitor, PublishedPage

import atomic
from logs import log

STATE_VERSION = 1
# A bound on the file: more monitors than any page shows; the least recently seen go first.
MAX_MONITORS = 10_000
MAX_PAST = 50


@dataclass
class KumaMemory:
    """What earlier runs saw of Uptime Kuma: its process start, and each monitor id's last sighting."""

    process_start: int | None = None
    seen: dict[int, str] = field(default_factory=dict)
    # Slow figures, reused for BADGE_CACHE_SECONDS: "<id>/<hours>" -> [percent, fetched at]
    badges: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class BundleMemory:
    """What the public bundle needs from earlier runs: since when each component has its status,
    the incidents and maintenances last seen on the page, and the recent resolved and completed ones."""

    components: dict[str, list[str]] = field(default_factory=dict)  # id -> [status, since, created]
    open_incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    maintenances: dict[str, dict[str, Any]] = field(default_factory=dict)
    completed: list[dict[str, Any]] = field(default_factory=list)
    first_seen_at: dict[str, str] = field(default_factory=dict)
    page: dict[str, Any] = field(default_factory=dict)  # the last page read: slug, title, groups

    def remember_page(self, page: PublishedPage) -> None:
        self.page = {"slug": page.slug, "title": page.title, "groups": [asdict(g) for g in page.groups]}

    def last_page(self) -> PublishedPage | None:
        """The last page read, without its incidents and maintenance (kept apart); None before any."""
        if not self.page:
            return None
        groups = [
            PageGroup(g["id"], g["name"], tuple(PageMonitor(**m) for m in g["monitors"])) for g in self.page["groups"]
        ]
        return PublishedPage(self.page["slug"], self.page["title"], groups)

    def component_times(self, cid: str, status: str, now: str) -> tuple[str, str]:
        """(created_at, updated_at): updated_at is when the status last changed."""
        old = self.components.get(cid)
        entry = [status, now, now] if old is None else [status, now, old[2]] if old[0] != status else old
        self.components[cid] = entry
        return entry[2], entry[1]

    def first_seen(self, item_id: str, now: str) -> str:
        return self.first_seen_at.setdefault(item_id, now)

    def resolve_incidents(
        self, current: dict[str, dict[str, Any]], known_resolved: list[dict[str, Any]], now: str, resolve: Any
    ) -> list[dict[str, Any]]:
        """An incident gone from the page is resolved at the run that saw it go; returns the resolved ones."""
        self.resolved = [resolve(old, now) for iid, old in self.open_incidents.items() if iid not in current] + [
            r for r in self.resolved if r["id"] not in current
        ]
        have = {r["id"] for r in self.resolved}
        self.resolved += [r for r in known_resolved if r["id"] not in have and r["id"] not in current]
        self.resolved = sorted(self.resolved, key=lambda r: r["resolved_at"], reverse=True)[:MAX_PAST]
        self.open_incidents = dict(current)
        return self.resolved

    def complete_maintenances(self, current: dict[str, dict[str, Any]], now: str, complete: Any) -> list[dict]:
        """A maintenance gone from the page is completed at the run that saw it go."""
        gone = [complete(old, now) for mid, old in self.maintenances.items() if mid not in current]
        self.completed = (gone + [c for c in self.completed if c["id"] not in current])[:MAX_PAST]
        self.maintenances = dict(current)
        self.first_seen_at = {k: v for k, v in self.first_seen_at.items() if k in current}
        return self.completed


@dataclass
class RunState:
    kuma: KumaMemory = field(default_factory=KumaMemory)
    bundle: BundleMemory = field(default_factory=BundleMemory)
    # history.py's days, and the platform status changes the feed lists
    history: dict[str, Any] = field(default_factory=dict)
    # What the last upload sent: its content digest, time and the status object's ETag
    published: dict[str, str] = field(default_factory=dict)
    # backup_memory.py's last listing of the backup bucket, kept LISTING_KEEP_SECONDS
    backups: dict[str, Any] = field(default_factory=dict)


def load(path: Path) -> RunState:
    """The state in path; an empty one when it is missing, unreadable or of another version (logged)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return RunState()
    except (OSError, ValueError) as exc:
        log.warning("state %s unreadable (%s): starting with no memory of earlier runs", path, exc)
        return RunState()
    if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
        log.warning("state %s is not version %d: starting with no memory of earlier runs", path, STATE_VERSION)
        return RunState()
    try:
        kuma = raw.get("kuma") or {}
        start = kuma.get("process_start")
        seen = {int(k): str(v) for k, v in (kuma.get("seen") or {}).items()}
        badges = {str(k): list(v) for k, v in (kuma.get("badges") or {}).items()}
        bundle = BundleMemory(**(raw.get("bundle") or {}))
        kept = raw.get("history") or {}
        published = raw.get("published") or {}
        backups = raw.get("backups") or {}
        return RunState(
            KumaMemory(int(start) if start is not None else None, seen, badges),
            bundle,
            kept if isinstance(kept, dict) else {},
            published if isinstance(published, dict) else {},
            backups if isinstance(backups, dict) else {},
        )
    except (TypeError, ValueError, AttributeError):
        log.warning("state %s has unexpected content: starting with no memory of earlier runs", path)
        return RunState()


def to_json(state: RunState) -> dict[str, Any]:
    seen = sorted(state.kuma.seen.items(), key=lambda item: item[1], reverse=True)[:MAX_MONITORS]
    components = sorted(state.bundle.components.items(), key=lambda item: item[1][1], reverse=True)[:MAX_MONITORS]
    return {
        "version": STATE_VERSION,
        "kuma": {
            "process_start": state.kuma.process_start,
            "seen": {str(k): v for k, v in sorted(seen)},
            "badges": dict(list(state.kuma.badges.items())[: 2 * MAX_MONITORS]),
        },
        "bundle": {**asdict(state.bundle), "components": dict(sorted(components))},
        "history": state.history,
        "published": state.published,
        "backups": dict(state.backups),  # a copy: a late backup thread may still replace its entries
    }


def save(path: Path, state: RunState) -> bool:
    """Write atomically; a failure is logged (the run goes on) and returns False."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Compact: at 1,000 monitors an indented dump cost 0.08 s a run (`python -m json.tool` reads it).
        atomic.write_atomically(path, json.dumps(to_json(state), separators=(",", ":")).encode(), 0o600)
        return True
    except OSError as exc:
        log.error("cannot write state %s (STATE_FILE): %s; the next run starts without it", path, exc.strerror)
        return False
