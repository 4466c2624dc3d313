"""Apply CORS from CORS_ALLOWED_ORIGINS to the status bucket (GET and HEAD), then show what is in place."""

from __future__ import annotations

import argparse

from elytra_status.commands import common
from elytra_status.infra import exits, s3, settings
from elytra_status.infra.logs import log
from elytra_status.publish.cors import apply_cors, current_cors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="store_true", help="only show the CORS in place; change nothing")
    args, config = common.begin(parser, argv, "bucket_setup", settings.NEEDS_PUBLISH)
    if config is None:
        return common.failed(args, exits.EXIT_CONFIG, "bad config (see the log line)")
    if not args.show and not config.cors_allowed_origins:
        # Empty is the documented default: no cross-origin reader. The bucket's rules are left as they are.
        log.info("CORS_ALLOWED_ORIGINS is empty: no CORS rule to apply; the bucket's rules are left as they are")
        args.show = True
    from botocore.exceptions import BotoCoreError, ClientError

    from elytra_status.backups.check import source_error

    client = s3.make_s3_client(config)
    try:
        if not args.show:
            changed = apply_cors(config, client)
            log.info("CORS on %s: %s", config.status_bucket, "applied" if changed else "already in place")
        rules = current_cors(client, config.status_bucket)
    except (BotoCoreError, ClientError) as exc:
        log.error("bucket set-up failed: %s", source_error(exc, config, config.status_bucket))
        return exits.EXIT_FAILED
    if args.json:
        common.print_json({"bucket": config.status_bucket, "cors_rules": rules})
    elif not rules:
        print(f"{config.status_bucket}: no CORS rules")
    else:
        for rule in rules:
            print(
                f"{config.status_bucket}: origins {', '.join(rule.get('AllowedOrigins', []))};"
                f" methods {', '.join(rule.get('AllowedMethods', []))}; max-age {rule.get('MaxAgeSeconds', '-')}"
            )
    return exits.EXIT_OK
