"""What Uptime Kuma's published status page shows: its title, groups, incidents and maintenance.

Only this, which the operator already made public, may reach the public bundle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A bound on what one page may carry into the bundle.
MAX_GROUPS, MAX_MONITORS, MAX_ITEMS, MAX_TEXT = 200, 2000, 50, 20_000
# The one maintenance status that is under way; the page's others: scheduled, ended, inactive, unknown.
UNDER_MAINTENANCE = "under-maintenance"
_BEAT_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?")


@dataclass(frozen=True)
class PageMonitor:
    id: int
    name: str
    type: str


@dataclass(frozen=True)
class PageGroup:
    id: int
    name: str
    monitors: tuple[PageMonitor, ...]


@dataclass(frozen=True)
class PageIncident:
    """An incident as the page has it; dates are UTC. active is False once resolved (2.5+ history)."""

    id: int
    style: str
    title: str
    content: str
    created: datetime
    updated: datetime | None
    active: bool = True
    public_id: str | None = None  # the id record's (judge/ids.py); None: i<id>


@dataclass(frozen=True)
class PageMaintenance:
    """A maintenance as the page lists it, with Uptime Kuma's status; the slot is UTC when it has one.

    Real servers list only `under-maintenance`; the others are mapped all the same (render/README.md).
    """

    id: int
    title: str
    description: str
    starts: datetime | None
    ends: datetime | None
    status: str = UNDER_MAINTENANCE
    public_id: str | None = None  # the id record's (judge/ids.py); None: mt<id>-<start>


@dataclass(frozen=True)
class Beat:
    """A monitor's newest beat on the page's heartbeat list: Uptime Kuma's status, and its time (UTC)."""

    status: int
    time: str  # "2026-11-27 12:08:54.191", as Uptime Kuma writes it


@dataclass
class PageBeats:
    """The page's heartbeat list as read this run: each id's newest beat, its 24-hour ratio, and the ids
    with no beat at all (never ran), whose 0 in the ratios is no figure."""

    latest: dict[int, Beat] = field(default_factory=dict)
    ratios: dict[int, float] = field(default_factory=dict)
    no_beat: set[int] = field(default_factory=set)


@dataclass
class PublishedPage:
    slug: str
    title: str
    groups: list[PageGroup] = field(default_factory=list)
    incidents: list[PageIncident] = field(default_factory=list)
    maintenances: list[PageMaintenance] = field(default_factory=list)

    @property
    def monitors(self) -> list[PageMonitor]:
        """Each monitor once, in page order."""
        seen: dict[int, PageMonitor] = {}
        for group in self.groups:
            for monitor in group.monitors:
                seen.setdefault(monitor.id, monitor)
        return list(seen.values())


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def kuma_date(value: Any) -> datetime | None:
    """Uptime Kuma's `2026-11-28 06:29:52` (UTC, no zone) as an aware datetime; None when absent."""
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value.replace(" ", "T").removesuffix("Z"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def incident(item: dict[str, Any]) -> PageIncident:
    created = kuma_date(item.get("createdDate"))
    if created is None:
        raise ValueError("an incident without createdDate")
    active = item.get("active", True)  # 1.23 has no `active`: a listed incident is active
    return PageIncident(
        id=int(item["id"]),
        style=_text(item.get("style"), 20),
        title=_text(item.get("title"), 500),
        content=_text(item.get("content")),
        created=created,
        updated=kuma_date(item.get("lastUpdatedDate")),
        active=bool(active),
    )


def _slot_time(value: Any, zone: str) -> datetime | None:
    """A slot's time: UTC ISO with Z (recurring), or wall-clock in the maintenance's zone (single)."""
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        try:
            parsed = parsed.replace(tzinfo=ZoneInfo(zone or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def maintenance(item: dict[str, Any]) -> PageMaintenance:
    slots = item.get("timeslotList") or []
    first = slots[0] if slots and isinstance(slots[0], dict) else {}
    zone = _text(item.get("timezone"), 64)
    return PageMaintenance(
        id=int(item["id"]),
        title=_text(item.get("title"), 500),
        description=_text(item.get("description")),
        starts=_slot_time(first.get("startDate"), zone),
        ends=_slot_time(first.get("endDate"), zone),
        status=_text(item.get("status"), 40),  # none given: not under way
    )


def parse_page(slug: str, data: dict[str, Any]) -> PublishedPage:
    """The page's JSON (2.5+ or 1.23-era) as a PublishedPage; raises ValueError, KeyError or TypeError."""
    page = PublishedPage(slug, _text((data.get("config") or {}).get("title"), 200) or slug)
    for group in (data.get("publicGroupList") or [])[:MAX_GROUPS]:
        monitors = tuple(
            PageMonitor(int(m["id"]), _text(m.get("name"), 200), _text(m.get("type"), 40))
            for m in (group.get("monitorList") or [])[:MAX_MONITORS]
        )
        page.groups.append(PageGroup(int(group["id"]), _text(group.get("name"), 200), monitors))
    listed = data.get("incidents")  # 2.5+: a list; the 1.23-era: one `incident` or null
    if listed is None:
        listed = [data["incident"]] if data.get("incident") else []
    page.incidents = [incident(i) for i in listed[:MAX_ITEMS]]
    page.maintenances = [maintenance(m) for m in (data.get("maintenanceList") or [])[:MAX_ITEMS]]
    return page


def parse_beats(data: dict[str, Any]) -> PageBeats:
    """The heartbeat list's JSON as PageBeats; what is not Uptime Kuma's shape is skipped, never guessed."""
    out = PageBeats()
    for key, value in (data.get("uptimeList") or {}).items():
        monitor_id, _, hours = str(key).partition("_")
        if hours == "24" and monitor_id.isdigit() and isinstance(value, int | float) and 0 <= value <= 1:
            out.ratios[int(monitor_id)] = float(value)
    for key, beats in (data.get("heartbeatList") or {}).items():
        if not str(key).isdigit() or not isinstance(beats, list):
            continue
        if not beats:
            out.no_beat.add(int(key))
            continue
        last = beats[-1]  # oldest first, as Uptime Kuma lists them and Homepage reads them
        status, time = (last.get("status"), last.get("time")) if isinstance(last, dict) else (None, None)
        if status in (0, 1, 2, 3) and isinstance(time, str) and _BEAT_TIME.fullmatch(time):
            out.latest[int(key)] = Beat(status, f"{time}.000"[:23] if "." not in time else f"{time}000"[:23])
    return out
