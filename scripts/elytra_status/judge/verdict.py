"""Where a failure is seen from: the public files as a function of every counting site's view. Pure.

For each component, over the views that report it (judge/README.md, "Two sites: one verdict"):
maintenance in any view wins; down in every view that knows its state is `major_outage`; down in some and up
in others is `partial_outage`, with both sides named; a state no view knows is unknown. One view alone is
that view, its platform status and figures included. Incidents and windows are the union of the views'
lists; one listed before stays open until a counting view that listed it stops listing it, or every site
that listed it is retired (its view deleted from the bucket).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elytra_status.judge import ids
from elytra_status.judge.view import Item, View
from elytra_status.kuma.metrics import DOWN, MAINTENANCE, PENDING, UNKNOWN, UP
from elytra_status.kuma.published import PageGroup, PageIncident, PageMaintenance, PageMonitor, PublishedPage

KUMA_STATE = {
    "operational": UP,
    "degraded_performance": PENDING,
    "major_outage": DOWN,
    "partial_outage": DOWN,
    "under_maintenance": MAINTENANCE,
    "unknown": UNKNOWN,
}
STYLE = {"major": "danger", "minor": "warning"}


@dataclass(frozen=True)
class Verdict:
    state: str  # a view's state, or partial_outage
    down: tuple[str, ...] = ()  # partial_outage: the sites that see it down
    up: tuple[str, ...] = ()  # ... and those that see it up


@dataclass
class Merged:
    """What the bundle is built from with two sites: a page whose monitors are numbered 1..n, their states."""

    platform: dict[str, Any]  # platform_status, maintenance, uptime
    page: PublishedPage | None
    states: dict[int, int] = field(default_factory=dict)  # number -> Uptime Kuma's state (UNKNOWN: unknown)
    partial: dict[int, Verdict] = field(default_factory=dict)  # number -> a split verdict
    figures: dict[int, dict[str, float | None]] = field(default_factory=dict)
    history: list[PageIncident] = field(default_factory=list)  # resolved incidents the views' histories give
    component_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    figures_site: str = ""  # whose Uptime Kuma measured the figures
    sites: tuple[str, ...] = ()  # whose views counted


def left_out(view: View, age: float | None, lease_seconds: int, settings: str) -> str:
    """Why another site's view does not count, or "" when it does: fresh, whole, the same public settings."""
    if age is None:
        return "of unknown age"
    if age >= lease_seconds:
        return "stale"
    if not view.whole:
        return "not whole"
    return "" if view.settings == settings else "other settings"


def verdict(name: str, views: list[View]) -> Verdict | None:
    """One component over the views; None when no view reports it (paused or deleted: left out)."""
    seen = [(v.site, v.monitors[name].state) for v in views if name in v.monitors]
    if not seen:
        return None
    if any(state == "under_maintenance" for _, state in seen):
        return Verdict("under_maintenance")
    known = [(site, state) for site, state in seen if state != "unknown"]
    if not known:
        return Verdict("unknown")
    down = tuple(sorted(site for site, state in known if state == "major_outage"))
    if down and len(down) < len(known):
        return Verdict("partial_outage", down, tuple(sorted(site for site, s in known if s != "major_outage")))
    if down:
        return Verdict("major_outage")
    return Verdict("degraded_performance" if any(s == "degraded_performance" for _, s in known) else "operational")


def platform(verdicts: dict[str, Verdict], views: list[View]) -> dict[str, Any]:
    """status.json's platform_status and maintenance from the verdicts, by the rules of judge/README.md."""
    selected = {n for v in views for n, seen in v.monitors.items() if seen.selected}
    critical = {n for v in views for n, seen in v.monitors.items() if seen.critical}
    counted = {n: verdicts[n].state for n in selected if n in verdicts}
    known = [s for s in counted.values() if s != "unknown"]
    maintenance = any(s == "under_maintenance" for s in counted.values())
    if not known:
        status = "unknown"
    elif any(counted.get(n) == "major_outage" for n in critical):
        status = "outage"
    elif any(counted.get(n) == "unknown" for n in critical):
        status = "unknown"
    elif len(known) == len(counted) and all(s == "major_outage" for s in known):
        status = "outage"
    elif any(s in ("major_outage", "partial_outage", "degraded_performance", "unknown") for s in counted.values()):
        status = "degraded"
    else:
        status = "operational"
    return {"platform_status": status, "maintenance": maintenance}


def figures_source(views: list[View], writer: str) -> View:
    """The primary's view while it counts, else the writer's, else the first by name."""
    ranked = sorted(views, key=lambda v: (v.role != "primary", v.site != writer, v.site))
    return ranked[0]


