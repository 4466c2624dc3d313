"""The cron job: generate status.json, publish it, ping the heartbeat. Called by generate_and_upload.sh."""

from __future__ import annotations

import argparse
import sys
import time

from elytra_status.commands import common
from elytra_status.infra import exits, settings
from elytra_status.run.job import run_and_report, wrapper_event


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="exit codes: 0 published, every source answered; 3 published, a source failed;"
        " 1 nothing published; 2 bad config; 4 upload failed; 5 published, the state not saved;"
        " 75 another run holds the lock",
    )
    common.add_common_args(parser, json_help="print one JSON object (exit code, reason); the log goes to stderr")
    parser.add_argument(
        "--resident",
        action="store_true",
        help="stay running (systemd service): /metrics every POLL_SECONDS, a run at each minute and on a change",
    )
    parser.add_argument("--every", type=float, default=60.0, help=argparse.SUPPRESS)  # seconds; tests use 1
    parser.add_argument("--poll", type=float, help=argparse.SUPPRESS)  # seconds, under POLL_SECONDS' 5; tests
    parser.add_argument("--watchdog", type=float, help=argparse.SUPPRESS)  # seconds; tests use 2
    parser.add_argument("--event", choices=("locked", "timeout", "killed"), help=argparse.SUPPRESS)
    parser.add_argument("--signal", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    needs = settings.NEEDS_KUMA + settings.NEEDS_BACKUPS + settings.NEEDS_PUBLISH
    config = common.start("generate_and_upload", args, needs, sys.stderr if args.json else sys.stdout)
    started = time.monotonic()
    if args.event:
        code, reason = wrapper_event(args.event, args.signal)
    elif config is None:
        code, reason = exits.EXIT_CONFIG, "bad config"
    elif args.resident:
        from elytra_status.run import resident  # a cron run, quiet most minutes, needs none of it

        return resident.serve(config, args.env_file, args.every, poll=args.poll, watchdog=args.watchdog)
    else:
        code, reason = run_and_report(config, started)
    if args.json:
        common.print_json(
            {"exit_code": code, "reason": reason or None, "seconds": round(time.monotonic() - started, 3)}
        )
    return code
