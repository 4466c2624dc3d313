#!/usr/bin/env python3
"""The cron job: generate status.json, publish it, ping the heartbeat. Called by generate_and_upload.sh."""

from __future__ import annotations

import argparse
import sys
import time

import common
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
    """status.py's run, then the upload. An unknown status is still published: never an old green."""
    import publish
    import status

    started = time.monotonic()
    try:
        s3_client = s3.make_s3_client(config)  # one client for the backup listing and the upload's HEAD
    except Exception:  # noqa: BLE001 - each step then makes its own and reports its failure
        s3_client = None
    code, _ = status.generate(config, timing.utc_now(), s3_client=s3_client)
    log.info("step status: %.2fs, exit %d", time.monotonic() - started, code)
    if code == common.EXIT_FAILED:
        return code, REASONS[code]
    started = time.monotonic()
    upload_code = publish.publish(config, timing.utc_now(), s3_client)
    log.info("step upload: %.2fs, exit %d", time.monotonic() - started, upload_code)
    if upload_code == publish.EXIT_REFUSED:
        return common.EXIT_FAILED, "status.json refused for upload"
    if upload_code != common.EXIT_OK:
        return upload_code, REASONS[common.EXIT_UPLOAD_FAILED]
    return code, REASONS[code]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="exit codes: 0 published, every source answered; 3 published, a source failed;"
        " 1 nothing published; 2 bad config; 4 upload failed; 75 another run holds the lock",
    )
    common.add_common_args(parser, with_json=False)
    parser.add_argument("--event", choices=("locked", "timeout"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    config = common.start(
        "generate_and_upload", args, settings.NEEDS_KUMA + settings.NEEDS_BACKUPS + settings.NEEDS_PUBLISH, sys.stdout
    )
    if args.event == "locked":
        log.warning("another run holds the lock: this one exits without doing anything")
        return common.EXIT_LOCKED
    if args.event == "timeout":
        log.error("run killed: it outlasted the wrapper's timeout")
        return common.EXIT_FAILED
    if config is None:
        return common.EXIT_CONFIG
    started = time.monotonic()
    log.info("run started")
    try:
        code, reason = run(config)
    except Exception as exc:  # noqa: BLE001 - cron gets one line it can grep, never a traceback
        code, reason = common.EXIT_FAILED, f"unexpected {type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started
    import heartbeat

    heartbeat.ping(config, code == common.EXIT_OK, reason, int(elapsed * 1000))
    level = log.info if code == common.EXIT_OK else log.error
    level("run finished in %.2fs, exit %d%s", elapsed, code, f": {reason}" if reason else "")
    return code


if __name__ == "__main__":
    sys.exit(main())
