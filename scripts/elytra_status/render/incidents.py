"""The Statuspage incident and maintenance objects: from Uptime Kuma's page, and closed when they go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elytra_status.kuma.published import PageIncident, PageMaintenance

# Uptime Kuma's incident style -> impact: danger is an outage, warning a degradation, the rest notices.
IMPACT = {"danger": "major", "warning": "minor"}


def ts(moment: datetime) -> str:
    """Statuspage's timestamps: ISO 8601, UTC, milliseconds."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def incident_object(item: PageIncident, page_id: str, url: str, resolved_at: datetime | None) -> dict[str, Any]:
    status = "resolved" if resolved_at else "investigating"
    updated = resolved_at or item.updated or item.created
    iid = item.public_id or f"i{item.id}"
    first = _update(f"{iid}-1", "investigating", item.content, iid, item.created, item.updated)
    updates = [first]
    if resolved_at:
        updates.insert(0, _update(f"{iid}-r", "resolved", "This incident has been resolved.", iid, resolved_at, None))
    return {
        "id": iid,
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


def maintenance_object(
    item: PageMaintenance,
    page_id: str,
    url: str,
    seen: datetime,
    done: datetime | None = None,
    upcoming: bool = False,
) -> dict:
    """A maintenance under way is in_progress, one the page lists as scheduled is scheduled (upcoming.json);
    one gone from the page is completed at the run that saw it go."""
    starts = item.starts or seen
    # One id per window: a maintenance that ends and starts again under Uptime Kuma's same id is two windows.
    prefix = item.public_id or f"mt{item.id}-{starts.strftime('%Y%m%dT%H%M%SZ')}"
    body = item.description or item.title
    # An upcoming window was announced when a run first saw it; one under way, when it started.
    announced = seen if upcoming else starts
    status = "scheduled" if upcoming else "in_progress"
    updates = [_update(f"{prefix}-1", status, body, prefix, announced, None)]
    if done:
        updates.insert(
            0, _update(f"{prefix}-c", "completed", "The maintenance has been completed.", prefix, done, None)
        )
    return {
        "id": prefix,
        "name": item.title,
        "status": "completed" if done else status,
        "created_at": ts(announced),
        "updated_at": ts(done or announced),
        "monitoring_at": None,
        "resolved_at": ts(done) if done else None,
        "impact": "maintenance",
        "shortlink": url,
        "started_at": ts(announced),
        "page_id": page_id,
        "incident_updates": updates,
        "components": [],
        "scheduled_for": ts(starts),
        "scheduled_until": ts(item.ends) if item.ends else None,
    }


def window_end(old: dict[str, Any], when: str) -> str:
    """A window ends at its timeslot's end when it has one (and that came first), else when a run saw it go."""
    until = old.get("scheduled_until")
    return until if until and until < when else when


def closed(old: dict[str, Any], status: str, body: str, when: str) -> dict[str, Any]:
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
