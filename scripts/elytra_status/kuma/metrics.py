"""Uptime Kuma's /metrics over HTTP: the request, the completeness check and the parse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from elytra_status.infra import http_session, timing
from elytra_status.infra.settings import Config
from elytra_status.infra.timing import Deadline

if TYPE_CHECKING:
    import requests

METRIC_WINDOWS = {"1d": "24h", "30d": "30d"}
DOWN, UP, PENDING, MAINTENANCE = 0, 1, 2, 3
# Not Uptime Kuma's: UNKNOWN is an expected monitor this run has no current data for (never UP).
UNKNOWN = -1
STATE_NAMES = {0: "DOWN", 1: "UP", 2: "PENDING", 3: "MAINTENANCE", UNKNOWN: "UNKNOWN"}
KUMA_STATES = (DOWN, UP, PENDING, MAINTENANCE)

# Only these families are handed to the parser: /metrics is mostly process_* and nodejs_* series.
_WANTED = ("monitor_status", "monitor_uptime_ratio", "app_version", "process_start_time_seconds")
_WANTED_PREFIXES = tuple(p for name in _WANTED for p in (f"{name}{{", f"{name} ", f"# HELP {name} ", f"# TYPE {name} "))
# The 365d ratio is a third of the ratio lines, and no window here uses it.
_UNUSED_WINDOW = 'window="365d"'
# Every Uptime Kuma from 1.23 to 2.5 writes this family last, after the monitor, process and
# Node.js families: a body whose last line is not its sample was cut, wherever the cut fell.
LAST_FAMILY = "expressjs_number_of_open_connections"


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
    # Why the state is UNKNOWN; and, by window, why a figure is missing.
    note: str = ""
    gaps: dict[str, str] = field(default_factory=dict)


@dataclass
class MetricsAnswer:
    """The body, and the server's Date header beside this machine's clock when it arrived."""

    body: str
    server_date: datetime | None
    received: datetime

    @property
    def clock_offset(self) -> float | None:
        """Seconds this machine's clock is ahead of the server's (negative: behind)."""
        if self.server_date is None:
            return None
        return (self.received - self.server_date).total_seconds()


# --- HTTP ------------------------------------------------------------------


def get(session: requests.Session, url: str, config: Config, deadline: Deadline, **kwargs: Any) -> requests.Response:
    """GET with the run's timeouts; network failures become KumaUnreachable with a fix."""
    import requests

    timeout = deadline.timeout(config.http_timeout_seconds)
    try:
        return session.get(url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.exceptions.ChunkedEncodingError:
        raise KumaResponseError(f"truncated answer from {url}: the connection broke mid-body") from None
    except requests.exceptions.RequestException as exc:
        raise unreachable(url, exc, timeout) from None


def unreachable(url: str, exc: Exception, timeout: tuple[float, float]) -> KumaUnreachable:
    """A network failure as KumaUnreachable, with what to fix."""
    reason = http_session.describe_failure(exc, timeout)
    if reason.startswith("TLS"):
        fix = "fix the certificate or UPTIME_KUMA_URL"
    elif reason.startswith("timed out"):
        fix = "Uptime Kuma hangs or is swamped (HTTP_TIMEOUT_SECONDS bounds the wait)"
    elif "refused" in reason:
        fix = "is Uptime Kuma running on that port? check UPTIME_KUMA_URL"
    else:
        fix = "check UPTIME_KUMA_URL, DNS and the firewall"
    return KumaUnreachable(f"cannot reach {url}: {reason}; {fix}")


def fetch_metrics(session: requests.Session, config: Config, deadline: Deadline) -> MetricsAnswer:
    """The /metrics body, checked to be whole Prometheus text, with the server's Date."""
    url = f"{config.uptime_kuma_url}/metrics"
    response = get(session, url, config, deadline, auth=("", config.uptime_kuma_api_key))
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
    if not is_whole(body):
        raise KumaResponseError(
            f"truncated or foreign /metrics from {url}: cut off (it does not end with the {LAST_FAMILY}"
            " sample every Uptime Kuma writes last); a proxy or a broken connection; nothing of it is used"
        )
    return MetricsAnswer(body, timing.parse_http_date(response.headers.get("Date")), timing.utc_now())


def is_whole(body: str) -> bool:
    """True only for a body that ends where Uptime Kuma ends it, with the monitor families in it."""
    if not body.endswith("\n") or "# TYPE monitor_status " not in body:
        return False
    name, _, value = body[:-1].rpartition("\n")[2].partition(" ")
    try:
        float(value)
    except ValueError:
        return False
    return name == LAST_FAMILY


# --- /metrics parsing ------------------------------------------------------


def _label(labels: dict[str, str], name: str) -> str | None:
    value = labels.get(name)
    return None if value in (None, "", "null") else value


@dataclass
class ParsedMetrics:
    generation: str
    version: str | None
    monitors: list[Monitor]
    process_start: int | None = None


def wanted_lines(body: str) -> list[str]:
    """The lines of the families this client reads: all a run's files take from /metrics."""
    return [line for line in body.splitlines() if line.startswith(_WANTED_PREFIXES) and _UNUSED_WINDOW not in line]


def parse_metrics(body: str) -> ParsedMetrics:
    """Monitors, their states and ratios from /metrics text; tells the API generation apart."""
    from elytra_status.kuma import prom_text

    wanted = "\n".join(wanted_lines(body))
    monitors: dict[tuple[str, ...], Monitor] = {}
    ratios: list[tuple[tuple[str, ...], str, float]] = []
    version = None
    process_start = None
    try:
        for name, labels, value in prom_text.samples(wanted + "\n"):
            if name == "app_version":
                version = labels.get("version")
                continue
            if name == "process_start_time_seconds":
                process_start = int(value)
                continue
            key = _series_key(labels)
            if name == "monitor_status":
                monitor_id = _label(labels, "monitor_id")
                monitors[key] = Monitor(
                    id=int(monitor_id) if monitor_id else None,
                    name=_label(labels, "monitor_name") or "",
                    type=_label(labels, "monitor_type") or "",
                    state=int(value),
                )
            elif name == "monitor_uptime_ratio":
                ratios.append((key, labels.get("window", ""), float(value)))
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
    if any(m.state not in KUMA_STATES for m in found):
        raise KumaResponseError("/metrics has a monitor_status outside 0-3: not an Uptime Kuma this client knows")
    return ParsedMetrics(generation, version, found, process_start)


def _series_key(labels: dict[str, str]) -> tuple[str, ...]:
    return tuple(v for k, v in sorted(labels.items()) if k != "window")
