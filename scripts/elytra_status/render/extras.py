"""The files that follow from the bundle: a page for each incident and maintenance window, the maintenance
calendar, and the Uptime Kuma-shaped JSON. Their keys come from the bundle, so a publish by hand finds them."""

from __future__ import annotations

from typing import Any

from elytra_status.render import calendar, kuma_json, page

CALENDAR = "maintenance.ics"


def items(files: dict[str, Any]) -> list[dict[str, Any]]:
    """Every incident and maintenance window the bundle lists (the 50 most recent of each): each gets a page.

    history.json keeps no more than these, so a page stays at least as long as the history keeps its item.
    """
    return [
        *files["api/v2/incidents.json"]["incidents"],
        *files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"],
    ]


def keys(files: dict[str, Any]) -> list[str]:
    slug = files["api/v2/summary.json"]["page"]["id"]
    return [*(f"incidents/{i['id']}.html" for i in items(files)), CALENDAR, *kuma_json.keys(slug)]


def render(files: dict[str, Any], updated_at: str, base_url: str, language: str) -> dict[str, bytes]:
    """Each file by its key under the status folder (the Uptime Kuma-shaped JSON is among the documents)."""
    summary = files["api/v2/summary.json"]
    out = {
        f"incidents/{item['id']}.html": page.render_incident(item, summary["page"], updated_at, language).encode()
        for item in items(files)
    }
    windows = files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    out[CALENDAR] = calendar.calendar(windows, summary["page"], base_url, updated_at, language).encode()
    return out
