"""Find the newest backup under each BACKUP_PREFIX in the backup bucket and judge its age."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from elytra_status.backups.check import BackupReport, check_backups
from elytra_status.backups.report import log_report, report_json
from elytra_status.commands import common
from elytra_status.infra import exits, settings, timing


def print_table(report: BackupReport) -> None:
    rows = [("PREFIX", "STATUS", "NEWEST OBJECT", "LAST MODIFIED", "AGE", "NOTE")]
    for s in report.sets:
        rows.append(
            (
                s.prefix or "(whole bucket)",
                s.status,
                s.newest.key if s.newest else "-",
                timing.iso_z(s.newest.last_modified) if s.newest else "-",
                f"{s.age_hours:.1f} h" if s.age_hours is not None else "-",
                s.reason or (f"{len(s.empty_objects)} empty skipped" if s.empty_objects else ""),
            )
        )
    common.print_rows(rows)
    print(f"overall: {report.status}")


def main(argv: list[str] | None = None, now: Callable[[], datetime] = timing.utc_now) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    args, config = common.begin(parser, argv, "backup_checker", settings.NEEDS_BACKUPS)
    if config is None:
        return common.failed(args, exits.EXIT_CONFIG, "bad config (see the log line)")
    report = check_backups(config, now())
    log_report(report, config)
    if args.json:
        common.print_json(report_json(report))
    else:
        print_table(report)
    return exits.EXIT_SOURCE_FAILED if any(s.status == "unknown" for s in report.sets) else exits.EXIT_OK
