"""90 days of history, one entry per UTC day that had runs: worst status, minutes per status, Uptime Kuma's uptime.

A day with no run has no entry: it is shown as "no data", never as 100%.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from elytra_status.infra import timing

DAYS = 90
# A bound on the subjects (components and the platform) of one day.
MAX_SUBJECTS = 12_000
# A run counts the minute boundaries crossed since the one before, up to this: a longer silence is not "up".
# A second run in the same minute (the resident mode polls, and publishes on a change) counts none.
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


# No current data for a monitor (judge/README.md "One state, one word"): Statuspage has no unknown, so the
# bundle gives the mildest status that is not operational with this description; every other file reads
# the component back through component_state as "unknown", and says so in its own words.
NO_DATA_STATUS = "degraded_performance"
NO_DATA_NOTE = "Status unknown: no current data for this service"


def component_state(component: dict[str, Any]) -> str:
    """A component's one state: Statuspage's status, or "unknown" for one with no current data."""
    return "unknown" if component.get("description") == NO_DATA_NOTE else component["status"]


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
        crossed = int(now.timestamp() // 60) - int(timing.parse_iso_z(last).timestamp() // 60)
        minutes = max(0, min(crossed, MAX_MINUTES_PER_RUN))
    if today not in days:
        yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%d")
        if yesterday in days:
            days[yesterday]["uptime"] = {k: round(v, 4) for k, v in figures.items()}
            days[yesterday]["uptime_window_end"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        days[today] = {"worst": {}, "minutes": {}, "uptime": {}}
    subjects = {"platform": (platform_state(document), PLATFORM_ORDER)}
    subjects.update({c["id"]: (component_state(c), COMPONENT_ORDER) for c in components if not c["group"]})
    if components:  # a run that could not read the page keeps the names it had
        memory["names"] = {c["id"]: c["name"] for c in components if not c["group"]}
    entry = days[today]
    # Minutes a quiet run confirmed (run/quiet.py) held the states the last full run saw: theirs, not this run's.
    before = memory.get("last_states", {}) if minutes > 1 else {}
    for subject, (state, order) in subjects.items():
        worst = entry["worst"].get(subject, state)
        entry["worst"][subject] = max(worst, state, key=order.index)
        counts = entry["minutes"].setdefault(subject, {})
        earlier = before.get(subject)
        if earlier in order:
            counts[earlier] = counts.get(earlier, 0) + minutes - 1
            counts[state] = counts.get(state, 0) + 1
        elif minutes:
            counts[state] = counts.get(state, 0) + minutes
    memory["last_states"] = {subject: state for subject, (state, _) in subjects.items()}
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


def set_aside(memory: dict[str, Any]) -> dict[str, Any]:
    """The history of another source, kept aside until adopt() can match its components; a new history."""
    if not memory.get("days"):
        return {}
    return {"carried": {"days": memory["days"], "names": dict(memory.get("names", {}))}}


def restore(memory: dict[str, Any], published: Any, now: datetime) -> int:
    """A published history.json (a new VM) set aside for adopt(), checked day by day; returns the days taken.

    Days after today or past the 90 are dropped, a day of the wrong shape is dropped whole, unknown
    fields are ignored: a bad history in the bucket is never published again.
    """
    if not isinstance(published, dict) or not isinstance(published.get("days"), list):
        return 0
    names = {
        c["id"]: c["name"]
        for c in (published.get("components") or [])[:MAX_SUBJECTS]
        if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("name"), str)
    }
    today = now.strftime("%Y-%m-%d")
    cutoff = (now - timedelta(days=DAYS - 1)).strftime("%Y-%m-%d")
    days = {}
    for item in published["days"][: DAYS * 2]:
        day = clean_day(item)
        if day is not None and cutoff <= item["date"] <= today:
            days[item["date"]] = day
    if days:
        memory["carried"] = {"days": days, "names": names}
    return len(days)


def take_over(memory: dict[str, Any], published: Any, now: datetime) -> int:
    """Two sites: the writer before this one kept the public history; go on from it. Returns the days taken.

    Its days replace this site's record of them (kept while not writing, never public); this site's
    next run counts the minutes since the other's last one, so each minute counts once.
    """
    into: dict[str, Any] = {}
    taken = restore(into, published, now)
    if not taken:
        return 0
    days = memory.setdefault("days", {})
    days.update(into["carried"]["days"])
    memory["days"] = dict(sorted(days.items())[-DAYS:])
    stamp = published.get("updated_at")
    if isinstance(stamp, str) and _STAMP.fullmatch(stamp[:19] + "Z") and stamp[:19] + "Z" <= timing.iso_z(now):
        memory["last_run"] = stamp[:19] + "Z"
    return taken


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STATES = frozenset(PLATFORM_ORDER) | frozenset(COMPONENT_ORDER)


def clean_day(item: Any) -> dict[str, Any] | None:
    """One day of a published history, with only the fields this project reads, or None when malformed."""
    if not isinstance(item, dict) or not isinstance(item.get("date"), str) or not _DATE.fullmatch(item["date"]):
        return None
    worst, minutes, uptime = item.get("worst"), item.get("minutes"), item.get("uptime")
    if not (isinstance(worst, dict) and isinstance(minutes, dict) and isinstance(uptime, dict)):
        return None
    if max(len(worst), len(minutes), len(uptime)) > MAX_SUBJECTS:
        return None
    if not all(isinstance(v, str) and v in _STATES for v in worst.values()):
        return None
    for counts in minutes.values():
        if not isinstance(counts, dict) or not all(
            k in _STATES and type(v) is int and 0 <= v <= 1440 for k, v in counts.items()
        ):
            return None
    if not all(type(v) in (int, float) and 0 <= v <= 100 for v in uptime.values()):
        return None
    day = {"worst": dict(worst), "minutes": {k: dict(v) for k, v in minutes.items()}, "uptime": dict(uptime)}
    end = item.get("uptime_window_end")
    if isinstance(end, str) and _STAMP.fullmatch(end):
        day["uptime_window_end"] = end
    return day


_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def adopt(memory: dict[str, Any], components: list[dict[str, Any]]) -> str | None:
    """Take the days set aside for the components this page still has, by the same id and name.

    The platform's days come along when at least one component does (or neither side has any):
    another server with reused ids and other names inherits nothing. Returns what was done, for the log.
    """
    carried = memory.pop("carried", None)
    if not carried:
        return None
    current = {c["id"]: c["name"] for c in components if not c["group"]}
    keep = {cid for cid, name in carried["names"].items() if current.get(cid) == name}
    if keep or (not carried["names"] and not current):
        keep.add("platform")
    days = memory.setdefault("days", {})
    for day, entry in carried["days"].items():
        if not any(subject in keep for part in ("worst", "minutes", "uptime") for subject in entry.get(part, {})):
            continue
        into = days.setdefault(day, {"worst": {}, "minutes": {}, "uptime": {}})
        for part in ("worst", "minutes", "uptime"):
            for subject, value in entry.get(part, {}).items():
                if subject in keep:
                    into[part].setdefault(subject, value)  # a subject recorded here already counts once
        if "uptime_window_end" in entry and "uptime_window_end" not in into:
            into["uptime_window_end"] = entry["uptime_window_end"]
    memory["days"] = dict(sorted(days.items())[-DAYS:])
    dropped = len(carried["names"]) - len(keep - {"platform"})
    return (
        f"{len(carried['days'])} past days taken for {len(keep - {'platform'})} components"
        f"{' and the platform' if 'platform' in keep else ''}; {dropped} components of the other source left out"
    )


def uptime_90(memory: dict[str, Any], subject: str) -> tuple[float | None, int]:
    """The mean of the recorded daily figures, and over how many days: None when there is none."""
    values = [d["uptime"][subject] for d in memory.get("days", {}).values() if subject in d.get("uptime", {})]
    return (round(sum(values) / len(values), 2), len(values)) if values else (None, 0)
