"""Small public documents for the tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def status_doc(updated: datetime, platform: str = "operational") -> dict:
    return {
        "schema_version": 1,
        "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform_status": platform,
        "maintenance": False,
        "uptime": {"last_24h": 99.9, "last_7d": None, "last_30d": 99.5},
        "backups": {"last_backup_status": "success", "last_backup_time": None},
    }


def one_run(tmp_path: Any, updated: datetime = NOW, memory: Any = None) -> tuple:
    """One run's documents in memory, as a cron run builds them: (config, status.json's document, files, days)."""
    from elytra_status.infra import settings
    from elytra_status.kuma.published import PageGroup, PageMonitor, PublishedPage
    from elytra_status.render.bundle_memory import BundleMemory
    from elytra_status.render.documents import build_bundle

    config = settings.parse_config(
        {
            "OUTPUT_FILE": str(tmp_path / "status.json"),
            "BUNDLE_DIR": str(tmp_path / "public"),
            "STATUS_BUCKET_KEY": "public/status.json",
            "STATUS_PUBLIC_URL": "https://status.example.com/public/status.json",
        }
    )
    document = {
        "schema_version": 1,
        "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform_status": "operational",
        "maintenance": False,
        "uptime": {"last_24h": 99.9, "last_7d": None, "last_30d": None},
        "backups": {"last_backup_status": "success", "last_backup_time": None},
    }
    page = PublishedPage("elytra", "Elytra", [PageGroup(1, "Services", (PageMonitor(1, "API", "http"),))])

    class Kuma:  # what build_bundle reads of a run's Uptime Kuma report
        states = {1: 1}
        monitors: list = []
        history = None
        beats = None

    Kuma.page = page
    days: dict = {}
    files = build_bundle(config, document, Kuma(), memory or BundleMemory(), days, updated)
    return config, document, files, days


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
