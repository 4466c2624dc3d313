"""Copies of Uptime Kuma's public status-page JSON, for dashboards that read it (Homepage's Uptime Kuma widget).

`api/status-page/<slug>` and `api/status-page/heartbeat/<slug>` under the status folder answer what
Uptime Kuma's own paths answer, from this run's bundle and the page it read, so a widget pointed at the
bucket keeps working while Uptime Kuma is down (a run that cannot read it leaves the last good ones).
Only the page's public fields: each beat's `msg` is empty (Uptime Kuma puts error texts there), a
monitor with no current data has no beat, and there is no ping.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from elytra_status.render.history import component_state
from elytra_status.render.keys import component_id

if TYPE_CHECKING:
    from elytra_status.kuma.published import PageBeats, PageGroup

# The component's state -> Uptime Kuma's beat status: 0 down, 1 up, 2 pending, 3 maintenance.
BEAT = {
    "operational": 1,
    "major_outage": 0,
    "partial_outage": 0,
    "degraded_performance": 2,
    "under_maintenance": 3,
}
STYLE = {"critical": "danger", "major": "danger", "minor": "warning", "none": "info"}
FOLDER = "api/status-page/"


def keys(slug: str) -> tuple[str, str]:
    return f"{FOLDER}{slug}", f"{FOLDER}heartbeat/{slug}"


def number(cid: str) -> int:
    """Uptime Kuma's id from a component's ("m12" -> 12); a name-made id (two sites) gets a stable number."""
    digits = cid.lstrip("mgit")
    if digits.isdigit():
        return int(digits)
    return int(hashlib.sha256(cid.encode()).hexdigest()[:8], 16)


def kuma_time(stamp: str) -> str:
    """Uptime Kuma's times: "2026-12-02 13:09:00", UTC."""
    return stamp[:19].replace("T", " ")


def incident(item: dict[str, Any]) -> dict[str, Any]:
    updated = item["updated_at"] if item["updated_at"] != item["created_at"] else None
    return {
        "id": number(item["id"]),
        "style": STYLE.get(item["impact"], "info"),
        "title": item["name"],
        "content": item["incident_updates"][-1]["body"],
        "pin": True,
        "active": True,
        "createdDate": kuma_time(item["created_at"]),
        "lastUpdatedDate": kuma_time(updated) if updated else None,
    }


def documents(
    summary: dict[str, Any], groups: list[PageGroup], beats: PageBeats | None, by_name: bool
) -> dict[str, dict[str, Any]]:
    """Both files by key: the page's groups with every monitor on them, as Uptime Kuma lists them.

    A monitor the bundle leaves out (paused: /metrics does not report it) is listed as Uptime Kuma
    lists it, with its newest beat from before the pause and its figure, from the page's heartbeat list.
    """
    status_key, beats_key = keys(summary["page"]["id"])
    return {status_key: status_page(summary, groups, by_name), beats_key: heartbeats(summary, groups, beats, by_name)}


def status_page(summary: dict[str, Any], groups: list[PageGroup], by_name: bool) -> dict[str, Any]:
    """What /api/status-page/<slug> answers: the page, its groups and monitors, its incidents and maintenance."""
    page = summary["page"]
    listed = [
        {
            "id": number(component_id("g", group.id, group.name, by_name)),
            "name": group.name,
            "weight": weight,
            "monitorList": [
                {"id": number(component_id("m", m.id, m.name, by_name)), "name": m.name, "sendUrl": 0}
                for m in group.monitors
            ],
        }
        for weight, group in enumerate(groups, 1)
    ]
    incidents = sorted((incident(i) for i in summary["incidents"]), key=lambda i: i["createdDate"], reverse=True)
    return {
        "config": {
            "slug": page["id"],
            "title": page["name"],
            "description": None,
            "icon": None,
            "autoRefreshInterval": 60,
            "theme": "auto",
            "published": True,
            "showTags": False,
            "customCSS": None,
            "footerText": None,
            "showPoweredBy": False,
            "showCertificateExpiry": False,
            "showOnlyLastHeartbeat": True,
            "rssTitle": None,
        },
        # Clients before Uptime Kuma 2.1 (Homepage's widget) read one incident, the newest; later ones the list.
        "incident": incidents[0] if incidents else None,
        "incidents": incidents,
        "publicGroupList": listed,
        "maintenanceList": [
            {
                "id": number(m["id"].split("-")[0]),  # "mt3-20261128T062900Z": Uptime Kuma's 3
                "title": m["name"],
                "description": m["incident_updates"][-1]["body"],
                "active": True,
                "status": "under-maintenance",
            }
            for m in summary["scheduled_maintenances"]
            if m["status"] == "in_progress"  # Uptime Kuma's page lists only those under way
        ],
    }


def heartbeats(
    summary: dict[str, Any], groups: list[PageGroup], beats: PageBeats | None, by_name: bool
) -> dict[str, Any]:
    """What /api/status-page/heartbeat/<slug> answers: one beat a monitor, and its 24 h figure.

    A component's beat is this run's state; a page monitor left out of the bundle (paused) has its newest
    beat and its figure as the page's heartbeat list gives them (none when it never ran).
    """
    at = kuma_time(summary["page"]["updated_at"]) + "." + summary["page"]["updated_at"][20:23]
    components = {c["id"]: c for c in summary["components"] if not c["group"]}
    out: dict[str, list[dict[str, Any]]] = {}
    uptime: dict[str, float] = {}
    for monitor in [m for g in groups for m in g.monitors]:
        cid = component_id("m", monitor.id, monitor.name, by_name)
        key = str(number(cid))
        comp = components.get(cid)
        if comp is not None:
            state = component_state(comp)
            out[key] = [_beat(BEAT[state], at)] if state in BEAT else []
            figure = (comp.get("uptime") or {}).get("last_24h")
            if figure is not None:
                uptime[f"{key}_24"] = round(figure / 100, 6)
        elif beats is not None:  # not reported by /metrics: paused, as Uptime Kuma's own answer has it
            last = beats.latest.get(monitor.id)
            out[key] = [_beat(last.status, last.time)] if last else []
            if monitor.id in beats.ratios:
                uptime[f"{key}_24"] = beats.ratios[monitor.id]
    return {"heartbeatList": out, "uptimeList": uptime}


def _beat(status: int, time: str) -> dict[str, Any]:
    return {"status": status, "time": time, "msg": "", "ping": None}
