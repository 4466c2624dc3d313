#!/usr/bin/env python3
"""Read Uptime Kuma with an API key: each selected monitor's state and its 24h, 7d and 30d uptime."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import common
from common import Config, Deadline, DeadlineExceeded, log

if TYPE_CHECKING:
    import requests

WINDOWS = ("24h", "7d", "30d")
BADGE_HOURS = {"24h": 24, "7d": 168, "30d": 720}
METRIC_WINDOWS = {"1d": "24h", "30d": "30d"}
STATE_NAMES = {0: "DOWN", 1: "UP", 2: "PENDING", 3: "MAINTENANCE"}
DOWN, UP, PENDING, MAINTENANCE = 0, 1, 2, 3
BADGE_WORKERS = 8

# Only these families are handed to the parser: /metrics is mostly process_* and nodejs_* series.
_WANTED = ("monitor_status", "monitor_uptime_ratio", "app_version")
_WANTED_PREFIXES = tuple(p for name in _WANTED for p in (f"{name}{{", f"{name} ", f"# HELP {name} ", f"# TYPE {name} "))
# The 365d ratio is a third of the ratio lines, and no window here uses it.
_UNUSED_WINDOW = 'window="365d"'


class KumaError(Exception):
    """Uptime Kuma could not be read; the message says what to fix."""


class KumaAuthError(KumaError):
    """The API key was rejected (401)."""


class KumaResponseError(KumaError):
    """Uptime Kuma answered something that is not usable metrics."""


class KumaUnreachable(KumaError):
    """No answer: refused, DNS, TLS or timeout."""


@dataclass(frozen=True)
class Figure:
    """One uptime figure in percent, and which of Uptime Kuma's answers gave it."""

    percent: Decimal
    source: str


@dataclass
class Monitor:
    id: int | None
    name: str
    type: str
    state: int
    uptime: dict[str, Figure] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)


@dataclass
class KumaReport:
    generation: str
    version: str | None
    monitors: list[Monitor]
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PageMonitor:
    id: int
    name: str
    type: str


# --- HTTP ------------------------------------------------------------------


def _get(session: requests.Session, url: str, config: Config, deadline: Deadline, **kwargs: Any) -> requests.Response:
    """GET with the run's timeouts; network failures become KumaUnreachable with a fix."""
    import requests

    try:
        return session.get(
            url,
            timeout=deadline.timeout(config.http_timeout_seconds),
            allow_redirects=False,
            **kwargs,
        )
    except requests.exceptions.SSLError:
        raise KumaUnreachable(
            f"TLS error talking to {url}: the certificate is not trusted or not for this host;"
            " fix the certificate or UPTIME_KUMA_URL"
        ) from None
    except requests.exceptions.ConnectTimeout:
        raise KumaUnreachable(f"no connection to {url} within the timeout: check the host and firewall") from None
    except requests.exceptions.Timeout:
        raise KumaUnreachable(
            f"{url} did not answer within {config.http_timeout_seconds:g}s (HTTP_TIMEOUT_SECONDS)"
        ) from None
    except requests.exceptions.ChunkedEncodingError:
        raise KumaResponseError(f"truncated answer from {url}: the connection broke mid-body") from None
    except requests.exceptions.ConnectionError as exc:
        text = str(exc)
        if "Name or service not known" in text or "resolve" in text or "nodename" in text:
            reason = "its host name does not resolve (DNS)"
        elif "refused" in text:
            reason = "the connection was refused: is Uptime Kuma running on that port?"
        else:
            reason = "the connection failed"
        raise KumaUnreachable(f"cannot reach {url}: {reason}; check UPTIME_KUMA_URL") from None


def fetch_metrics(session: requests.Session, config: Config, deadline: Deadline) -> str:
    """The /metrics body, checked to be whole Prometheus text."""
    url = f"{config.uptime_kuma_url}/metrics"
    response = _get(session, url, config, deadline, auth=("", config.uptime_kuma_api_key))
    if response.status_code == 401:
        raise KumaAuthError(f"API key rejected by {url}: check UPTIME_KUMA_API_KEY (wrong, disabled or expired)")
    if 300 <= response.status_code < 400:
        raise KumaResponseError(
            f"{url} redirects (HTTP {response.status_code}): a login page or proxy is in the way,"
            " or UPTIME_KUMA_URL is wrong"
        )
    if response.status_code != 200:
        raise KumaResponseError(f"{url} answered HTTP {response.status_code}; expected 200 with metrics")
    body = response.text
    kind = response.headers.get("Content-Type", "")
    if "html" in kind or body.lstrip()[:1] == "<":
        raise KumaResponseError(
            f"{url} answered an HTML page, not metrics: UPTIME_KUMA_URL is wrong or a proxy's login page is in the way"
        )
    if not body.strip():
        raise KumaResponseError(f"{url} answered an empty body: is this Uptime Kuma's /metrics?")
    if not body.endswith("\n") or "# TYPE monitor_status " not in body:
        raise KumaResponseError(f"truncated or foreign /metrics from {url}: no complete monitor_status family")
    return body


