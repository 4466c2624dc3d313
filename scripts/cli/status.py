#!/usr/bin/env python3
"""Combine Uptime Kuma and the backup bucket into status.json, written atomically."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import atomic
import change_gate
import common
import settings
import status_doc
import timing
from logs import log
from settings import Config
from timing import Deadline

if TYPE_CHECKING:
    from collections.abc import Callable

    from backup_checker import BackupReport
    from run_state import KumaMemory, RunState
    from uptime_kuma_client import KumaReport, Monitor

    # (what was last published, this run's digest, whether the bucket answered this run) -> why to upload, or None
    Gate = Callable[[dict[str, Any], str, bool], str | None]

SCHEMA_VERSION = 1
TWO_PLACES = Decimal("0.01")
PUBLIC_WINDOWS = {"24h": "last_24h", "7d": "last_7d", "30d": "last_30d"}
# Beyond this, updated_at and the backups' ages would be judged by a wrong clock.
MAX_CLOCK_SKEW_SECONDS = 60.0


class StatusWriteError(Exception):
    """status.json could not be validated or written; the previous file is untouched."""


# --- the rules -------------------------------------------------------------


def platform_status(monitors: list[Monitor] | None, critical_ids: tuple[int, ...], blind: bool = False) -> str:
    """operational, degraded, outage or unknown, by the rules of the README.

    A monitor whose state this run does not know (UNKNOWN) is never UP; a critical one makes it unknown.
    """
    from uptime_kuma_client import DOWN, PENDING, UNKNOWN, UNTIED

    counted = [m for m in monitors or [] if m.state != UNTIED]  # an UNTIED id's state counts via its twin
    known = [m for m in counted if m.state != UNKNOWN]
    if blind or not known:
        return "unknown"
    if any(m.state == DOWN and m.id in critical_ids for m in known):
        return "outage"
    if any(m.state == UNKNOWN and m.id in critical_ids for m in counted):
        return "unknown"
    if len(known) == len(counted) and all(m.state == DOWN for m in known):
        return "outage"
    if len(known) < len(counted) or any(m.state in (DOWN, PENDING) for m in known):
        return "degraded"
    return "operational"


def mean_percent(values: list[Decimal]) -> float | None:
    """The rounding rule, stated once: the exact mean, rounded half up to 2 decimals; none -> None."""
    if not values:
        return None
    mean = sum(values, Decimal(0)) / len(values)
    return float(mean.quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


def platform_uptime(monitors: list[Monitor] | None) -> dict[str, float | None]:
    """Each window's mean over the monitors that have a figure for it.

    A window that lacks the figure of a monitor whose state is unknown is null: its mean could hide an
    outage. So is one that lacks a push monitor's (2.1+ /metrics has no ratio for them): the mean would
    be over a smaller set. A monitor with no beat at all has no figure, and counts in no mean.
    """
    monitors = monitors or []
    return {
        public: None
        if any(window not in m.uptime and _gap_hides(m, window) for m in monitors)
        else mean_percent([m.uptime[window].percent for m in monitors if window in m.uptime])
        for window, public in PUBLIC_WINDOWS.items()
    }


def _gap_hides(monitor: Monitor, window: str) -> bool:
    from uptime_kuma_client import NO_BEAT, UNKNOWN

    return monitor.gaps.get(window) != NO_BEAT and (monitor.state == UNKNOWN or monitor.type == "push")


def build_document(
    kuma: KumaReport | None, backups: BackupReport | None, config: Config, now: datetime
) -> dict[str, Any]:
    """The public document. Only enums, numbers and timestamps: nothing internal can leak."""
    from uptime_kuma_client import MAINTENANCE

    monitors = kuma.monitors if kuma else None
    last_time = backups.last_backup_time if backups else None
    return {
        "schema_version": SCHEMA_VERSION,
        "updated_at": timing.iso_z(now),
        "platform_status": platform_status(monitors, config.critical_monitor_ids, bool(kuma and kuma.blind)),
        "maintenance": any(m.state == MAINTENANCE for m in monitors or []),
        "uptime": platform_uptime(monitors),
        "backups": {
            "last_backup_status": backups.status if backups else "unknown",
            "last_backup_time": timing.iso_z(last_time) if last_time else None,
        },
    }


# --- writing ---------------------------------------------------------------


def write_status(document: dict[str, Any], path: Path) -> None:
    """Validate, then write atomically: readers see the old or the new file, never half of one."""
    import fastjsonschema

    try:
        status_doc.status_validator()(document)
    except fastjsonschema.JsonSchemaException as exc:
        raise StatusWriteError(f"status document fails its schema: {exc.message}") from None
    try:
        atomic.write_atomically(path, (json.dumps(document, indent=2) + "\n").encode())
    except OSError as exc:
        raise StatusWriteError(f"cannot write {path} (OUTPUT_FILE): {exc.strerror}") from None


# --- the run ---------------------------------------------------------------


@dataclass
class StatusRun:
    document: dict[str, Any]
    kuma: KumaReport | None
    backups: BackupReport | None
    failed_sources: list[str]
    # Set by a gated run (the cron job): why it must upload, or None when the bucket already says it all.
    publish_reason: str | None = None


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


def collect(
    config: Config,
    now: datetime,
    deadline: Deadline,
    session: Any = None,
    s3_client: Any = None,
    memory: KumaMemory | None = None,
    backup_listing: dict[str, Any] | None = None,
) -> StatusRun:
    """Read both sources side by side within the deadline; a failed source becomes `unknown`."""
    import backup_checker
    import backup_memory
    import uptime_kuma_client

    kuma_started = _start(lambda: uptime_kuma_client.read_kuma(config, session, deadline, memory))
    if backup_listing is None:  # status.py by hand: a fresh listing
        backups_started = _start(lambda: backup_checker.check_backups(config, now, s3_client))
    else:
        backups_started = _start(lambda: backup_memory.check(config, now, s3_client, backup_listing))
    failed: list[str] = []

    kuma: KumaReport | None = _finish(kuma_started, "uptime kuma", deadline, config)
    if kuma is not None:
        uptime_kuma_client.log_report(kuma)
        if not kuma.monitors:
            log.error("uptime kuma: no selected monitor was found; check MONITOR_IDS")
        elif kuma.incomplete:
            log.error("uptime kuma: the state of some expected monitors is unknown (see the lines above)")
    if kuma is None or not kuma.monitors or kuma.incomplete:
        failed.append("uptime_kuma")

    backups: BackupReport | None = _finish(backups_started, "backups", deadline, config)
    if backups is not None:
        backup_checker.log_report(backups, config)
    if backups is None or any(s.status == "unknown" for s in backups.sets):
        failed.append("backups")
    return StatusRun(build_document(kuma, backups, config, now), kuma, backups, failed)


def clock_problem(run: StatusRun) -> str | None:
    """Why this machine's clock cannot be trusted to date the file and age the backups, or None."""
    offsets = {
        "Uptime Kuma": run.kuma.clock_offset if run.kuma else None,
        "the backup bucket": run.backups.clock_offset if run.backups else None,
    }
    for source, offset in offsets.items():
        if offset is not None and abs(offset) > MAX_CLOCK_SKEW_SECONDS:
            side = "ahead of" if offset > 0 else "behind"
            return (
                f"clock skew: this machine's clock is {abs(offset):.0f}s {side} the Date header of {source}"
                f" (limit {MAX_CLOCK_SKEW_SECONDS:.0f}s); nothing is written or published: fix NTP (timedatectl status)"
            )
    return None


