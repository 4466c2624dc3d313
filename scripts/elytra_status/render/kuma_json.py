"""Copies of Uptime Kuma's public status-page JSON, for dashboards that read it (Homepage's Uptime Kuma widget).

`api/status-page/<slug>` and `api/status-page/heartbeat/<slug>` under the status folder answer what
Uptime Kuma's own paths answer, from this run's bundle, so a widget pointed at the bucket keeps working
while Uptime Kuma is down. Only the page's public fields: each beat's `msg` is empty (Uptime Kuma puts
error texts there), a monitor whose state this run does not know has no beat, and there is no ping.
"""

from __future__ import annotations

import hashlib
from typing import Any

from elytra_status.render.history import component_state

# The component's state -> Uptime Kuma's beat status: 0 down, 1 up, 2 pending, 3 maintenance.
BEAT = {
    "operational": 1,
    "major_outage": 0,
    "partial_outage": 0,
    "degraded_performance": 2,
    "under_maintenance": 3,
}
STYLE = {"critical": "danger", "major": "danger", "minor": "warning", "none": "info"}


def keys(slug: str) -> tuple[str, str]:
    return f"api/status-page/{slug}", f"api/status-page/heartbeat/{slug}"


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


def status_page(summary: dict[str, Any]) -> dict[str, Any]:
    """What /api/status-page/<slug> answers: the page, its groups and monitors, its incidents and maintenance."""
    page, components = summary["page"], summary["components"]
    groups = []
    for group in [c for c in components if c["group"]]:
        monitors = [c for c in components if not c["group"] and c["group_id"] == group["id"]]
        groups.append(
            {
                "id": number(group["id"]),
                "name": group["name"],
                "weight": len(groups) + 1,
                "monitorList": [{"id": number(m["id"]), "name": m["name"], "sendUrl": 0} for m in monitors],
            }
        )
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
        # Clients before Uptime Kuma 2.1 read one incident, the newest; later ones the list.
        "incident": incidents[0] if incidents else None,
        "incidents": incidents,
        "publicGroupList": groups,
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


def heartbeats(summary: dict[str, Any]) -> dict[str, Any]:
    """What /api/status-page/heartbeat/<slug> answers: one beat a monitor (this run's state), and its 24 h figure."""
    at = kuma_time(summary["page"]["updated_at"]) + "." + summary["page"]["updated_at"][20:23]
    beats: dict[str, list[dict[str, Any]]] = {}
    uptime: dict[str, float] = {}
    for comp in [c for c in summary["components"] if not c["group"]]:
        key = str(number(comp["id"]))
        state = component_state(comp)
        beats[key] = [{"status": BEAT[state], "time": at, "msg": "", "ping": None}] if state in BEAT else []
        figure = (comp.get("uptime") or {}).get("last_24h")
        if figure is not None:
            uptime[f"{key}_24"] = round(figure / 100, 6)
    return {"heartbeatList": beats, "uptimeList": uptime}