# --- /metrics parsing ------------------------------------------------------


def _label(labels: dict[str, str], name: str) -> str | None:
    value = labels.get(name)
    return None if value in (None, "", "null") else value


@dataclass
class ParsedMetrics:
    generation: str
    version: str | None
    monitors: list[Monitor]


def parse_metrics(body: str) -> ParsedMetrics:
    """Monitors, their states and ratios from /metrics text; tells the API generation apart."""
    from prometheus_client.parser import text_string_to_metric_families

    wanted = "\n".join(
        line for line in body.splitlines() if line.startswith(_WANTED_PREFIXES) and _UNUSED_WINDOW not in line
    )
    monitors: dict[tuple[str, ...], Monitor] = {}
    ratios: list[tuple[tuple[str, ...], str, float]] = []
    version = None
    try:
        for family in text_string_to_metric_families(wanted + "\n"):
            for sample in family.samples:
                labels = sample.labels
                if sample.name == "app_version":
                    version = labels.get("version")
                    continue
                key = _series_key(labels)
                if sample.name == "monitor_status":
                    monitor_id = _label(labels, "monitor_id")
                    monitors[key] = Monitor(
                        id=int(monitor_id) if monitor_id else None,
                        name=_label(labels, "monitor_name") or "",
                        type=_label(labels, "monitor_type") or "",
                        state=int(sample.value),
                    )
                elif sample.name == "monitor_uptime_ratio":
                    ratios.append((key, labels.get("window", ""), float(sample.value)))
    except (ValueError, TypeError, KeyError) as exc:
        raise KumaResponseError(f"/metrics could not be parsed as Prometheus text: {exc}") from None
    for key, window, ratio in ratios:
        if key in monitors and window in METRIC_WINDOWS and 0.0 <= ratio <= 1.0:
            monitors[key].ratios[window] = ratio
    found = list(monitors.values())
    if ratios:
        generation = "2.1+"
    elif any(m.id is not None for m in found):
        generation = "2.0"
    elif found:
        generation = "1.23"
    else:
        generation = "unknown"
    if any(m.state not in STATE_NAMES for m in found):
        raise KumaResponseError("/metrics has a monitor_status outside 0-3: not an Uptime Kuma this client knows")
    return ParsedMetrics(generation, version, found)


def _series_key(labels: dict[str, str]) -> tuple[str, ...]:
    return tuple(v for k, v in sorted(labels.items()) if k != "window")


# --- status page, heartbeat and badges ------------------------------------


def fetch_status_page(session: requests.Session, config: Config, deadline: Deadline) -> list[PageMonitor] | None:
    """The monitors on the published status page, or None (logged) when it cannot be read."""
    slug = config.uptime_kuma_status_page
    url = f"{config.uptime_kuma_url}/api/status-page/{slug}"
    try:
        response = _get(session, url, config, deadline)
        if response.status_code == 404:
            log.warning("status page %r not found or not published: check UPTIME_KUMA_STATUS_PAGE", slug)
            return None
        if response.status_code != 200:
            log.warning("status page %s answered HTTP %s: its figures are skipped", url, response.status_code)
            return None
        data = response.json()
        seen: dict[int, PageMonitor] = {}
        for group in data.get("publicGroupList") or []:
            for item in group.get("monitorList") or []:
                seen[int(item["id"])] = PageMonitor(
                    int(item["id"]), str(item.get("name", "")), str(item.get("type", ""))
                )
        return list(seen.values())
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


