"""The public bundle: Statuspage API v2 files and a shields.io badge, from the published page and the run.

Only what the published page shows reaches these files: its title, group and monitor names,
incident and maintenance text. Never /metrics names, URLs, hosts, tags, keys or error text.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.kuma.metrics import DOWN, MAINTENANCE, PENDING, UP
from elytra_status.kuma.published import PageIncident, PublishedPage
from elytra_status.render.bundle_memory import BundleMemory
from elytra_status.render.history import component_state
from elytra_status.render.incidents import closed, incident_object, maintenance_object, ts, window_end
from elytra_status.render.keys import component_id
from elytra_status.render.words import N_, Words

if TYPE_CHECKING:
    from elytra_status.judge.verdict import Merged, Verdict

BADGE_LABEL = N_("status")

UPTIME_WINDOWS = ("last_24h", "last_7d", "last_30d")
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

    states None: Uptime Kuma was not read, every monitor is unknown. A monitor missing from states is
    not reported (paused or deleted): it is left out, as status.json leaves it out (README "One state, one word").
    """
    if page is None:
        return []
    ids, partial = ids or {}, partial or {}
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
    # In progress only while Uptime Kuma says so and, with a timeslot, before it ends: its page answer
    # may be cached up to 5 minutes past the end.
    live = [m for m in (page.maintenances if page else []) if m.ends is None or m.ends > now]
    active = [
        maintenance_object(m, page_id, public_url, m.starts or timing.parse_iso_z(memory.first_seen(f"mt{m.id}", at)))
        for m in live
    ]
    if not seen:
        active = list(memory.maintenances.values())
    completed = memory.complete_maintenances(
        {m["id"]: m for m in active},
        at,
        lambda old, when: closed(old, "completed", "The maintenance has been completed.", window_end(old, when)),
        {f"mt{m.id}" for m in live} if seen and merged is None else None,
    )
    status = {**head, "status": status_object(document)}
    comps = components(page, states, memory, now, ids, figures or {}, merged.partial if merged else None)
    open_incidents, resolved = linked(open_incidents, public_url), linked(resolved, public_url)
    active, completed = linked(active, public_url), linked(completed, public_url)
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
        "badge.json": badge(document, comps, language),
    }
