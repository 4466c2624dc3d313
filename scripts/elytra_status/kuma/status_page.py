"""Uptime Kuma's published status page: its monitor list, 24-hour ratios and uptime badges."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config
from elytra_status.infra.timing import Deadline, DeadlineExceeded
from elytra_status.kuma.metrics import KumaError, KumaUnreachable, get, unreachable
from elytra_status.kuma.published import (  # noqa: F401
    MAX_ITEMS,
    PageBeats,
    PageIncident,
    PageMonitor,
    PublishedPage,
    incident,
    parse_beats,
    parse_page,
)

if TYPE_CHECKING:
    import requests


def fetch_status_page(session: requests.Session, config: Config, deadline: Deadline) -> PublishedPage | None:
    """The published status page (groups, monitors, incidents, maintenance), or None (logged) when unreadable."""
    slug = config.uptime_kuma_status_page
    url = f"{config.uptime_kuma_url}/api/status-page/{slug}"
    try:
        response = get(session, url, config, deadline)
        if response.status_code == 404:
            log.warning("status page %r not found or not published: check UPTIME_KUMA_STATUS_PAGE", slug)
            return None
        if response.status_code != 200:
            log.warning("status page %s answered HTTP %s: its figures are skipped", url, response.status_code)
            return None
        return parse_page(str(slug), response.json())
    except KumaUnreachable as exc:
        log.warning(
            "status page %r unreadable (%s): check UPTIME_KUMA_STATUS_PAGE; a 1.23-era server never"
            " answers an unknown slug",
            slug,
            exc,
        )
    except KumaError as exc:
        log.warning("status page %r unreadable: %s", slug, exc)
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("status page %s answered something that is not its JSON: check UPTIME_KUMA_URL", url)
    return None


def fetch_page_beats(session: requests.Session, config: Config, deadline: Deadline) -> PageBeats | None:
    """The status page's heartbeat list: each id's newest beat, 24-hour ratios, the ids that never ran.

    A monitor that never ran (paused before its first check) has an empty beat list, yet Uptime Kuma
    gives it 0 in uptimeList and in its badges: that 0 is no figure. None (logged) when unreadable.
    """
    slug = config.uptime_kuma_status_page
    url = f"{config.uptime_kuma_url}/api/status-page/heartbeat/{slug}"
    try:
        response = get(session, url, config, deadline)
        if response.status_code != 200:
            log.warning("status page heartbeat %s answered HTTP %s", url, response.status_code)
            return None
        return parse_beats(response.json())
    except KumaError as exc:
        log.warning("status page heartbeat unreadable: %s", exc)
    except (ValueError, AttributeError):
        log.warning("status page heartbeat %s answered something that is not its JSON", url)
    return None


def parse_badge(svg: str) -> Decimal | None:
    """The percentage in an uptime badge's <title>, or None for an N/A badge."""
    start = svg.find("<title>")
    end = svg.find("</title>", start)
    if start < 0 or end < 0:
        return None
    title = svg[start + 7 : end]
    head, colon, value = title.rpartition(":")
    if not colon or not head.startswith("Uptime") or not value.strip().endswith("%"):
        return None
    try:
        percent = Decimal(value.strip()[:-1])
    except ArithmeticError:
        return None
    return percent if 0 <= percent <= 100 else None


def fetch_badge(pool: Any, config: Config, deadline: Deadline, monitor_id: int, hours: int) -> Decimal | None:
    """One uptime badge's percent, through pool (http_session.make_pool); None, logged, when unreadable."""
    import urllib3

    # Hours, not "7d": the 1.23-era server reads "7d" as 7 hours.
    url = f"{config.uptime_kuma_url}/api/badge/{monitor_id}/uptime/{hours}"
    try:
        connect, read = deadline.timeout(config.http_timeout_seconds)
        response = pool.request("GET", url, timeout=urllib3.Timeout(connect=connect, read=read), redirect=False)
    except DeadlineExceeded as exc:
        log.warning("badge %s unreadable: %s", url, exc)
        return None
    except urllib3.exceptions.HTTPError as exc:
        log.warning("badge %s unreadable: %s", url, unreachable(url, exc, (connect, read)))
        return None
    if response.status != 200:
        log.warning("badge %s answered HTTP %s", url, response.status)
        return None
    # SVG is UTF-8 unless it says otherwise: no charset guessing, at a cost a thousand badges feel.
    return parse_badge(response.data.decode("utf-8", errors="replace"))


def fetch_incident_history(session: requests.Session, config: Config, deadline: Deadline) -> list[PageIncident] | None:
    """Every incident of the page, resolved ones included (2.5+), newest first, at most MAX_ITEMS.

    None when the server has no such route: the 1.23-era answers its web app's HTML there.
    """
    from urllib.parse import quote

    base = f"{config.uptime_kuma_url}/api/status-page/{config.uptime_kuma_status_page}/incident-history"
    found: list[PageIncident] = []
    cursor = None
    try:
        while len(found) < MAX_ITEMS:
            response = get(session, base + (f"?cursor={quote(cursor)}" if cursor else ""), config, deadline)
            if response.status_code != 200 or "json" not in response.headers.get("Content-Type", ""):
                return found or None
            data = response.json()
            found += [incident(item) for item in data.get("incidents") or []]
            cursor = data.get("nextCursor")
            if not data.get("hasMore") or not isinstance(cursor, str):
                break
    except (KumaError, DeadlineExceeded) as exc:
        log.warning("incident history unreadable: %s", exc)
        return None
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("incident history %s answered something that is not its JSON", base)
        return None
    return found[:MAX_ITEMS]