def generate(
    config: Config,
    now: datetime,
    state: RunState,
    session: Any = None,
    s3_client: Any = None,
    gate: Gate | None = None,
) -> tuple[int, StatusRun]:
    """One full run: read, build, validate, write status.json and its bundle. Returns the exit code and the run.

    state is the caller's (loaded and bound once, saved by the caller). With a gate (the cron job), the
    page and feed are only rendered when the gate gives a reason to upload.
    """
    deadline = Deadline.after(config.run_deadline_seconds)
    # Only the cron job (gated) keeps a backup listing between runs.
    listing = state.backups if gate is not None else None
    run = collect(config, now, deadline, session, s3_client, state.kuma, listing)
    if config.status_bucket and bucket_answered(run):
        # Only when the bucket answered this run: a silent one must not hold the run past its deadline.
        import public_files

        public_files.restore_history(config, state, s3_client, now)
    if run.kuma is not None:
        state.kuma = run.kuma.memory
    return write_all(config, run, state, now, gate), run


def bucket_answered(run: StatusRun) -> bool:
    return bool(run.backups) and all(s.status != "unknown" for s in run.backups.sets)


def write_all(config: Config, run: StatusRun, state: Any, now: datetime, gate: Gate | None = None) -> int:
    """status.json, then the bundle beside it; nothing when the clock cannot be trusted.

    With a gate that finds nothing to upload, nothing is written either: OUTPUT_FILE and BUNDLE_DIR
    stay the files last uploaded, one run's set, which upload_status_json.sh can still send.
    """
    import public_files

    skew = clock_problem(run)
    if skew:
        log.error("%s", skew)
        return common.EXIT_FAILED
    doc = run.document
    summary = (
        f"platform_status={doc['platform_status']} uptime={json.dumps(doc['uptime'])}"
        f" backups={doc['backups']['last_backup_status']}"
    )
    try:
        files = public_files.build_bundle(config, run.document, run.kuma, state, now)
        if gate is not None:
            digest = change_gate.digest_of({"status.json": run.document, **files})
            run.publish_reason = gate(state.published, digest, bucket_answered(run))
            if run.publish_reason is None:
                log.info("unchanged since the upload of %s: %s; nothing written", state.published["at"], summary)
                return _exit_code(run)
        write_status(run.document, config.output_file)
        log.info("wrote %s: %s", config.output_file, summary)
        public_files.write_bundle(config, files, run.document, state.history, now)
    except StatusWriteError as exc:
        log.error("%s", exc)
        return common.EXIT_FAILED
    except (public_files.RefusedBundle, OSError) as exc:
        log.error("bundle not written to %s (BUNDLE_DIR): %s; nothing will be uploaded with it", config.bundle_dir, exc)
        return common.EXIT_FAILED
    return _exit_code(run)


