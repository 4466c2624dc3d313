"""Read both sources side by side, each in its own thread, within the run's deadline."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.backups import check as backup_checker
from elytra_status.backups import memory as backup_memory
from elytra_status.backups import report as backup_report
from elytra_status.infra import http_session
from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config
from elytra_status.infra.timing import MAX_CLOCK_SKEW_SECONDS, Deadline
from elytra_status.kuma import read as uptime_kuma_client
from elytra_status.kuma import report as kuma_report
from elytra_status.kuma.inputs import Inputs
from elytra_status.render.status_doc import build_document

if TYPE_CHECKING:
    from collections.abc import Callable

    from elytra_status.backups.check import BackupReport
    from elytra_status.judge.verdict import Merged
    from elytra_status.kuma.memory import KumaMemory
    from elytra_status.kuma.read import KumaReport
    from elytra_status.render.generation import Generation


@dataclass
class StatusRun:
    document: dict[str, Any]
    kuma: KumaReport | None
    backups: BackupReport | None
    failed_sources: list[str]
    # Set by a gated run (the cron job): why it must upload, or None when the bucket already says it all.
    publish_reason: str | None = None
    # The public set this run wrote, in memory: what the cron job uploads.
    generation: Generation | None = None
    # Two sites: every counting site's view merged (run/merge.py); builds False: not the writer, nothing to build.
    merged: Merged | None = None
    builds: bool = True
    # What this run read of Uptime Kuma, as digests by path (kuma/inputs.py): a quiet run compares them.
    inputs: dict[str, str] = field(default_factory=dict)


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
    s3_client: Any,
    memory: KumaMemory | None,
    backup_listing: dict[str, Any] | None,
) -> StatusRun:
    """Read both sources side by side within the deadline; a failed source becomes `unknown`."""
    inputs = Inputs(config.uptime_kuma_url)
    session = inputs.watch(http_session.make_session())
    kuma_started = _start(lambda: uptime_kuma_client.read_kuma(config, session, deadline, memory))
    if backup_listing is None:  # status.py by hand: a fresh listing
        backups_started = _start(lambda: backup_checker.check_backups(config, now, s3_client))
    else:
        backups_started = _start(lambda: backup_memory.check(config, now, s3_client, backup_listing))
    failed: list[str] = []

    kuma: KumaReport | None = _finish(kuma_started, "uptime kuma", deadline, config)
    if kuma is not None:
        kuma_report.log_report(kuma)
        if not kuma.monitors:
            log.error("uptime kuma: no selected monitor was found; check MONITOR_IDS")
        elif kuma.incomplete:
            log.error("uptime kuma: the state of some expected monitors is unknown (see the lines above)")
    if kuma is None or not kuma.monitors or kuma.incomplete:
        failed.append("uptime_kuma")

    backups: BackupReport | None = _finish(backups_started, "backups", deadline, config)
    if backups is not None:
        backup_report.log_report(backups, config)
    if backups is None or any(s.status == "unknown" for s in backups.sets):
        failed.append("backups")
    return StatusRun(
        build_document(kuma, backups, config, now), kuma, backups, failed, inputs=dict(inputs.parts) if kuma else {}
    )


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
