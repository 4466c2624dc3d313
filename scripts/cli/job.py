#!/usr/bin/env python3
"""The cron job: generate status.json, publish it, ping the heartbeat. Called by generate_and_upload.sh."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any

import common
import public_set
import s3
import settings
import timing
from logs import log

REASONS = {
    common.EXIT_OK: "",
    common.EXIT_SOURCE_FAILED: "a source failed; published unknown where it counts",
    common.EXIT_FAILED: "status.json not written",
    common.EXIT_UPLOAD_FAILED: "upload failed",
}


def run(config: settings.Config) -> tuple[int, str]:
    """status.py's run, then the upload, then the state saved once. An unknown status is still published."""
    import run_state

    now = timing.utc_now()
    state = run_state.bind(run_state.load(config.state_file, now), config)
    code, reason = run_with(config, state, now)
    public_set.forget_foreign(state.published, now, config.publish_every_seconds)
    if not run_state.save(config.state_file, state) and code not in (common.EXIT_FAILED, common.EXIT_UPLOAD_FAILED):
        code, reason = (
            common.EXIT_STATE_NOT_SAVED,
            f"published, but the run's memory was not saved to {config.state_file} (STATE_FILE)",
        )
    foreign = public_set.foreign_warning(state.published)
    if foreign:
        log.warning("%s: its files are replaced by this generator's; two generators on one bucket fight", foreign)
        reason = f"{reason}; {foreign}" if reason else foreign
    return code, reason


def run_with(config: settings.Config, state: Any, now: Any) -> tuple[int, str]:
    import change_gate
    import publish
    import status

    started = time.monotonic()
    s3_client = s3.LazyClient(config)  # one client for every S3 call of the run, made if one is needed

    def gate(published: dict, digest: str, bucket_answered: bool) -> str | None:
        # A bucket that did not answer the listing is not asked again: the upload finds out, within its timeout.
        found = audit(config, state, s3_client, now) if bucket_answered else None
        problem = "the bucket did not answer this run" if found is None else "; ".join(found.problems[:3]) or None
        return change_gate.reason_to_publish(published, digest, problem, now, config.publish_every_seconds)

    code, run = status.generate(config, now, state, s3_client=s3_client, gate=gate)
    log.info("step status: %.2fs, exit %d", time.monotonic() - started, code)
    if code == common.EXIT_FAILED:
        return code, REASONS[code]
    if run.publish_reason is None:
        # The bucket already holds this content, uploaded under PUBLISH_EVERY_SECONDS ago.
        log.info("step upload: nothing to upload, no AWS CLI started")
        return code, REASONS[code]
    log.info("uploading: %s", run.publish_reason)
    started = time.monotonic()
    upload_code = publish.publish(config, timing.utc_now(), state, s3_client)
    log.info("step upload: %.2fs, exit %d", time.monotonic() - started, upload_code)
    if upload_code == publish.EXIT_REFUSED:
        return common.EXIT_FAILED, "status.json refused for upload"
    if upload_code != common.EXIT_OK:
        return upload_code, REASONS[common.EXIT_UPLOAD_FAILED]
    return code, REASONS[code]


def audit(config: settings.Config, state: Any, s3_client: Any, now: Any) -> public_set.Audit:
    """HEAD the polled objects and this run's turn of the others; note another writer."""
    import http_session
    import publish

    keys = public_set.due_keys(config, state.published, config.publish_every_seconds)
    with http_session.make_session(retries=0) as session:
        found = public_set.audit(
            keys, state.published, state.generator, lambda key: publish.head(config, key, s3_client, session)
        )
    public_set.remember_foreign(state.published, found, now)
    log.info("bucket check: %d objects, %d problems", found.checked, len(found.problems))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="exit codes: 0 published, every source answered; 3 published, a source failed;"
        " 1 nothing published; 2 bad config; 4 upload failed; 5 published, the state not saved;"
        " 75 another run holds the lock",
    )
    common.add_common_args(parser, json_help="print one JSON object (exit code, reason); the log goes to stderr")
    parser.add_argument("--event", choices=("locked", "timeout", "killed"), help=argparse.SUPPRESS)
    parser.add_argument("--signal", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    needs = settings.NEEDS_KUMA + settings.NEEDS_BACKUPS + settings.NEEDS_PUBLISH
    config = common.start("generate_and_upload", args, needs, sys.stderr if args.json else sys.stdout)
    started = time.monotonic()
    if args.event:
        code, reason = wrapper_event(args.event, args.signal)
    elif config is None:
        code, reason = common.EXIT_CONFIG, "bad config"
    else:
        code, reason = run_and_report(config, started)
    if args.json:
        common.print_json(
            {"exit_code": code, "reason": reason or None, "seconds": round(time.monotonic() - started, 3)}
        )
    return code


def wrapper_event(event: str, signal_number: int) -> tuple[int, str]:
    """What the wrapper saw happen to a run: the lock was held, the run timed out, or it was killed."""
    if event == "locked":
        log.warning("another run holds the lock: this one exits without doing anything")
        return common.EXIT_LOCKED, "another run holds the lock"
    if event == "timeout":
        reason = "run killed: it outlasted the wrapper's timeout; its processes were stopped"
    else:
        name = signal.Signals(signal_number).name if signal_number in signal.valid_signals() else "?"
        reason = (
            f"run killed by signal {signal_number} ({name}; SIGKILL is often the OOM killer), not by the"
            " timeout; its processes were stopped"
        )
    log.error("%s", reason)
    return common.EXIT_FAILED, reason


def run_and_report(config: settings.Config, started: float) -> tuple[int, str]:
    """The run, its heartbeat, and one closing line with the whole time, the heartbeat's included."""
    log.info("run started")
    try:
        code, reason = run(config)
    except Exception as exc:  # noqa: BLE001 - cron gets one line it can grep, never a traceback
        code, reason = common.EXIT_FAILED, f"unexpected {type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started
    import heartbeat

    # A reason with exit 0 is another writer in the bucket: the site needs a look, so the heartbeat says down.
    heartbeat.ping(config, code == common.EXIT_OK and not reason, reason, int(elapsed * 1000))
    total = time.monotonic() - started
    level = log.info if code == common.EXIT_OK else log.error
    level(
        "run finished in %.2fs (heartbeat %.2fs), exit %d%s",
        total,
        total - elapsed,
        code,
        f": {reason}" if reason else "",
    )
    return code, reason


if __name__ == "__main__":
    sys.exit(main())
