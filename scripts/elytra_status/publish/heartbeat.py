"""Ping HEARTBEAT_URL when a cron run ends: an Uptime Kuma push monitor or a healthchecks.io check."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from elytra_status.infra import http_session
from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config


def mask_url(url: str) -> str:
    """The URL with its token hidden: everything in the path but the /api/push/ words."""
    parts = urlsplit(url)
    segments = [s if s in ("api", "push") else "***" for s in parts.path.split("/") if s]
    return f"{parts.scheme}://{parts.netloc}/{'/'.join(segments)}"


OURS = ("status", "msg", "ping")


def push_params(url: str, status: str, message: str, duration_ms: int) -> tuple[str, list[tuple[str, str]]]:
    """The push URL as Uptime Kuma shows it (`?status=up&msg=OK&ping=`): ours replace those three, others stay."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in OURS]
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return base, [*kept, ("status", status), ("msg", message), ("ping", str(duration_ms))]


def ping(
    config: Config, ok: bool, reason: str, duration_ms: int, pool: Any = None, ok_message: str | None = None
) -> bool:
    """Report up (with the duration) or down (with the reason); a failed ping is logged, never raised.

    ok_message replaces "OK" (two sites: "standby, ready").
    """
    if not config.heartbeat_url:
        return False
    import urllib3

    # A urllib3 pool, not requests: a quiet run (run/quiet.py) imports nothing it does not use.
    pool = pool or http_session.make_pool(retries=1)
    url = config.heartbeat_url
    masked = mask_url(url)
    message = (ok_message or "OK") if ok else reason[:200]
    timeout = http_session.request_timeout(config.http_timeout_seconds)
    wait = urllib3.Timeout(connect=timeout[0], read=timeout[1])
    try:
        if "/api/push/" in urlsplit(url).path:
            base, params = push_params(url, "up" if ok else "down", message, duration_ms)
            response = pool.request("GET", base, fields=params, timeout=wait, redirect=False)
        else:
            # healthchecks.io: the URL itself for success, URL/fail for failure; the body is shown in its log.
            target = url if ok else f"{url.rstrip('/')}/fail"
            response = pool.request("POST", target, body=message.encode(), timeout=wait, redirect=False)
    except Exception as exc:  # noqa: BLE001 - a heartbeat must never fail the run
        log.warning("heartbeat %s not delivered: %s", masked, http_session.describe_failure(exc, timeout))
        return False
    if response.status >= 300:  # a redirect is not followed: the push URL must be the one that answers
        log.warning("heartbeat %s answered HTTP %s", masked, response.status)
        return False
    log.info("heartbeat %s: %s", masked, "up" if ok else f"down ({message})")
    return True
