"""Upload status.json and its bundle to the public bucket with the AWS CLI, after checking them, and verify them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from elytra_status.commands import common
from elytra_status.infra import exits, settings, timing
from elytra_status.infra.logs import log
from elytra_status.publish.from_disk import RefusedFile, read_generation
from elytra_status.publish.upload import publish
from elytra_status.render.checks import RefusedBundle
from elytra_status.render.keys import key_prefix
from elytra_status.run import state as run_state


def main(argv: list[str] | None = None, now: Callable[[], datetime] = timing.utc_now) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="exit codes: 0 uploaded and verified; 1 file refused (nothing sent); 2 bad config;"
        " 4 upload or verification failed; 5 uploaded, but the state could not be saved",
    )
    args, config = common.begin(
        parser,
        argv,
        "upload",
        settings.NEEDS_PUBLISH,
        json_help="print one JSON object: exit code, target, uploaded or not",
    )
    if config is None:
        return common.failed(args, exits.EXIT_CONFIG, "bad config (see the log line)")
    if config.site_name:
        # By hand there is no lease: this upload could overwrite the other site's newer files.
        log.error("SITE_NAME: with two sites only the job publishes, under the lease; nothing sent")
        return common.failed(args, exits.EXIT_CONFIG, "two sites: publish.py by hand is refused")
    code = publish_from_disk(config, now())
    if args.json:
        target = f"s3://{config.status_bucket}/{config.status_bucket_key}"
        common.print_json({"ok": code == exits.EXIT_OK, "exit_code": code, "target": target})
    return code


def publish_from_disk(config: settings.Config, now: datetime) -> int:
    """The set last written, checked again, uploaded; the state's published record updated and saved once."""
    try:
        generation = read_generation(config, now)
    except (RefusedFile, RefusedBundle) as exc:
        target = f"s3://{config.status_bucket}/{key_prefix(config)}"
        log.error("upload refused, nothing sent, %s left as it was: %s", target, exc)
        return exits.EXIT_REFUSED
    state = run_state.bind(run_state.load(config.state_file, now), config)
    code = publish(config, now, generation, state.published, state.generator)
    if not run_state.save(config.state_file, state) and code == exits.EXIT_OK:
        code = exits.EXIT_STATE_NOT_SAVED
    return code
