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
