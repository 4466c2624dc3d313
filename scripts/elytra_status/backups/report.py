"""What a backup check found, told: one log line per set, and the JSON of the checker's --json."""

from __future__ import annotations

from typing import Any

from elytra_status.backups.check import BackupReport, BackupSet
from elytra_status.infra import timing
from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config


def log_report(report: BackupReport, config: Config) -> None:
    for s in report.sets:
        label = s.prefix or "(whole bucket)"
        for e in s.empty_objects:
            log.warning("backup set %s: %s is empty (0 bytes): a failed backup, skipped", label, e.key)
        if s.status == "unknown":
            log.error("backup set %s: cannot check: %s", label, s.reason)
        elif s.newest is None:
            log.warning("backup set %s: failed: %s in bucket %s", label, s.reason, config.backup_bucket)
        else:
            log.info(
                "backup set %s: %s, newest %s from %s (%.1f h old, %d prefixes listed)",
                label,
                s.status,
                s.newest.key,
                timing.iso_z(s.newest.last_modified),
                s.age_hours,
                s.listed_prefixes,
            )


def report_json(report: BackupReport) -> dict[str, Any]:
    def one(s: BackupSet) -> dict[str, Any]:
        return {
            "prefix": s.prefix,
            "status": s.status,
            "newest_key": s.newest.key if s.newest else None,
            "newest_time": timing.iso_z(s.newest.last_modified) if s.newest else None,
            "newest_size": s.newest.size if s.newest else None,
            "age_hours": round(s.age_hours, 2) if s.age_hours is not None else None,
            "empty_objects_skipped": [e.key for e in s.empty_objects],
            "reason": s.reason or None,
        }

    last = report.last_backup_time
    return {
        "status": report.status,
        "last_backup_time": timing.iso_z(last) if last else None,
        "sets": [one(s) for s in report.sets],
    }