def _exit_code(run: StatusRun) -> int:
    if run.failed_sources:
        log.error("sources failed: %s (published as unknown where they count)", ", ".join(run.failed_sources))
        return common.EXIT_SOURCE_FAILED
    return common.EXIT_OK


def main(argv: list[str] | None = None, now: Callable[[], datetime] = timing.utc_now) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="exit codes: 0 written, every source answered; 3 written, a source failed;"
        " 2 bad config; 1 not written (the previous file is untouched); 5 written, the state not saved",
    )
    common.add_common_args(parser)
    args = parser.parse_args(argv)
    config = common.start("status", args, settings.NEEDS_KUMA + settings.NEEDS_BACKUPS)
    if config is None:
        return common.failed(args, common.EXIT_CONFIG, "bad config (see the log line)")
    import run_state

    moment = now()
    state = run_state.bind(run_state.load(config.state_file, moment), config)
    code, run = generate(config, moment, state)
    written = code != common.EXIT_FAILED
    if not run_state.save(config.state_file, state) and written:
        code = common.EXIT_STATE_NOT_SAVED
    if args.json:
        # The document, and whether it was written: a document that was not is not the public file.
        common.print_json(
            {"written": written, "exit_code": code, "output_file": str(config.output_file), "document": run.document}
        )
    else:
        print_summary(run.document, written, config)
    return code


def print_summary(doc: dict[str, Any], written: bool, config: Config) -> None:
    print(f"platform_status  {doc['platform_status']}{' (maintenance)' if doc['maintenance'] else ''}")
    for name, value in doc["uptime"].items():
        print(f"uptime {name:<9} {'null' if value is None else f'{value:.2f}%'}")
    print(f"backups          {doc['backups']['last_backup_status']} (last {doc['backups']['last_backup_time']})")
    print(f"written          {'yes' if written else 'NO'}: {config.output_file}")


if __name__ == "__main__":
    sys.exit(main())
