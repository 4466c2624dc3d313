"""A site's view: what one site's Uptime Kuma showed this run, by the page's names, with no id of its own.

Every site writes its view privately (`.sites/view-<site>.json`, publish/views.py); the writer merges the
fresh ones (judge/verdict.py). Plain data: no Uptime Kuma id reaches another site's public files but as a
native id the record (judge/ids.py) may give once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# A component's state in a view; partial_outage is a verdict, never one site's view.
STATES = ("operational", "degraded_performance", "major_outage", "under_maintenance", "unknown")
PLATFORM = ("operational", "degraded", "outage", "unknown")


@dataclass(frozen=True)
class Seen:
    """One monitor as one site saw it."""

    state: str  # one of STATES
    selected: bool  # counts in this site's platform status (MONITOR_IDS, or every monitor)
    critical: bool  # in this site's CRITICAL_MONITOR_IDS
    uptime: dict[str, float | None]  # Uptime Kuma's own last_24h, last_7d, last_30d; None: no figure


@dataclass(frozen=True)
class Item:
    """An incident or a maintenance window as one site's page lists it. Times are Statuspage timestamps."""

    key: str  # Uptime Kuma's id on that site
    title: str
    text: str  # an incident's Markdown, a window's description
    start: str  # createdDate; a window's start (its slot's, or when this site first saw it)
    end: str | None = None  # lastUpdatedDate; a window's end
    style: str = ""  # an incident's style (danger, warning, ...)


@dataclass
class View:
    site: str
    role: str
    generator: str
    whole: bool  # its Uptime Kuma answered and every expected monitor was seen
    settings: str  # digest of the settings that shape the public files
    platform: dict[str, Any]  # this site's own platform_status, maintenance and uptime (status.json's)
    page: dict[str, Any] | None = None  # {"slug", "title", "groups": [{"id", "name", "monitors": [[id, name]]}]}
    page_read: bool = False  # the page was read this run: its incidents and windows are current
    monitors: dict[str, Seen] = field(default_factory=dict)  # by name: the page's and the selected ones
    incidents: list[Item] = field(default_factory=list)  # open, as the page lists them
    resolved: list[Item] = field(default_factory=list)  # Uptime Kuma's incident history (2.5+), resolved ones
    windows: list[Item] = field(default_factory=list)  # maintenance under way

    def names(self) -> list[tuple[str, str, int]]:
        """(kind, name, Uptime Kuma id) of the page's groups and monitors, in page order."""
        out: list[tuple[str, str, int]] = []
        for group in (self.page or {}).get("groups", []):
            out.append(("g", group["name"], group["id"]))
            out += [("m", name, number) for number, name in group["monitors"]]
        return out
