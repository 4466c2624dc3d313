"""What the public bundle needs from earlier runs: component times, incidents and maintenance windows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from elytra_status.kuma.published import PageGroup, PageMonitor, PublishedPage

# The resolved incidents and completed maintenance windows kept, the newest first.
MAX_PAST = 50


MAX_PAST = 50


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
    # The page's monitors the last read of Uptime Kuma showed (the paused ones left out); None: not recorded.
    shown: list[int] | None = None

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
        """An incident gone from the page is resolved at its time in Uptime Kuma's incident history (2.5+),
        else at the run that saw it go; a later run that finds it in the history takes that time instead."""
        known = {r["id"]: r for r in known_resolved if r["id"] not in current}
        gone = [known.get(iid) or resolve(old, now) for iid, old in self.open_incidents.items() if iid not in current]
        kept = [known.get(r["id"], r) for r in self.resolved if r["id"] not in current]
        self.resolved = gone + kept
        have = {r["id"] for r in self.resolved}
        self.resolved += [r for r in known.values() if r["id"] not in have]
        self.resolved = sorted(self.resolved, key=lambda r: r["resolved_at"], reverse=True)[:MAX_PAST]
        self.open_incidents = dict(current)
        return self.resolved

    def complete_maintenances(
        self, current: dict[str, dict[str, Any]], now: str, complete: Any, running: set[str] | None = None
    ) -> list[dict]:
        """A maintenance window gone from the page is completed at the run that saw it go (or its slot's end).

        running: Uptime Kuma's maintenance ids under way (mt<id>), whose first sighting is kept; None keeps all.
        """
        gone = [complete(old, now) for mid, old in self.maintenances.items() if mid not in current]
        self.completed = (gone + [c for c in self.completed if c["id"] not in current])[:MAX_PAST]
        self.maintenances = dict(current)
        if running is not None:
            self.first_seen_at = {k: v for k, v in self.first_seen_at.items() if k in running}
        return self.completed
