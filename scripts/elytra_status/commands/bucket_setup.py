"""Apply CORS from CORS_ALLOWED_ORIGINS to the status bucket (GET and HEAD), then show what is in place.

It also checks that the store honours conditional writes (one PUT whose If-Match is false must fail),
which two sites need (README "Two sites"); --show changes nothing and checks nothing.
"""

from __future__ import annotations

import argparse

from elytra_status.commands import common
from elytra_status.infra import exits, s3, settings
from elytra_status.infra.logs import log
from elytra_status.infra.signed_s3 import SignedS3
from elytra_status.publish import lease
from elytra_status.publish.cors import apply_cors, current_cors
from elytra_status.render.keys import site_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="store_true", help="only show the CORS in place; change nothing")
    args, config = common.begin(parser, argv, "bucket_setup", settings.NEEDS_PUBLISH)
    if config is None:
        return common.failed(args, exits.EXIT_CONFIG, "bad config (see the log line)")
    apply = not args.show and bool(config.cors_allowed_origins)
    if not args.show and not config.cors_allowed_origins:
        # Empty is the documented default: no cross-origin reader. The bucket's rules are left as they are.
        log.info("CORS_ALLOWED_ORIGINS is empty: no CORS rule to apply; the bucket's rules are left as they are")
    from botocore.exceptions import BotoCoreError, ClientError

    from elytra_status.backups.check import source_error

    client = s3.make_s3_client(config, config.status_store)
    conditional = None
    try:
        if apply:
            changed = apply_cors(config, client)
            log.info("CORS on %s: %s", config.status_bucket, "applied" if changed else "already in place")
        if not args.show:
            conditional = conditional_writes(config)
        rules = current_cors(client, config.status_bucket)
    except (BotoCoreError, ClientError, lease.StoreError) as exc:
        log.error("bucket set-up failed: %s", source_error(exc, config, config.status_bucket, config.status_store))
        return exits.EXIT_FAILED
    if conditional == "ignored" and config.site_name:
        setting = config.status_store.endpoint_setting
        log.error("%s: the store ignores conditional writes; two sites (SITE_NAME) cannot share it", setting)
        return exits.EXIT_CONFIG
    if args.json:
        common.print_json({"bucket": config.status_bucket, "cors_rules": rules, "conditional_writes": conditional})
    elif not rules:
        print(f"{config.status_bucket}: no CORS rules")
    else:
        for rule in rules:
            print(
                f"{config.status_bucket}: origins {', '.join(rule.get('AllowedOrigins', []))};"
                f" methods {', '.join(rule.get('AllowedMethods', []))}; max-age {rule.get('MaxAgeSeconds', '-')}"
            )
    if conditional:
        print(f"{config.status_bucket}: conditional writes (If-Match, If-None-Match) {conditional}")
    return exits.EXIT_OK


def conditional_writes(config: settings.Config) -> str:
    """'honoured' or 'ignored': one PUT of a private probe object whose If-Match is false."""
    refused = lease.ignores_conditions(SignedS3(config), site_key(config, lease.PROBE_NAME))
    level = log.warning if refused else log.info
    level("conditional writes on %s: %s", config.status_bucket, refused or "honoured (a false If-Match got 412)")
    return "ignored" if refused else "honoured"
