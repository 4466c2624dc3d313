"""The public bundle: Statuspage API v2 files and a shields.io badge, from the published page and the run.

Only what the published page shows reaches these files: its title, group and monitor names,
incident and maintenance text. Never /metrics names, URLs, hosts, tags, keys or error text.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.kuma.metrics import DOWN, MAINTENANCE, PENDING, UP
from elytra_status.kuma.published import UNDER_MAINTENANCE, PageIncident, PageMaintenance, PublishedPage
from elytra_status.render.bundle_memory import BundleMemory
from elytra_status.render.history import NO_DATA_NOTE, NO_DATA_STATUS, component_state
from elytra_status.render.incidents import closed, incident_object, maintenance_object, ts, window_end
from elytra_status.render.keys import component_id
from elytra_status.render.words import N_, Words

if TYPE_CHECKING:
    from elytra_status.judge.verdict import Merged, Verdict

BADGE_LABEL = N_("status")

UPTIME_WINDOWS = ("last_24h", "last_7d", "last_30d")
MAX_PAST = 50  # Statuspage lists the 50 most recent incidents and maintenances
MAX_SHOWN = 12_000  # the state's bound on the monitors the last read showed
COMPONENT_STATUS = {
    UP: "operational",
    PENDING: "degraded_performance",
    DOWN: "major_outage",
    MAINTENANCE: "under_maintenance",
}
# A split verdict (two sites): the description names both sides, the page says it in its language.
SPLIT_NOTE = "Down from {down}, up from {up}"
SEVERITY = ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"]
# platform_status -> Statuspage's status; unknown is never `none`: a caution, not an outage.
PAGE_STATUS = {
    "operational": ("none", "All Systems Operational"),
    "degraded": ("minor", "Partially Degraded Service"),
    "outage": ("critical", "Major Service Outage"),
    "unknown": ("minor", "Status Unknown"),
}
MAINTENANCE_STATUS = ("maintenance", "Service Under Maintenance")
# Uptime Kuma's status of a maintenance that has not started: published as upcoming. Every status but
# this and under-maintenance (ended, inactive, unknown, none) is not under way: a window is completed.
SCHEDULED = "scheduled"
BADGE = {
    "operational": ("operational", "brightgreen"),
    "degraded": ("degraded", "yellow"),
    "outage": ("outage", "red"),
    "unknown": ("unknown", "lightgrey"),
}


def page_object(
    page: PublishedPage | None, public_url: str, now: datetime, site: str | None = None, figures_site: str = ""
) -> dict:
    out = {
        "id": page.slug if page else "status",
        "name": page.title if page else "Status",
        "url": public_url,
        "time_zone": "Etc/UTC",
        "updated_at": ts(now),
        "site": site,  # which site published (two sites), or None
    }
    if figures_site:
        out["uptime_site"] = figures_site  # two sites: whose Uptime Kuma measured the figures
    return out


def status_object(document: dict[str, Any]) -> dict[str, str]:
    indicator, description = PAGE_STATUS[document["platform_status"]]
    if document["maintenance"] and document["platform_status"] == "operational":
        indicator, description = MAINTENANCE_STATUS
    return {"indicator": indicator, "description": description}


def components(
    page: PublishedPage | None,
    states: dict[int, int] | None,
    memory: BundleMemory,
    now: datetime,
    ids: dict[tuple[str, str], str] | None,
    figures: dict[int, dict[str, float | None]],
    partial: dict[int, Verdict] | None = None,
) -> list[dict[str, Any]]:
    """Each public group, then its monitors; ids come from the id record by the page's names (judge/ids.py),
    or from Uptime Kuma's ids without one. partial: the split verdicts of two sites, by monitor.

    A monitor missing from states is not reported (paused or deleted): it is left out, as status.json
    leaves it out (judge/README.md "One state, one word"). states None: Uptime Kuma was not read; the
    monitors the last read showed are shown, each unknown, and what it left out stays out.
    """
    if page is None:
        return []
    ids, partial = ids or {}, partial or {}
    page_id, out, placed = page.slug, [], set()
    away = set(memory.shown) if states is None and memory.shown is not None else None
    for group in page.groups:
        children = []
        for monitor in group.monitors:
            if monitor.id in placed or (states is not None and monitor.id not in states):
                continue  # shown in two groups: one component, in the first; or not reported: left out
            if away is not None and monitor.id not in away:
                continue  # left out by the last read (paused): it stays out while Uptime Kuma is away
            placed.add(monitor.id)
            known = states.get(monitor.id) if states is not None else None
            status = COMPONENT_STATUS.get(known, NO_DATA_STATUS) if known is not None else NO_DATA_STATUS
            note = None if known in COMPONENT_STATUS else NO_DATA_NOTE
            group_id = ids.get(("g", group.name)) or component_id("g", group.id, group.name, False)
            cid = ids.get(("m", monitor.name)) or component_id("m", monitor.id, monitor.name, False)
            children.append(_component(cid, monitor.name, status, note, group_id, page_id))
            split = partial.get(monitor.id)
            if split is not None:
                down, up = ", ".join(split.down), ", ".join(split.up)
                children[-1].update(status="partial_outage", description=SPLIT_NOTE.format(down=down, up=up))
                children[-1]["where"] = {"down": list(split.down), "up": list(split.up)}
            # Uptime Kuma's own figures, this run's: never invented (None is "no data").
            children[-1]["uptime"] = {w: figures.get(monitor.id, {}).get(w) for w in UPTIME_WINDOWS}
        if not children:
            continue  # a group with nothing reported is not shown
        status = max((c["status"] for c in children), key=SEVERITY.index, default="operational")
        gid = ids.get(("g", group.name)) or component_id("g", group.id, group.name, False)
        parent = _component(gid, group.name, status, None, None, page_id)
        parent.update(group=True, components=[c["id"] for c in children])
        out += [parent, *children]
    if states is not None:
        memory.shown = sorted(placed)[:MAX_SHOWN]
    for position, item in enumerate(out, 1):
        item["position"] = position
        item["created_at"], item["updated_at"] = memory.component_times(item["id"], item["status"], ts(now))
    return out


def _component(cid: str, name: str, status: str, note: str | None, group_id: str | None, page_id: str) -> dict:
    return {
        "id": cid,
        "name": name,
        "status": status,
        "created_at": "",
        "updated_at": "",
        "position": 0,
        "description": note,
        "showcase": True,
        "start_date": None,
        "group_id": group_id,
        "page_id": page_id,
        "group": False,
        "only_show_if_degraded": False,
    }


def badge(document: dict[str, Any], components: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """A shields.io endpoint badge: the page's headline, in the page's language."""
    _, color = BADGE[document["platform_status"]]
    if document["maintenance"] and document["platform_status"] == "operational":
        color = "blue"
    message = Words(language).headline(document, components, component_state)
    return {"schemaVersion": 1, "label": Words(language)(BADGE_LABEL), "message": message, "color": color}


def under_way(page: PublishedPage | None, now: datetime) -> list[PageMaintenance]:
    """The page's maintenances in progress: only `under-maintenance` and, with a timeslot, before it ends
    (the page's answer may be cached up to 5 minutes past the end). Any other status is not under way."""
    items = page.maintenances if page else []
    return [m for m in items if m.status == UNDER_MAINTENANCE and (m.ends is None or m.ends > now)]


def upcoming(page: PublishedPage | None, now: datetime) -> list[PageMaintenance]:
    """The page's maintenances listed as `scheduled` whose next slot is still ahead: Statuspage's upcoming."""
    items = page.maintenances if page else []
    return [m for m in items if m.status == SCHEDULED and m.starts is not None and m.starts > now]


def linked(items: list[dict[str, Any]], base: str) -> list[dict[str, Any]]:
    """Each incident or maintenance with its shortlink: its own page (absolute under STATUS_PUBLIC_URL)."""
    return [{**item, "shortlink": f"{base}incidents/{item['id']}.html"} for item in items]


def build(
    document: dict[str, Any],
    page: PublishedPage | None,
    states: dict[int, int],
    history: list[PageIncident] | None,
    memory: BundleMemory,
    public_url: str,
    now: datetime,
    site: str | None = None,
    figures: dict[int, dict[str, float | None]] | None = None,
    language: str = "en",
    ids: dict[tuple[str, str], str] | None = None,
    merged: Merged | None = None,
) -> dict[str, dict[str, Any]]:
    """Every file of the bundle, by its key under the status folder; memory is updated in place.

    When the page could not be read this run, its last known groups are shown with what /metrics
    says (unknown when nothing), and no incident is resolved or maintenance completed on that account.
    merged: two sites, the page is every counting view's (judge/verdict.py); memory keeps this site's own page.
    """
    seen = page is not None
    page = page or memory.last_page()
    if seen and merged is None:
        memory.remember_page(page)
    head = {"page": page_object(page, public_url, now, site, merged.figures_site if merged else "")}
    page_id = head["page"]["id"]
    open_incidents = [incident_object(i, page_id, public_url, None) for i in (page.incidents if page else [])]
    at = ts(now)
    if not seen:
        open_incidents = list(memory.open_incidents.values())
    resolved = memory.resolve_incidents(
        {i["id"]: i for i in open_incidents},
        [incident_object(i, page_id, public_url, i.updated or i.created) for i in history or [] if not i.active],
        at,
        lambda old, when: closed(old, "resolved", "This incident has been resolved.", when),
    )
    live, planned = under_way(page, now), upcoming(page, now)
    active = [
        maintenance_object(m, page_id, public_url, m.starts or timing.parse_iso_z(memory.first_seen(f"mt{m.id}", at)))
        for m in live
    ]
    scheduled = [
        maintenance_object(m, page_id, public_url, timing.parse_iso_z(memory.first_seen(f"mt{m.id}-s", at)), None, True)
        for m in planned
    ]
    if not seen:
        active = list(memory.maintenances.values())
    completed = memory.complete_maintenances(
        {m["id"]: m for m in active},
        at,
        lambda old, when: closed(old, "completed", "The maintenance has been completed.", window_end(old, when)),
        ({f"mt{m.id}" for m in live} | {f"mt{m.id}-s" for m in planned}) if seen and merged is None else None,
    )
    status = {**head, "status": status_object(document)}
    comps = components(page, states, memory, now, ids, figures or {}, merged.partial if merged else None)
    open_incidents, resolved = linked(open_incidents, public_url), linked(resolved, public_url)
    active, completed = linked(active, public_url), linked(completed, public_url)
    scheduled = linked(scheduled, public_url)
    recent_incidents = sorted(open_incidents + resolved, key=lambda i: i["created_at"], reverse=True)[:MAX_PAST]
    return {
        "api/v2/summary.json": {
            **status,
            "components": comps,
            "incidents": open_incidents,
            "scheduled_maintenances": active + scheduled,
        },
        "api/v2/status.json": status,
        "api/v2/components.json": {**head, "components": comps},
        "api/v2/incidents.json": {**head, "incidents": recent_incidents},
        "api/v2/incidents/unresolved.json": {**head, "incidents": open_incidents},
        "api/v2/scheduled-maintenances.json": {
            **head,
            "scheduled_maintenances": (active + scheduled + completed)[:MAX_PAST],
        },
        # Real servers list no upcoming maintenance over HTTP: empty unless a page lists one as scheduled.
        "api/v2/scheduled-maintenances/upcoming.json": {**head, "scheduled_maintenances": scheduled},
        "api/v2/scheduled-maintenances/active.json": {**head, "scheduled_maintenances": active},
        "badge.json": badge(document, comps, language),
    }
