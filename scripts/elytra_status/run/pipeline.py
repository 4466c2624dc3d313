"""One run from memory: read both sources, build status.json and its bundle, ask the gate, write."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra import exits
from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config
from elytra_status.infra.timing import Deadline
from elytra_status.judge import ids
from elytra_status.judge.change_gate import digest_of
from elytra_status.render import naming
from elytra_status.render.checks import RefusedBundle
from elytra_status.render.documents import build_bundle
from elytra_status.render.generation import render, write_bundle
from elytra_status.render.status_doc import StatusWriteError, write_status
from elytra_status.run.restore import restore_history
from elytra_status.run.sources import StatusRun, clock_problem, collect

if TYPE_CHECKING:
    from collections.abc import Callable

    from elytra_status.run.state import RunState

    # (what was last published, this run's digest, whether the bucket answered this run) -> why to upload, or None
    Gate = Callable[[dict[str, Any], str, bool], str | None]


def generate(
    config: Config,
    now: datetime,
    state: RunState,
    s3_client: Any = None,
    gate: Gate | None = None,
    on_sources: Callable[[StatusRun], None] | None = None,
    backup_client: Any = None,
) -> tuple[int, StatusRun]:
    """One full run: read, build, validate, write status.json and its bundle. Returns the exit code and the run.

    state is the caller's (loaded and bound once, saved by the caller). With a gate (the cron job), the
    page and feed are only rendered when the gate gives a reason to upload. on_sources sees what
    the sources gave before anything is built (two sites: the lease). s3_client is the status bucket's;
    backup_client the backups', when they are on another store (STATUS_ENDPOINT).
    """
    deadline = Deadline.after(config.run_deadline_seconds)
    # Only the cron job (gated) keeps a backup listing between runs.
    listing = state.backups if gate is not None else None
    run = collect(config, now, deadline, backup_client or s3_client, state.kuma, listing)
    if config.status_bucket and bucket_answered(run):
        # Only when the bucket answered this run: a silent one must not hold the run past its deadline.
        # Before the turn: the id record is seeded from the days it gives (render/naming.py).
        restore_history(config, state, s3_client, now)
    if on_sources is not None:
        on_sources(run)
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
    skew = clock_problem(run)
    if skew:
        log.error("%s", skew)
        return exits.EXIT_FAILED
    doc = run.document
    summary = (
        f"platform_status={doc['platform_status']} uptime={json.dumps(doc['uptime'])}"
        f" backups={doc['backups']['last_backup_status']}"
    )
    if not run.builds:
        return _exit_code(run)  # two sites, not the writer: feed and history record only what was published
    try:
        record = naming.record_of(state.ids, state.bundle, state.history, state.generator, now)
        files = build_bundle(
            config, run.document, run.kuma, state.bundle, state.history, now, record, state.generator, run.merged
        )
        state.ids = ids.to_json(record)
        digest = digest_of({"status.json": run.document, **files})
        if gate is not None:
            run.publish_reason = gate(state.published, digest, bucket_answered(run))
            if run.publish_reason is None:
                if "at" in state.published:
                    log.info("unchanged since the upload of %s: %s; nothing written", state.published["at"], summary)
                return _exit_code(run)
        write_status(run.document, config.output_file)
        log.info("wrote %s: %s", config.output_file, summary)
        run.generation = render(config, run.document, files, state.history, now, digest)
        write_bundle(config, run.generation)
    except StatusWriteError as exc:
        log.error("%s", exc)
        return exits.EXIT_FAILED
    except (RefusedBundle, OSError) as exc:
        log.error("bundle not written to %s (BUNDLE_DIR): %s; nothing will be uploaded with it", config.bundle_dir, exc)
        return exits.EXIT_FAILED
    return _exit_code(run)


def _exit_code(run: StatusRun) -> int:
    if run.failed_sources:
        log.error("sources failed: %s (published as unknown where they count)", ", ".join(run.failed_sources))
        return exits.EXIT_SOURCE_FAILED
    return exits.EXIT_OK
