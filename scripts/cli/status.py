#!/usr/bin/env python3
"""Combine Uptime Kuma and the backup bucket into status.json, written atomically."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import common
from common import Config, Deadline, log

if TYPE_CHECKING:
    from collections.abc import Callable

    from backup_checker import BackupReport
    from uptime_kuma_client import KumaReport, Monitor

SCHEMA_VERSION = 1
TWO_PLACES = Decimal("0.01")
PUBLIC_WINDOWS = {"24h": "last_24h", "7d": "last_7d", "30d": "last_30d"}


class StatusWriteError(Exception):
    """status.json could not be validated or written; the previous file is untouched."""


# --- the rules -------------------------------------------------------------


def platform_status(monitors: list[Monitor] | None, critical_ids: tuple[int, ...]) -> str:
    """operational, degraded, outage or unknown, by the rules of the README."""
    from uptime_kuma_client import DOWN, PENDING

    if not monitors:
        return "unknown"
    states = [m.state for m in monitors]
    if any(m.state == DOWN and m.id in critical_ids for m in monitors) or all(s == DOWN for s in states):
        return "outage"
    if any(s in (DOWN, PENDING) for s in states):
        return "degraded"
    return "operational"


def mean_percent(values: list[Decimal]) -> float | None:
    """The rounding rule, stated once: the exact mean, rounded half up to 2 decimals; none -> None."""
    if not values:
        return None
    mean = sum(values, Decimal(0)) / len(values)
    return float(mean.quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


def platform_uptime(monitors: list[Monitor] | None) -> dict[str, float | None]:
    """Each window's mean over the monitors that have a figure for it."""
    monitors = monitors or []
    return {
        public: mean_percent([m.uptime[window].percent for m in monitors if window in m.uptime])
        for window, public in PUBLIC_WINDOWS.items()
    }


def build_document(
    kuma: KumaReport | None, backups: BackupReport | None, config: Config, now: datetime
) -> dict[str, Any]:
    """The public document. Only enums, numbers and timestamps: nothing internal can leak."""
    from uptime_kuma_client import MAINTENANCE

    monitors = kuma.monitors if kuma else None
    last_time = backups.last_backup_time if backups else None
    return {
        "schema_version": SCHEMA_VERSION,
        "updated_at": common.iso_z(now),
        "platform_status": platform_status(monitors, config.critical_monitor_ids),
        "maintenance": any(m.state == MAINTENANCE for m in monitors or []),
        "uptime": platform_uptime(monitors),
        "backups": {
            "last_backup_status": backups.status if backups else "unknown",
            "last_backup_time": common.iso_z(last_time) if last_time else None,
        },
    }


# --- writing ---------------------------------------------------------------


def write_atomically(document: dict[str, Any], path: Path) -> None:
    """Validate, then write beside the target and rename: readers see the old or the new file."""
    import fastjsonschema

    try:
        common.status_validator()(document)
    except fastjsonschema.JsonSchemaException as exc:
        raise StatusWriteError(f"status document fails its schema: {exc.message}") from None
    data = (json.dumps(document, indent=2) + "\n").encode()
    tmp_name = None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as tmp:
            tmp_name = tmp.name
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        raise StatusWriteError(f"cannot write {path} (OUTPUT_FILE): {exc.strerror}") from None


# --- the run ---------------------------------------------------------------


@dataclass
class StatusRun:
    document: dict[str, Any]
    kuma: KumaReport | None
    backups: BackupReport | None
    failed_sources: list[str]


def _start(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = target()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who decides
            box["error"] = exc

    # Daemon threads: a source stuck past the deadline cannot hold the process open.
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _finish(started: tuple[threading.Thread, dict[str, Any]], source: str, deadline: Deadline, config: Config) -> Any:
    """What a source's thread found by the deadline; None, with one error line, when it found nothing."""
    thread, box = started
    thread.join(max(deadline.remaining(), 0))
    if thread.is_alive():
        log.error(
            "%s: no answer within RUN_DEADLINE_SECONDS=%g; status is unknown", source, config.run_deadline_seconds
        )
        return None
    if "error" in box:
        log.error("%s: %s", source, box["error"])
    return box.get("value")


def collect(config: Config, now: datetime, deadline: Deadline, session: Any = None, s3_client: Any = None) -> StatusRun:
    """Read both sources side by side within the deadline; a failed source becomes `unknown`."""
    import backup_checker
    import uptime_kuma_client

    kuma_started = _start(lambda: uptime_kuma_client.read_kuma(config, session, deadline))
    backups_started = _start(lambda: backup_checker.check_backups(config, now, s3_client))
    failed: list[str] = []

    kuma: KumaReport | None = _finish(kuma_started, "uptime kuma", deadline, config)
    if kuma is not None:
        uptime_kuma_client.log_report(kuma)
        if not kuma.monitors:
            log.error("uptime kuma: no selected monitor was found; check MONITOR_IDS")
    if kuma is None or not kuma.monitors:
        failed.append("uptime_kuma")

    backups: BackupReport | None = _finish(backups_started, "backups", deadline, config)
    if backups is not None:
        backup_checker.log_report(backups, config)
    if backups is None or any(s.status == "unknown" for s in backups.sets):
        failed.append("backups")
    return StatusRun(build_document(kuma, backups, config, now), kuma, backups, failed)


def generate(config: Config, now: datetime, session: Any = None, s3_client: Any = None) -> tuple[int, StatusRun | None]:
    """One full run: read, build, validate, write. Returns the exit code and what was found."""
    deadline = Deadline.after(config.run_deadline_seconds)
    run = collect(config, now, deadline, session, s3_client)
    try:
        write_atomically(run.document, config.output_file)
    except StatusWriteError as exc:
        log.error("%s", exc)
        return common.EXIT_FAILED, run
    log.info(
        "wrote %s: platform_status=%s uptime=%s backups=%s",
        config.output_file,
        run.document["platform_status"],
        json.dumps(run.document["uptime"]),
        run.document["backups"]["last_backup_status"],
    )
    if run.failed_sources:
        log.error("sources failed: %s (published as unknown where they count)", ", ".join(run.failed_sources))
        return common.EXIT_SOURCE_FAILED, run
    return common.EXIT_OK, run


def main(argv: list[str] | None = None, now: Callable[[], datetime] = common.utc_now) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="exit codes: 0 written, every source answered; 3 written, a source failed;"
        " 2 bad config; 1 not written (the previous file is untouched)",
    )
    common.add_common_args(parser)
    args = parser.parse_args(argv)
    config = common.start("status", args, common.NEEDS_KUMA + common.NEEDS_BACKUPS)
    if config is None:
        return common.EXIT_CONFIG
    code, run = generate(config, now())
    if run is not None:
        if args.json:
            common.print_json(run.document)
        else:
            doc = run.document
            print(f"platform_status  {doc['platform_status']}{' (maintenance)' if doc['maintenance'] else ''}")
            for name, value in doc["uptime"].items():
                print(f"uptime {name:<9} {'null' if value is None else f'{value:.2f}%'}")
            print(
                f"backups          {doc['backups']['last_backup_status']} (last {doc['backups']['last_backup_time']})"
            )
            print(f"written          {'yes' if code != common.EXIT_FAILED else 'NO'}: {config.output_file}")
    return code


if __name__ == "__main__":
    sys.exit(main())
