"""A kept backup listing is aged again every run, kept only when every set answered, and only for its settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elytra_status.backups import memory as backup_memory
from elytra_status.backups.check import BackupObject, BackupReport, BackupSet
from elytra_status.infra import settings

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def config(**extra: str) -> settings.Config:
    values = {
        "UPTIME_KUMA_URL": "http://127.0.0.1:9",
        "UPTIME_KUMA_API_KEY": "uk1_x",
        "SPACES_ENDPOINT": "http://127.0.0.1:9",
        "SPACES_ACCESS_KEY": "a",
        "SPACES_SECRET_KEY": "b",
        "BACKUP_BUCKET": "backups",
        "BACKUP_PREFIX": "db/",
        "BACKUP_MAX_AGE_HOURS": "25",
    }
    return settings.parse_config({**values, **extra})


def listed(hours_old: float) -> BackupReport:
    newest = BackupObject("db/nightly.sql.gz", NOW - timedelta(hours=hours_old), 10)
    return BackupReport([BackupSet("db/", "success", newest, hours_old, listed_prefixes=1)], clock_offset=0.5)


def test_a_kept_listing_is_aged_against_the_clock_of_the_run_that_reuses_it():
    memory: dict = {}
    backup_memory.remember(memory, listed(24.99), config(), NOW)

    now = NOW + timedelta(seconds=120)
    report = backup_memory.reuse(memory, config(), now)

    assert report is not None and report.worst.status == "warning"
    assert report.worst.age_hours > 25 and report.clock_offset is None


def test_a_listing_is_reused_under_its_time_only():
    memory: dict = {}
    backup_memory.remember(memory, listed(1), config(), NOW)
    keep = backup_memory.LISTING_KEEP_SECONDS

    assert backup_memory.reuse(memory, config(), NOW + timedelta(seconds=keep - 1)) is not None
    assert backup_memory.reuse(memory, config(), NOW + timedelta(seconds=keep)) is None
    assert backup_memory.reuse(memory, config(), NOW - timedelta(seconds=1)) is None  # the clock went back


def test_a_listing_with_a_set_that_did_not_answer_is_not_kept():
    memory: dict = {"at": "old"}
    report = BackupReport([BackupSet("db/", "unknown", reason="AccessDenied")])

    backup_memory.remember(memory, report, config(), NOW)

    assert memory == {}


def test_a_listing_answers_only_the_settings_it_was_made_for():
    memory: dict = {}
    backup_memory.remember(memory, listed(1), config(), NOW)

    assert backup_memory.reuse(memory, config(BACKUP_PREFIX="other/"), NOW) is None
    assert backup_memory.reuse(memory, config(BACKUP_MAX_AGE_HOURS="2"), NOW) is None
    assert backup_memory.reuse(memory, config(BACKUP_BUCKET="elsewhere"), NOW) is None
    assert backup_memory.reuse({**memory, "sets": [{"prefix": "db/"}]}, config(), NOW) is None