def fetch_page_uptimes(session: requests.Session, config: Config, deadline: Deadline) -> dict[int, float]:
    """24-hour ratios by monitor id from the status page's heartbeat API; {} when unreadable."""
    slug = config.uptime_kuma_status_page
    url = f"{config.uptime_kuma_url}/api/status-page/heartbeat/{slug}"
    try:
        response = _get(session, url, config, deadline)
        if response.status_code != 200:
            log.warning("status page heartbeat %s answered HTTP %s", url, response.status_code)
            return {}
        out = {}
        for key, value in (response.json().get("uptimeList") or {}).items():
            monitor_id, _, hours = str(key).partition("_")
            if hours == "24" and monitor_id.isdigit() and isinstance(value, int | float) and 0 <= value <= 1:
                out[int(monitor_id)] = float(value)
        return out
    except KumaError as exc:
        log.warning("status page heartbeat unreadable: %s", exc)
    except (ValueError, AttributeError):
        log.warning("status page heartbeat %s answered something that is not its JSON", url)
    return {}


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


def fetch_badge(
    session: requests.Session, config: Config, deadline: Deadline, monitor_id: int, hours: int
) -> Decimal | None:
    # Hours, not "7d": the 1.23-era server reads "7d" as 7 hours.
    url = f"{config.uptime_kuma_url}/api/badge/{monitor_id}/uptime/{hours}"
    try:
        response = _get(session, url, config, deadline)
    except (KumaError, DeadlineExceeded) as exc:
        log.warning("badge %s unreadable: %s", url, exc)
        return None
    if response.status_code != 200:
        log.warning("badge %s answered HTTP %s", url, response.status_code)
        return None
    return parse_badge(response.text)


# --- selection -------------------------------------------------------------


def select_monitors(
    monitors: list[Monitor], generation: str, page: list[PageMonitor] | None, config: Config
) -> tuple[list[Monitor], list[str]]:
    """The monitors the config asks for, with ids resolved; problems say what could not be."""
    problems: list[str] = []
    if generation == "1.23":
        _resolve_ids_by_name(monitors, page)
    if not config.monitor_ids:
        # Groups summarise their children: counting both would count a failure twice.
        return [m for m in monitors if m.type != "group"], problems
    by_id: dict[int, Monitor] = {m.id: m for m in monitors if m.id is not None}
    page_by_id = {p.id: p for p in page or []}
    chosen = []
    for monitor_id in config.monitor_ids:
        if monitor_id in by_id:
            chosen.append(by_id[monitor_id])
        elif generation == "1.23" and page is None:
            problems.append(
                f"monitor id {monitor_id} cannot be resolved: Uptime Kuma 1.23 /metrics has no ids;"
                " set UPTIME_KUMA_STATUS_PAGE to a published page that lists it"
            )
        elif generation == "1.23" and monitor_id not in page_by_id:
            problems.append(
                f"monitor id {monitor_id} cannot be resolved: it is not on status page"
                f" {config.uptime_kuma_status_page!r}"
            )
        elif generation == "1.23" and _name_is_shared(page_by_id[monitor_id].name, monitors, page):
            problems.append(
                f"monitor id {monitor_id} cannot be resolved: its name {page_by_id[monitor_id].name!r}"
                " is shared by two monitors; give them unique names"
            )
        else:
            problems.append(f"monitor id {monitor_id} is not in /metrics: paused, deleted or never created")
    return chosen, problems


def _name_is_shared(name: str, monitors: list[Monitor], page: list[PageMonitor] | None) -> bool:
    on_page = sum(1 for p in page or [] if p.name == name)
    in_metrics = sum(1 for m in monitors if m.name == name)
    return on_page > 1 or in_metrics > 1


def _resolve_ids_by_name(monitors: list[Monitor], page: list[PageMonitor] | None) -> None:
    """On 1.23 a monitor is known by name only; take the page's id where the name is unique."""
    if not page:
        return
    metric_names = Counter(m.name for m in monitors)
    page_names = Counter(p.name for p in page)
    page_ids = {p.name: p.id for p in page}
    for monitor in monitors:
        if metric_names[monitor.name] == 1 and page_names[monitor.name] == 1:
            monitor.id = page_ids[monitor.name]


# --- figures ---------------------------------------------------------------


def ratio_percent(ratio: float) -> Decimal:
    """A 0-1 ratio as an exact percent of its shortest decimal form."""
    return Decimal(repr(ratio)) * 100


