"""Combine Uptime Kuma and the backup bucket into status.json, written atomically."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import Any

from elytra_status.commands import common
from elytra_status.infra import exits, settings, timing
from elytra_status.infra.settings import Config
from elytra_status.run import pipeline
from elytra_status.run import state as run_state


def main(argv: list[str] | None = None, now: Callable[[], datetime] = timing.utc_now) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="exit codes: 0 written, every source answered; 3 written, a source failed;"
        " 2 bad config; 1 not written (the previous file is untouched); 5 written, the state not saved",
    )
    args, config = common.begin(parser, argv, "status", settings.NEEDS_KUMA + settings.NEEDS_BACKUPS)
    if config is None:
        return common.failed(args, exits.EXIT_CONFIG, "bad config (see the log line)")
    moment = now()
    state = run_state.bind(run_state.load(config.state_file, moment), config)
    code, run = pipeline.generate(config, moment, state)
    written = code != exits.EXIT_FAILED
    if not run_state.save(config.state_file, state) and written:
        code = exits.EXIT_STATE_NOT_SAVED
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
