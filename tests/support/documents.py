"""Small public documents for the tests."""

from __future__ import annotations

from datetime import datetime


def status_doc(updated: datetime, platform: str = "operational") -> dict:
    return {
        "schema_version": 1,
        "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform_status": platform,
        "maintenance": False,
        "uptime": {"last_24h": 99.9, "last_7d": None, "last_30d": 99.5},
        "backups": {"last_backup_status": "success", "last_backup_time": None},
    }


def homepage_reads(status: dict, beats: dict) -> dict:
    """What Homepage's Uptime Kuma widget reads of the two answers (src/widgets/uptimekuma/component.jsx):
    a monitor is up when its last beat is, down otherwise (an empty list included); the mean of uptimeList;
    the incident from `incident`."""
    up = down = 0
    for beat_list in beats["heartbeatList"].values():
        last = beat_list[-1] if beat_list else None
        if last is not None and last["status"] == 1:
            up += 1
        else:
            down += 1
    ratios = list(beats["uptimeList"].values())
    percent = sum(ratios) / len(ratios) if ratios else 0
    incident = status.get("incident")
    created = datetime.strptime(incident["createdDate"], "%Y-%m-%d %H:%M:%S") if incident else None
    return {"up": up, "down": down, "uptime": f"{percent * 100:.1f}", "incident_created": created}
