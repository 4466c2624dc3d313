"""The public file as the website sees it: reachable, fresh, valid, CORS, headers, and written by this generator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elytra_status.infra import http_session
from elytra_status.infra.settings import Config
from elytra_status.publish import public_set
from elytra_status.render import status_doc


def check(
    config: Config,
    now: datetime,
    origins: tuple[str, ...],
    generator: str | None,
    session: Any = None,
    peers: frozenset[str] = frozenset(),
) -> list[str]:
    """Every problem found with the public file; an empty list means all is well.

    generator: this generator's id (STATE_FILE), or None before it has one. peers: the other sites' ids,
    as this site's last run saved them: with two sites, the file the writing site published is all well.
    """
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
    writer = writer_problem(response.headers.get(public_set.HEADER), generator, peers)
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


def writer_problem(found: str | None, mine: str | None, peers: frozenset[str] = frozenset()) -> str | None:
    """Another writer's object: its generator id (x-amz-meta-generator) is neither the one in STATE_FILE nor
    another site's. Only asked once this generator has an id on record; a CDN that drops x-amz-meta-* headers
    reads as none."""
    if mine is None or found == mine or found in peers:
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
