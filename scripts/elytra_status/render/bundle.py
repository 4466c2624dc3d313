"""The public bundle: Statuspage API v2 files and a shields.io badge, from the published page and the run.

Only what the published page shows reaches these files: its title, group and monitor names,
incident and maintenance text. Never /metrics names, URLs, hosts, tags, keys or error text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elytra_status.infra import timing
from elytra_status.kuma.metrics import DOWN, MAINTENANCE, PENDING, UP
from elytra_status.kuma.published import PageIncident, PageMaintenance, PublishedPage
from elytra_status.render.bundle_memory import BundleMemory
from elytra_status.render.keys import component_id

MAX_PAST = 50  # Statuspage lists the 50 most recent incidents and maintenances
COMPONENT_STATUS = {
    UP: "operational",
    PENDING: "degraded_performance",
    DOWN: "major_outage",
    MAINTENANCE: "under_maintenance",
}
# A monitor whose state this run does not know is never operational: the mildest status that is not.
UNKNOWN_COMPONENT = "degraded_performance"
UNKNOWN_NOTE = "Status unknown: no current data for this service"
SEVERITY = ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"]
# platform_status -> Statuspage's status; unknown is never `none`: a caution, not an outage.
PAGE_STATUS = {
    "operational": ("none", "All Systems Operational"),
    "degraded": ("minor", "Partially Degraded Service"),
    "outage": ("critical", "Major Service Outage"),
    "unknown": ("minor", "Status Unknown"),
}
MAINTENANCE_STATUS = ("maintenance", "Service Under Maintenance")
# Uptime Kuma's incident style -> impact: danger is an outage, warning a degradation, the rest notices.
IMPACT = {"danger": "major", "warning": "minor"}
BADGE = {
    "operational": ("operational", "brightgreen"),
    "degraded": ("degraded", "yellow"),
    "outage": ("outage", "red"),
    "unknown": ("unknown", "lightgrey"),
}


def ts(moment: datetime) -> str:
    """Statuspage's timestamps: ISO 8601, UTC, milliseconds."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def page_object(page: PublishedPage | None, public_url: str, now: datetime, site: str | None = None) -> dict:
    return {
        "id": page.slug if page else "status",
        "name": page.title if page else "Status",
        "url": public_url,
        "time_zone": "Etc/UTC",
        "updated_at": ts(now),
        "site": site,  # which site published (two sites), or None
    }


def status_object(document: dict[str, Any]) -> dict[str, str]:
    indicator, description = PAGE_STATUS[document["platform_status"]]
    if document["maintenance"] and document["platform_status"] == "operational":
        indicator, description = MAINTENANCE_STATUS
    return {"indicator": indicator, "description": description}


def components(
    page: PublishedPage | None, states: dict[int, int] | None, memory: BundleMemory, now: datetime, by_name: bool
) -> list[dict[str, Any]]:
    """Each public group, then its monitors; ids come from Uptime Kuma's ids, so a rename keeps them
    (two sites: from the page's names, keys.component_id).

    states None: Uptime Kuma was not read, every monitor is unknown. A monitor missing from states is
    not reported (paused or deleted): it is left out, as status.json leaves it out (README "One state, one word").
    """
    if page is None:
        return []
    page_id, out, placed = page.slug, [], set()
    for group in page.groups:
        children = []
        for monitor in group.monitors:
            if monitor.id in placed or (states is not None and monitor.id not in states):
                continue  # shown in two groups: one component, in the first; or not reported: left out
            placed.add(monitor.id)
            known = states.get(monitor.id) if states is not None else None
            status = COMPONENT_STATUS.get(known, UNKNOWN_COMPONENT) if known is not None else UNKNOWN_COMPONENT
            note = None if known in COMPONENT_STATUS else UNKNOWN_NOTE
            group_id = component_id("g", group.id, group.name, by_name)
            cid = component_id("m", monitor.id, monitor.name, by_name)
            children.append(_component(cid, monitor.name, status, note, group_id, page_id))
        if not children:
            continue  # a group with nothing reported is not shown
        status = max((c["status"] for c in children), key=SEVERITY.index, default="operational")
        parent = _component(component_id("g", group.id, group.name, by_name), group.name, status, None, None, page_id)
        parent.update(group=True, components=[c["id"] for c in children])
        out += [parent, *children]
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


def incident_object(item: PageIncident, page_id: str, url: str, resolved_at: datetime | None) -> dict[str, Any]:
    status = "resolved" if resolved_at else "investigating"
    updated = resolved_at or item.updated or item.created
    first = _update(f"i{item.id}-1", "investigating", item.content, f"i{item.id}", item.created, item.updated)
    updates = [first]
    if resolved_at:
        updates.insert(
            0,
            _update(f"i{item.id}-r", "resolved", "This incident has been resolved.", f"i{item.id}", resolved_at, None),
        )
    return {
        "id": f"i{item.id}",
        "name": item.title,
        "status": status,
        "created_at": ts(item.created),
        "updated_at": ts(updated),
        "monitoring_at": None,
        "resolved_at": ts(resolved_at) if resolved_at else None,
        "impact": IMPACT.get(item.style, "none"),
        "shortlink": url,
        "started_at": ts(item.created),
        "page_id": page_id,
        "incident_updates": updates,
        "components": [],
    }