def fill_uptime(
    monitors: list[Monitor],
    page: list[PageMonitor] | None,
    session: requests.Session,
    config: Config,
    deadline: Deadline,
) -> None:
    """Give each window its figure, trying the sources in the order the README documents."""
    for monitor in monitors:
        for metric_window, window in METRIC_WINDOWS.items():
            if metric_window in monitor.ratios:
                monitor.uptime[window] = Figure(
                    ratio_percent(monitor.ratios[metric_window]), f"metrics:{metric_window}"
                )
    if page is None:
        return
    on_page = {p.id for p in page}
    listed = [m for m in monitors if m.id in on_page]
    if any("24h" not in m.uptime for m in listed):
        page_uptimes = fetch_page_uptimes(session, config, deadline)
        for monitor in listed:
            if "24h" not in monitor.uptime and monitor.id in page_uptimes:
                monitor.uptime["24h"] = Figure(ratio_percent(page_uptimes[monitor.id]), "status-page:24h")
    wanted = [(m, w) for m in listed for w in WINDOWS if w not in m.uptime]
    if not wanted:
        return
    with ThreadPoolExecutor(max_workers=BADGE_WORKERS) as pool:
        results = pool.map(
            lambda item: fetch_badge(session, config, deadline, item[0].id, BADGE_HOURS[item[1]]), wanted
        )
        for (monitor, window), percent in zip(wanted, results, strict=True):
            if percent is not None:
                monitor.uptime[window] = Figure(percent, f"badge:{BADGE_HOURS[window]}h")


def read_kuma(config: Config, session: requests.Session | None = None, deadline: Deadline | None = None) -> KumaReport:
    """Everything this client reads, for the selected monitors. Raises KumaError."""
    session = session or common.make_session()
    deadline = deadline or Deadline.after(config.run_deadline_seconds)
    parsed = parse_metrics(fetch_metrics(session, config, deadline))
    page = fetch_status_page(session, config, deadline) if config.uptime_kuma_status_page else None
    selected, problems = select_monitors(parsed.monitors, parsed.generation, page, config)
    fill_uptime(selected, page, session, config, deadline)
    return KumaReport(parsed.generation, parsed.version, selected, problems)


def log_report(report: KumaReport) -> None:
    log.info(
        "uptime kuma %s (API generation %s): %d monitors selected",
        report.version or "?",
        report.generation,
        len(report.monitors),
    )
    for problem in report.problems:
        log.warning("%s", problem)
    for window in WINDOWS:
        sources = Counter(m.uptime[window].source if window in m.uptime else "none" for m in report.monitors)
        log.info("uptime %s sources: %s", window, ", ".join(f"{s}={n}" for s, n in sorted(sources.items())))


# --- CLI -------------------------------------------------------------------


def report_json(report: KumaReport) -> dict[str, Any]:
    return {
        "generation": report.generation,
        "version": report.version,
        "problems": report.problems,
        "monitors": [
            {
                "id": m.id,
                "name": m.name,
                "type": m.type,
                "state": STATE_NAMES[m.state],
                "uptime": {
                    w: (
                        {"percent": float(m.uptime[w].percent), "source": m.uptime[w].source} if w in m.uptime else None
                    )
                    for w in WINDOWS
                },
            }
            for m in report.monitors
        ],
    }


def print_table(report: KumaReport) -> None:
    print(f"Uptime Kuma {report.version or '?'} (API generation {report.generation})")
    rows = [("ID", "NAME", "TYPE", "STATE", *(f"UPTIME {w}" for w in WINDOWS))]
    for m in report.monitors:
        cells = [
            f"{m.uptime[w].percent:.2f}% ({m.uptime[w].source})" if w in m.uptime else "- (no source)" for w in WINDOWS
        ]
        rows.append((str(m.id) if m.id is not None else "?", m.name, m.type, STATE_NAMES[m.state], *cells))
    common.print_rows(rows)
    for problem in report.problems:
        print(f"problem: {problem}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    common.add_common_args(parser)
    args = parser.parse_args(argv)
    config = common.start("uptime_kuma_client", args, common.NEEDS_KUMA)
    if config is None:
        return common.EXIT_CONFIG
    try:
        report = read_kuma(config)
    except (KumaError, DeadlineExceeded) as exc:
        log.error("uptime kuma: %s", exc)
        return common.EXIT_SOURCE_FAILED
    log_report(report)
    if args.json:
        common.print_json(report_json(report))
    else:
        print_table(report)
    return common.EXIT_OK if report.monitors else common.EXIT_SOURCE_FAILED


if __name__ == "__main__":
    sys.exit(main())
