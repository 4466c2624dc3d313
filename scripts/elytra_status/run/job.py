"""The cron job's run: status.json and its bundle from memory, the upload, the state saved once, the heartbeat."""

from __future__ import annotations

import signal
import time
from typing import Any

from elytra_status.infra import exits, http_session, s3, settings, timing
from elytra_status.infra.logs import log
from elytra_status.judge import change_gate
from elytra_status.publish import heartbeat, public_set
from elytra_status.publish.heads import head
from elytra_status.publish.upload import publish
from elytra_status.run import pipeline
from elytra_status.run import state as run_state

REASONS = {
    exits.EXIT_OK: "",
    exits.EXIT_SOURCE_FAILED: "a source failed; published unknown where it counts",
    exits.EXIT_FAILED: "status.json not written",
    exits.EXIT_UPLOAD_FAILED: "upload failed",
}


def run(config: settings.Config) -> tuple[int, str]:
    """status.py's run, then the upload, then the state saved once. An unknown status is still published."""
    now = timing.utc_now()
    state = run_state.bind(run_state.load(config.state_file, now), config)
    code, reason = run_with(config, state, now)
    public_set.forget_foreign(state.published, now, config.publish_every_seconds)
    if not run_state.save(config.state_file, state) and code not in (exits.EXIT_FAILED, exits.EXIT_UPLOAD_FAILED):
        code, reason = (
            exits.EXIT_STATE_NOT_SAVED,
            f"published, but the run's memory was not saved to {config.state_file} (STATE_FILE)",
        )
    foreign = public_set.foreign_warning(state.published)
    if foreign:
        log.warning("%s: its files are replaced by this generator's; two generators on one bucket fight", foreign)
        reason = f"{reason}; {foreign}" if reason else foreign
    return code, reason


def run_with(config: settings.Config, state: Any, now: Any) -> tuple[int, str]:
    started = time.monotonic()
    s3_client = s3.LazyClient(config)  # one client for every S3 call of the run, made if one is needed

    def gate(published: dict, digest: str, bucket_answered: bool) -> str | None:
        # A bucket that did not answer the listing is not asked again: the upload finds out, within its timeout.
        found = audit(config, state, s3_client, now) if bucket_answered else None
        problem = "the bucket did not answer this run" if found is None else "; ".join(found.problems[:3]) or None
        return change_gate.reason_to_publish(published, digest, problem, now, config.publish_every_seconds)

    code, run = pipeline.generate(config, now, state, s3_client=s3_client, gate=gate)
    log.info("step status: %.2fs, exit %d", time.monotonic() - started, code)
    if code == exits.EXIT_FAILED:
        return code, REASONS[code]
    if run.publish_reason is None:
        # The bucket already holds this content, uploaded under PUBLISH_EVERY_SECONDS ago.
        log.info("step upload: nothing to upload, no AWS CLI started")
        return code, REASONS[code]
    log.info("uploading: %s", run.publish_reason)
    started = time.monotonic()
    upload_code = publish(config, timing.utc_now(), run.generation, state.published, state.generator, s3_client)
    log.info("step upload: %.2fs, exit %d", time.monotonic() - started, upload_code)
    if upload_code == exits.EXIT_FAILED:
        return exits.EXIT_FAILED, "status.json refused for upload"
    if upload_code != exits.EXIT_OK:
        return upload_code, REASONS[exits.EXIT_UPLOAD_FAILED]
    return code, REASONS[code]


def audit(config: settings.Config, state: Any, s3_client: Any, now: Any) -> public_set.Audit:
    """HEAD the polled objects and this run's turn of the others; note another writer."""
    keys = public_set.due_keys(config, state.published, config.publish_every_seconds)
    with http_session.make_session(retries=0) as session:
        found = public_set.audit(
            keys, state.published, state.generator, lambda key: head(config, key, s3_client, session)
        )
    public_set.remember_foreign(state.published, found, now)
    log.info("bucket check: %d objects, %d problems", found.checked, len(found.problems))
    return found


def wrapper_event(event: str, signal_number: int) -> tuple[int, str]:
    """What the wrapper saw happen to a run: the lock was held, the run timed out, or it was killed."""
    if event == "locked":
        log.warning("another run holds the lock: this one exits without doing anything")
        return exits.EXIT_LOCKED, "another run holds the lock"
    if event == "timeout":
        reason = "run killed: it outlasted the wrapper's timeout; its processes were stopped"
    else:
        name = signal.Signals(signal_number).name if signal_number in signal.valid_signals() else "?"
        reason = (
            f"run killed by signal {signal_number} ({name}; SIGKILL is often the OOM killer), not by the"
            " timeout; its processes were stopped"
        )
    log.error("%s", reason)
    return exits.EXIT_FAILED, reason


def run_and_report(config: settings.Config, started: float) -> tuple[int, str]:
    """The run, its heartbeat, and one closing line with the whole time, the heartbeat's included."""
    log.info("run started")
    try:
        code, reason = run(config)
    except Exception as exc:  # noqa: BLE001 - cron gets one line it can grep, never a traceback
        code, reason = exits.EXIT_FAILED, f"unexpected {type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started
    # A reason with exit 0 is another writer in the bucket: the site needs a look, so the heartbeat says down.
    heartbeat.ping(config, code == exits.EXIT_OK and not reason, reason, int(elapsed * 1000))
    total = time.monotonic() - started
    level = log.info if code == exits.EXIT_OK else log.error
    level(
        "run finished in %.2fs (heartbeat %.2fs), exit %d%s",
        total,
        total - elapsed,
        code,
        f": {reason}" if reason else "",
    )
    return code, reason