def maintenance_object(item: PageMaintenance, page_id: str, url: str, seen: datetime, done: datetime | None) -> dict:
    """A maintenance under way is in_progress; one gone from the page is completed at the run that saw it go."""
    starts = item.starts or seen
    # One id per window: a maintenance that ends and starts again under Uptime Kuma's same id is two windows.
    prefix = f"mt{item.id}-{starts.strftime('%Y%m%dT%H%M%SZ')}"
    body = item.description or item.title
    updates = [_update(f"{prefix}-1", "in_progress", body, prefix, starts, None)]
    if done:
        updates.insert(
            0, _update(f"{prefix}-c", "completed", "The maintenance has been completed.", prefix, done, None)
        )
    return {
        "id": prefix,
        "name": item.title,
        "status": "completed" if done else "in_progress",
        "created_at": ts(starts),
        "updated_at": ts(done or starts),
        "monitoring_at": None,
        "resolved_at": ts(done) if done else None,
        "impact": "maintenance",
        "shortlink": url,
        "started_at": ts(starts),
        "page_id": page_id,
        "incident_updates": updates,
        "components": [],
        "scheduled_for": ts(starts),
        "scheduled_until": ts(item.ends) if item.ends else None,
    }


def _window_end(old: dict[str, Any], when: str) -> str:
    """A window ends at its timeslot's end when it has one (and that came first), else when a run saw it go."""
    until = old.get("scheduled_until")
    return until if until and until < when else when


def _closed(old: dict[str, Any], status: str, body: str, when: str) -> dict[str, Any]:
    """An incident or maintenance of an earlier run, closed now: its status, times and a last update."""
    closing = {**old["incident_updates"][0], "id": f"{old['id']}-{status[0]}", "status": status, "body": body}
    closing.update(created_at=when, updated_at=when, display_at=when)
    return {
        **old,
        "status": status,
        "resolved_at": when,
        "updated_at": when,
        "incident_updates": [closing, *old["incident_updates"]],
    }


def _update(uid: str, status: str, body: str, parent: str, created: datetime, updated: datetime | None) -> dict:
    return {
        "id": uid,
        "status": status,
        "body": body,
        "incident_id": parent,
        "created_at": ts(created),
        "updated_at": ts(updated or created),
        "display_at": ts(updated or created),
        "affected_components": None,
        "deliver_notifications": False,
        "custom_tweet": None,
        "tweet_id": None,
    }


def badge(document: dict[str, Any]) -> dict[str, Any]:
    message, color = BADGE[document["platform_status"]]
    if document["maintenance"] and document["platform_status"] == "operational":
        message, color = "maintenance", "blue"
    return {"schemaVersion": 1, "label": "status", "message": message, "color": color}


def build(
    document: dict[str, Any],
    page: PublishedPage | None,
    states: dict[int, int],
    history: list[PageIncident] | None,
    memory: BundleMemory,
    public_url: str,
    now: datetime,
    site: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Every file of the bundle, by its key under the status folder; memory is updated in place.

    When the page could not be read this run, its last known groups are shown with what /metrics
    says (unknown when nothing), and no incident is resolved or maintenance completed on that account.
    """
    seen = page is not None
    page = page or memory.last_page()
    if seen:
        memory.remember_page(page)
    head = {"page": page_object(page, public_url, now, site)}
    page_id = head["page"]["id"]
    open_incidents = [incident_object(i, page_id, public_url, None) for i in (page.incidents if page else [])]
    at = ts(now)
    if not seen:
        open_incidents = list(memory.open_incidents.values())
    resolved = memory.resolve_incidents(
        {i["id"]: i for i in open_incidents},
        [incident_object(i, page_id, public_url, i.updated or i.created) for i in history or [] if not i.active],
        at,
        lambda old, when: _closed(old, "resolved", "This incident has been resolved.", when),
    )
    # In progress only while Uptime Kuma says so and, with a timeslot, before it ends: its page answer
    # may be cached up to 5 minutes past the end.
    live = [m for m in (page.maintenances if page else []) if m.ends is None or m.ends > now]
    active = [
        maintenance_object(m, page_id, public_url, timing.parse_iso_z(memory.first_seen(f"mt{m.id}", at)), None)
        for m in live
    ]
    if not seen:
        active = list(memory.maintenances.values())
    completed = memory.complete_maintenances(
        {m["id"]: m for m in active},
        at,
        lambda old, when: _closed(old, "completed", "The maintenance has been completed.", _window_end(old, when)),
        {f"mt{m.id}" for m in live} if seen else None,
    )
    status = {**head, "status": status_object(document)}
    comps = components(page, states, memory, now, site is not None)
    recent_incidents = sorted(open_incidents + resolved, key=lambda i: i["created_at"], reverse=True)[:MAX_PAST]
    return {
        "api/v2/summary.json": {
            **status,
            "components": comps,
            "incidents": open_incidents,
            "scheduled_maintenances": active,
        },
        "api/v2/status.json": status,
        "api/v2/components.json": {**head, "components": comps},
        "api/v2/incidents.json": {**head, "incidents": recent_incidents},
        "api/v2/incidents/unresolved.json": {**head, "incidents": open_incidents},
        "api/v2/scheduled-maintenances.json": {**head, "scheduled_maintenances": (active + completed)[:MAX_PAST]},
        # Uptime Kuma shows no upcoming maintenance over HTTP (README "The public bundle").
        "api/v2/scheduled-maintenances/upcoming.json": {**head, "scheduled_maintenances": []},
        "api/v2/scheduled-maintenances/active.json": {**head, "scheduled_maintenances": active},
        "badge.json": badge(document),
    }