def merge(
    views: list[View],
    writer: str,
    record: ids.IdRecord,
    listed_before: dict[str, dict[str, Any]],
    present: set[str] | None,
    now: datetime,
) -> Merged:
    """The counting views (at least one) merged; record takes the new ids.

    listed_before: the incidents and windows the public files list as open (by id); present: the generators
    whose views are in the bucket, fresh or not (a site whose view is gone is retired); None: not known.
    """
    source = figures_source(views, writer)
    by_page = [source, *sorted((v for v in views if v is not source), key=lambda v: v.site)]
    shaped = next((v for v in by_page if v.page), None)
    verdicts = {n: found for n in {n for v in views for n in v.monitors} if (found := verdict(n, views))}
    if len(views) == 1:
        doc = {k: views[0].platform[k] for k in ("platform_status", "maintenance")}
    else:
        doc = platform(verdicts, views)
    merged = Merged({**doc, "uptime": dict(source.platform["uptime"])}, None, figures_site=source.site)
    merged.sites = tuple(sorted(v.site for v in views))
    if shaped is None:
        return merged  # no site ever read the page: the bundle keeps what it listed (render/bundle.py)
    _shape(merged, shaped, source, verdicts, record)
    assert merged.page is not None
    now_ts = _ts(now)
    reading = [v for v in by_page if v.page_read]
    incidents, windows = _events(record, reading, now_ts)
    _carry(incidents, windows, listed_before, record, {v.generator for v in reading}, present)
    merged.page.incidents = list(incidents.values())
    merged.page.maintenances = list(windows.values())
    for v in reading:
        for item in v.resolved:
            event = _incident_event(record, v, item, now_ts)
            if event.id not in incidents and all(h.public_id != event.id for h in merged.history):
                merged.history.append(_incident(item, event, active=False))
    return merged


def _shape(merged: Merged, shaped: View, source: View, verdicts: dict[str, Verdict], record: ids.IdRecord) -> None:
    """The page's groups from one view, its monitors numbered in page order, with states, verdicts and figures."""
    page = shaped.page or {}
    merged.component_ids = ids.components(record, shaped.names())
    numbers: dict[str, int] = {}
    groups = []
    for group in page["groups"]:
        monitors = []
        for _, name in group["monitors"]:
            number = numbers.setdefault(name, len(numbers) + 1)
            monitors.append(PageMonitor(number, name, ""))
            found = verdicts.get(name)
            if found is None:
                continue  # reported by no view: left out, as one site leaves it out
            merged.states[number] = KUMA_STATE[found.state]
            if found.state == "partial_outage":
                merged.partial[number] = found
            seen = source.monitors.get(name)
            merged.figures[number] = dict(seen.uptime) if seen else {}
        groups.append(PageGroup(len(groups) + 1, group["name"], tuple(monitors)))
    merged.page = PublishedPage(page["slug"], page["title"], groups)


def _events(
    record: ids.IdRecord, reading: list[View], now: str
) -> tuple[dict[str, PageIncident], dict[str, PageMaintenance]]:
    """Every open incident and window the reading views list, by its id; the first view's copy wins."""
    incidents: dict[str, PageIncident] = {}
    windows: dict[str, PageMaintenance] = {}
    for v in reading:
        for item in v.incidents:
            event = _incident_event(record, v, item, now)
            incidents.setdefault(event.id, _incident(item, event))
        for item in v.windows:
            native = f"mt{item.key}-{item.start[:19].replace('-', '').replace(':', '')}Z"
            key = f"{item.key}@{item.start}"
            event = ids.event(record, ids.MAINTENANCE, v.generator, key, item.title, item.start, now, native)
            windows.setdefault(event.id, _window(item, event))
    return incidents, windows


def _incident_event(record: ids.IdRecord, v: View, item: Item, now: str) -> ids.Event:
    return ids.event(record, ids.INCIDENT, v.generator, item.key, item.title, item.start, now, f"i{item.key}")


def _carry(
    incidents: dict[str, PageIncident],
    windows: dict[str, PageMaintenance],
    listed_before: dict[str, dict[str, Any]],
    record: ids.IdRecord,
    reading: set[str],
    present: set[str] | None,
) -> None:
    """Keep open what no counting view can speak for: its sites are stale or not whole, and not retired."""
    for public_id, old in listed_before.items():
        if public_id in incidents or public_id in windows:
            continue
        event = record.event_by_id(public_id)
        sites = set(event.seen) if event else set()
        retired = present is not None and sites and not sites & present
        if (sites & reading) or (reading and not sites) or retired:
            continue  # a view that listed it stopped, or its sites were retired: it closes
        if old.get("impact") == "maintenance":
            windows[public_id] = _window_of(old)
        else:
            incidents[public_id] = _incident_of(old)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _at(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def _incident(item: Item, event: ids.Event, active: bool = True) -> PageIncident:
    created = _at(event.start)
    assert created is not None
    return PageIncident(0, item.style, item.title, item.text, created, _at(item.end), active, event.id)


def _window(item: Item, event: ids.Event) -> PageMaintenance:
    return PageMaintenance(0, item.title, item.text, _at(event.start), _at(item.end), public_id=event.id)


def _incident_of(old: dict[str, Any]) -> PageIncident:
    created = _at(old["created_at"])
    assert created is not None
    body = old["incident_updates"][-1]["body"] if old["incident_updates"] else ""
    style = STYLE.get(old["impact"], "info")
    return PageIncident(0, style, old["name"], body, created, _at(old["updated_at"]), True, old["id"])


def _window_of(old: dict[str, Any]) -> PageMaintenance:
    body = old["incident_updates"][-1]["body"] if old["incident_updates"] else old["name"]
    starts = _at(old.get("scheduled_for") or old["created_at"])
    return PageMaintenance(0, old["name"], body, starts, _at(old.get("scheduled_until")), public_id=old["id"])
