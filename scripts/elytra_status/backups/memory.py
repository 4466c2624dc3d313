"""The last backup listing, kept in the run state for a while: backups land daily, runs come every minute."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.backups import check as backup_checker
from elytra_status.backups.check import BackupObject, BackupReport
from elytra_status.infra import timing
from elytra_status.infra.logs import log

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config

# Each set is aged again every run against this run's clock; only the listing is kept. A kept listing
# can make a backup look older than it is (a new one lands unseen), never younger, unless the newest
# backup is deleted within this time.
LISTING_KEEP_SECONDS = 300
MAX_EMPTY = 20


def check(config: Config, now: datetime, client: Any, memory: dict[str, Any]) -> BackupReport:
    """The backups judged now: from the kept listing when it is young enough, else from a new one."""
    kept = reuse(memory, config, now)
    if kept is not None:
        log.info(
            "backups: the bucket's listing of %s is kept (under LISTING_KEEP_SECONDS=%d old), aged again now",
            memory["at"],
            LISTING_KEEP_SECONDS,
        )
        return kept
    report = backup_checker.check_backups(config, now, client)
    remember(memory, report, config, now)
    return report


def _scope(config: Config) -> str:
    """What a listing answered: another bucket, prefix or max age asks a new question."""
    return "\n".join([config.backup_bucket or "", str(config.backup_max_age_hours), *config.backup_prefixes])


def _object(item: BackupObject) -> list[Any]:
    return [item.key, timing.iso_z(item.last_modified), item.size]


def _from(item: list[Any]) -> BackupObject:
    return BackupObject(str(item[0]), timing.parse_iso_z(str(item[1])), int(item[2]))


def remember(memory: dict[str, Any], report: BackupReport, config: Config, now: datetime) -> None:
    """Keep a listing where every set answered; a set that could not be listed is asked again next run."""
    memory.clear()
    if any(s.status == "unknown" for s in report.sets):
        return
    memory.update(
        {
            "at": timing.iso_z(now),
            "for": _scope(config),
            "sets": [
                {
                    "prefix": s.prefix,
                    "newest": _object(s.newest) if s.newest else None,
                    "empty": [_object(e) for e in s.empty_objects[:MAX_EMPTY]],
                    "listed": s.listed_prefixes,
                }
                for s in report.sets
            ],
        }
    )


def reuse(memory: dict[str, Any], config: Config, now: datetime) -> BackupReport | None:
    """The kept listing aged against now, or None when there is none, it is too old, or of other settings."""
    if not memory or memory.get("for") != _scope(config):
        return None
    try:
        age = (now - timing.parse_iso_z(memory["at"])).total_seconds()
        if not 0 <= age < LISTING_KEEP_SECONDS:
            return None
        sets = [
            backup_checker.judge_set(
                item["prefix"],
                _from(item["newest"]) if item["newest"] else None,
                [_from(e) for e in item["empty"]],
                int(item["listed"]),
                now,
                config,
            )
            for item in memory["sets"]
        ]
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    # No clock offset: this run asked the bucket nothing.
    return BackupReport(sets) if [s.prefix for s in sets] == list(config.backup_prefixes) else None
