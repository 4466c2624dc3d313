#!/usr/bin/env python3
"""Apply CORS from CORS_ALLOWED_ORIGINS to the status bucket (GET and HEAD), then show what is in place."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import common
import s3
import settings
from logs import log
from settings import Config


def cors_rules(config: Config) -> list[dict[str, Any]]:
    return [
        {
            "AllowedOrigins": list(config.cors_allowed_origins),
            "AllowedMethods": ["GET", "HEAD"],
            "AllowedHeaders": ["*"],
            "MaxAgeSeconds": 3600,
        }
    ]


def current_cors(client: Any, bucket: str) -> list[dict[str, Any]]:
    from botocore.exceptions import ClientError

    try:
        return client.get_bucket_cors(Bucket=bucket).get("CORSRules", [])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchCORSConfiguration":
            return []
        raise


def apply_cors(config: Config, client: Any) -> bool:
    """Put the rules unless they are already in place; True when something changed."""
    wanted = cors_rules(config)
    if _normal(current_cors(client, config.status_bucket)) == _normal(wanted):
        return False
    client.put_bucket_cors(Bucket=config.status_bucket, CORSConfiguration={"CORSRules": wanted})
    return True


def _normal(rules: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            tuple(sorted(r.get("AllowedOrigins", []))),
            tuple(sorted(r.get("AllowedMethods", []))),
            tuple(sorted(r.get("AllowedHeaders", []))),
            r.get("MaxAgeSeconds"),
        )
        for r in rules
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    common.add_common_args(parser)
    parser.add_argument("--show", action="store_true", help="only show the CORS in place; change nothing")
    args = parser.parse_args(argv)
    config = common.start("bucket_setup", args, settings.NEEDS_PUBLISH)
    if config is None:
        return common.failed(args, common.EXIT_CONFIG, "bad config (see the log line)")
    if not args.show and not config.cors_allowed_origins:
        # Empty is the documented default: no cross-origin reader. The bucket's rules are left as they are.
        log.info("CORS_ALLOWED_ORIGINS is empty: no CORS rule to apply; the bucket's rules are left as they are")
        args.show = True
    from botocore.exceptions import BotoCoreError, ClientError

    from backup_checker import source_error

    client = s3.make_s3_client(config)
    try:
        if not args.show:
            changed = apply_cors(config, client)
            log.info("CORS on %s: %s", config.status_bucket, "applied" if changed else "already in place")
        rules = current_cors(client, config.status_bucket)
    except (BotoCoreError, ClientError) as exc:
        log.error("bucket set-up failed: %s", source_error(exc, config, config.status_bucket))
        return common.EXIT_FAILED
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
    return common.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
