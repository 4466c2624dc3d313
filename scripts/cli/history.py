"""90 days of history, one entry per UTC day that had runs: worst status, minutes per status, Uptime Kuma's uptime.

A day with no run has no entry: it is shown as "no data", never as 100%.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import timing

DAYS = 90
# A run counts the minutes since the one before, up to this: a longer silence is not "up".
MAX_MINUTES_PER_RUN = 15
# Worst last. A component whose state is unknown is "unknown" here, not its public degraded_performance.
PLATFORM_ORDER = ["operational", "maintenance", "unknown", "degraded", "outage"]
COMPONENT_ORDER = [
    "operational",
    "under_maintenance",
    "unknown",
    "degraded_performance",
    "partial_outage",
    "major_outage",
]


def platform_state(document: dict[str, Any]) -> str:
    status = document["platform_status"]
    return "maintenance" if status == "operational" and document["maintenance"] else status


def component_state(component: dict[str, Any]) -> str:
    return "unknown" if (component.get("description") or "").startswith("Status unknown") else component["status"]


def record(
    memory: dict[str, Any],
    document: dict[str, Any],
    components: list[dict[str, Any]],
    figures: dict[str, float],
    now: datetime,
) -> None:
    """Add this run to the history kept in memory (the run state's `history`), in place.

    figures: Uptime Kuma's 24-hour figures by subject ("platform", component ids); the first run of
    a UTC day records them for the day before, whose window they close.
    """
    days: dict[str, Any] = memory.setdefault("days", {})
    today = now.strftime("%Y-%m-%d")
    last = memory.get("last_run")
    minutes = 1
    if last:
        elapsed = (now - timing.parse_iso_z(last)).total_seconds() / 60
        minutes = max(1, min(round(elapsed), MAX_MINUTES_PER_RUN))
    if today not in days:
        yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%d")
        if yesterday in days:
            days[yesterday]["uptime"] = {k: round(v, 4) for k, v in figures.items()}
            days[yesterday]["uptime_window_end"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        days[today] = {"worst": {}, "minutes": {}, "uptime": {}}
    subjects = {"platform": (platform_state(document), PLATFORM_ORDER)}
    subjects.update({c["id"]: (component_state(c), COMPONENT_ORDER) for c in components if not c["group"]})
    entry = days[today]
    for subject, (state, order) in subjects.items():
        worst = entry["worst"].get(subject, state)
        entry["worst"][subject] = max(worst, state, key=order.index)
        counts = entry["minutes"].setdefault(subject, {})
        counts[state] = counts.get(state, 0) + minutes
    memory["last_run"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    cutoff = (now - timedelta(days=DAYS - 1)).strftime("%Y-%m-%d")
    memory["days"] = {day: value for day, value in sorted(days.items()) if day >= cutoff}


def public(memory: dict[str, Any], summary: dict[str, Any], recent: dict[str, Any], now: datetime) -> dict[str, Any]:
    """history.json: the days, the components they name, and the incidents and maintenance of 90 days."""
    cutoff = (now - timedelta(days=DAYS - 1)).strftime("%Y-%m-%d")
    return {
        "schema_version": 1,
        "updated_at": summary["page"]["updated_at"],
        "components": [
            {"id": c["id"], "name": c["name"], "group_id": c["group_id"]}
            for c in summary["components"]
            if not c["group"]
        ],
        "days": [{"date": day, **value} for day, value in sorted(memory.get("days", {}).items()) if day >= cutoff],
        "incidents": [i for i in recent["incidents"] if i["created_at"][:10] >= cutoff],
        "maintenances": [m for m in recent["scheduled_maintenances"] if m["created_at"][:10] >= cutoff],
    }


def restore(memory: dict[str, Any], published: dict[str, Any]) -> None:
    """Take the days back from a published history.json (a new VM), once, when none are kept."""
    if memory.get("days"):
        return
    days = {}
    for day in published.get("days") or []:
        if isinstance(day, dict) and isinstance(day.get("date"), str):
            days[day["date"]] = {k: day.get(k, {}) for k in ("worst", "minutes", "uptime")}
            if "uptime_window_end" in day:
                days[day["date"]]["uptime_window_end"] = day["uptime_window_end"]
    memory["days"] = days


def uptime_90(memory: dict[str, Any], subject: str) -> tuple[float | None, int]:
    """The mean of the recorded daily figures, and over how many days: None when there is none."""
    values = [d["uptime"][subject] for d in memory.get("days", {}).values() if subject in d.get("uptime", {})]
    return (round(sum(values) / len(values), 2), len(values)) if values else (None, 0)
