"""Check STATUS_PUBLIC_URL as the website sees it; one line out, Nagios-style exit codes (0 OK, 2 CRITICAL)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime

from elytra_status.commands import common
from elytra_status.infra import exits, settings, timing
from elytra_status.publish.public_check import check
from elytra_status.run import state as run_state


def main(argv: list[str] | None = None, now: Callable[[], datetime] = timing.utc_now) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--origin", action="append", help="origin to test (default: CORS_ALLOWED_ORIGINS)")
    args, config = common.begin(parser, argv, "public_check", settings.NEEDS_PUBLIC_CHECK, stream=sys.stderr)
    if config is None:
        print("CRITICAL: bad config (see the line above)")
        return exits.EXIT_CRITICAL
    origins = tuple(args.origin or (o for o in config.cors_allowed_origins if o != "*"))
    mine, peers = run_state.writers_of(config.state_file)
    problems = check(config, now(), origins, mine, peers=peers)
    if args.json:
        common.print_json({"ok": not problems, "url": config.status_public_url, "problems": problems})
    elif problems:
        print(f"CRITICAL: {config.status_public_url}: {'; '.join(problems)}")
    else:
        cors = f" and CORS for {', '.join(origins)}" if origins else " (no CORS check: no origin given)"
        print(f"OK: {config.status_public_url} is fresh, valid, with the right headers{cors}")
    return exits.EXIT_OK if not problems else exits.EXIT_CRITICAL
