#!/usr/bin/env python3
"""Check STATUS_PUBLIC_URL as the website sees it; one line out, Nagios-style exit codes (0 OK, 2 CRITICAL)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

import common
import http_session
import public_set
import run_state
import settings
import status_doc
import timing
from settings import Config

if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_CRITICAL = 2


def check(config: Config, now: datetime, origins: tuple[str, ...], session: Any = None) -> list[str]:
    """Every problem found with the public file; an empty list means all is well."""
    import requests

    session = session or http_session.make_session(retries=1)
    url = config.status_public_url
    timeout = http_session.request_timeout(config.http_timeout_seconds)
    problems: list[str] = []
    for origin in origins or ("",):
        headers = {"Origin": origin} if origin else {}
        try:
            response = session.get(url, headers=headers, timeout=timeout)
        except requests.RequestException as exc:
            return [f"{url} unreachable: {type(exc).__name__}"]
        if response.status_code != 200:
            return [f"{url} answered HTTP {response.status_code}"]
        if origin:
            allowed = response.headers.get("Access-Control-Allow-Origin")
            if allowed not in (origin, "*"):
                problems.append(f"GET from origin {origin} got Access-Control-Allow-Origin {allowed!r}")
            problems += _preflight(session, url, origin, timeout)
    writer = writer_problem(response.headers.get(public_set.HEADER), run_state.generator_of(config.state_file))
    if writer:
        problems.append(writer)
    kind = response.headers.get("Content-Type", "")
    if kind.split(";")[0].strip() != "application/json":
        problems.append(f"Content-Type is {kind!r}, expected application/json")
    expected_cache = status_doc.cache_control(config)
    if response.headers.get("Cache-Control") != expected_cache:
        problems.append(f"Cache-Control is {response.headers.get('Cache-Control')!r}, expected {expected_cache!r}")
    try:
        document, age = status_doc.status_age(response.content, now)
    except status_doc.InvalidStatus as exc:
        return [*problems, f"body is not a valid status document: {exc}"]
    freshness = status_doc.freshness_problem(document, age, config)
    return [*problems, freshness] if freshness else problems


def writer_problem(found: str | None, mine: str | None) -> str | None:
    """Another writer's object: its generator id (x-amz-meta-generator) is not the one in STATE_FILE.

    Only asked once this generator has an id on record; a CDN that drops x-amz-meta-* headers reads as none.
    """
    if mine is None or found == mine:
        return None
    who = f"generator {found[:12]}" if found else "no generator id (a hand upload, or another tool)"
    return f"written by another writer: it carries {who}, not this generator's {mine[:12]}"


def _preflight(session: Any, url: str, origin: str, timeout: tuple[float, float]) -> list[str]:
    """The CORS preflight a browser sends: the bucket's rules must allow this origin to GET."""
    import requests

    try:
        response = session.options(
            url, headers={"Origin": origin, "Access-Control-Request-Method": "GET"}, timeout=timeout
        )
    except requests.RequestException as exc:
        return [f"CORS preflight for {origin} failed: {type(exc).__name__}"]
    allowed = response.headers.get("Access-Control-Allow-Origin")
    if response.status_code >= 400 or allowed not in (origin, "*"):
        return [f"CORS does not allow origin {origin} (preflight HTTP {response.status_code})"]
    return []


def main(argv: list[str] | None = None, now: Callable[[], datetime] = timing.utc_now) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    common.add_common_args(parser)
    parser.add_argument("--origin", action="append", help="origin to test (default: CORS_ALLOWED_ORIGINS)")
    args = parser.parse_args(argv)
    config = common.start("public_check", args, settings.NEEDS_PUBLIC_CHECK, stream=sys.stderr)
    if config is None:
        print("CRITICAL: bad config (see the line above)")
        return EXIT_CRITICAL
    origins = tuple(args.origin or (o for o in config.cors_allowed_origins if o != "*"))
    problems = check(config, now(), origins)
    if args.json:
        common.print_json({"ok": not problems, "url": config.status_public_url, "problems": problems})
    elif problems:
        print(f"CRITICAL: {config.status_public_url}: {'; '.join(problems)}")
    else:
        cors = f" and CORS for {', '.join(origins)}" if origins else " (no CORS check: no origin given)"
        print(f"OK: {config.status_public_url} is fresh, valid, with the right headers{cors}")
    return common.EXIT_OK if not problems else EXIT_CRITICAL


if __name__ == "__main__":
    sys.exit(main())
