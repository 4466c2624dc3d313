"""Read Uptime Kuma with an API key: each selected monitor's state and its 24h, 7d and 30d uptime."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import TYPE_CHECKING

from elytra_status.infra import http_session, timing
from elytra_status.infra.settings import Config
from elytra_status.infra.timing import Deadline
from elytra_status.kuma.memory import KumaMemory
from elytra_status.kuma.metrics import (  # noqa: F401 - the client's public names, as before the split
    DOWN,
    KUMA_STATES,
    MAINTENANCE,
    METRIC_WINDOWS,
    PENDING,
    STATE_NAMES,
    UNKNOWN,
    UP,
    Figure,
    KumaAuthError,
    KumaError,
    KumaResponseError,
    KumaUnreachable,
    Monitor,
    ParsedMetrics,
    fetch_metrics,
    parse_metrics,
)
from elytra_status.kuma.presence import KumaReport, judge
from elytra_status.kuma.status_page import (  # noqa: F401
    PageBeats,
    PageMonitor,
    fetch_badge,
    fetch_incident_history,
    fetch_page_beats,
    fetch_status_page,
    parse_badge,
)

if TYPE_CHECKING:
    import requests

WINDOWS = ("24h", "7d", "30d")
BADGE_HOURS = {"24h": 24, "7d": 168, "30d": 720}
BADGE_WORKERS = 8
# Why a monitor with no beat at all has no figure: Uptime Kuma's 0 for it is not an uptime.
NO_BEAT = "no beat yet (never ran): no figure, Uptime Kuma's 0 is not counted"
# A listed monitor's badge that gave nothing this run: the next run asks again (every other gap is the setup's).
NO_FIGURE = "Uptime Kuma gave no figure"
# Uptime Kuma itself caches badges for 5 minutes: fetching them oftener brings nothing new.
BADGE_CACHE_SECONDS = 300


# --- figures ---------------------------------------------------------------


def ratio_percent(ratio: float) -> Decimal:
    """A 0-1 ratio as an exact percent of its shortest decimal form."""
    return Decimal(repr(ratio)) * 100


def needs_beats(report: KumaReport, page: list[PageMonitor]) -> bool:
    """Whether the page's heartbeat list has something /metrics lacks: a 24-hour figure of a monitor that
    counts (no ratios before 2.1, none for push monitors), or a page monitor it does not report (paused)."""
    on_page = {p.id for p in page}
    lacking = any(m.id in on_page and "1d" not in m.ratios for m in report.monitors)
    return lacking or any(p.id not in report.states for p in page)


def fill_uptime(
    monitors: list[Monitor],
    page: list[PageMonitor] | None,
    beats: PageBeats | None,
    session: requests.Session,
    config: Config,
    deadline: Deadline,
    cache: dict[str, list[str]] | None = None,
) -> None:
    """Give each window its figure, trying the sources in the order the README documents."""
    for monitor in monitors:
        for metric_window, window in METRIC_WINDOWS.items():
            if metric_window in monitor.ratios:
                monitor.uptime[window] = Figure(
                    ratio_percent(monitor.ratios[metric_window]), f"metrics:{metric_window}"
                )
    on_page = {p.id for p in page or []}
    listed = [m for m in monitors if m.id in on_page]
    if beats is not None:
        for monitor in listed:
            if monitor.id in beats.no_beat:
                monitor.gaps = dict.fromkeys(WINDOWS, NO_BEAT)
        listed = [m for m in listed if m.id not in beats.no_beat]
        for monitor in listed:
            if "24h" not in monitor.uptime and monitor.id in beats.ratios:
                monitor.uptime["24h"] = Figure(ratio_percent(beats.ratios[monitor.id]), "status-page:24h")
    wanted = [(m, w) for m in listed for w in WINDOWS if w not in m.uptime]
    if cache is not None:
        wanted = [(m, w) for m, w in wanted if not _from_cache(m, w, cache)]
    if wanted:
        # One time for the round, its start: the badges expire together, in one run every 5 minutes (the one
        # that lists the backups again), never a few at a time in the runs after.
        fetched = timing.iso_z(timing.utc_now())
        connections = http_session.make_pool()
        with ThreadPoolExecutor(max_workers=BADGE_WORKERS) as pool:
            results = pool.map(
                lambda item: fetch_badge(connections, config, deadline, item[0].id, BADGE_HOURS[item[1]]), wanted
            )
            for (monitor, window), percent in zip(wanted, results, strict=True):
                if percent is not None:
                    monitor.uptime[window] = Figure(percent, f"badge:{BADGE_HOURS[window]}h")
                    if cache is not None and window != "24h":
                        cache[f"{monitor.id}/{BADGE_HOURS[window]}"] = [str(percent), fetched]
    for monitor in monitors:
        for window in WINDOWS:
            if window not in monitor.uptime and window not in monitor.gaps:
                monitor.gaps[window] = _gap(monitor, window, page, config)


def _from_cache(monitor: Monitor, window: str, cache: dict[str, list[str]]) -> bool:
    """7- and 30-day badges move slowly: one fetched under BADGE_CACHE_SECONDS ago is used again.

    The 24-hour window, and every state, come fresh each run.
    """
    if window == "24h":
        return False
    entry = cache.get(f"{monitor.id}/{BADGE_HOURS[window]}")
    if not entry:
        return False
    fetched = timing.parse_iso_z(entry[1])
    if (timing.utc_now() - fetched).total_seconds() >= BADGE_CACHE_SECONDS:
        return False
    monitor.uptime[window] = Figure(Decimal(entry[0]), f"badge:{BADGE_HOURS[window]}h (kept)")
    return True


def _gap(monitor: Monitor, window: str, page: list[PageMonitor] | None, config: Config) -> str:
    if monitor.state == UNKNOWN and monitor.id not in {p.id for p in page or []}:
        return monitor.note
    if page is None:
        return "no status page set (UPTIME_KUMA_STATUS_PAGE)"
    if monitor.id not in {p.id for p in page}:
        return f"not on status page {config.uptime_kuma_status_page!r}"
    return NO_FIGURE


def coverage(monitors: list[Monitor]) -> dict[str, tuple[int, int, dict[int, str]]]:
    """By window: how many monitors have a figure, of how many could, and why the others have none."""
    countable = [m for m in monitors if m.id is not None]
    out = {}
    for window in WINDOWS:
        gaps = {m.id: m.gaps.get(window, "no figure") for m in countable if window not in m.uptime}
        out[window] = (len(countable) - len(gaps), len(countable), gaps)
    return out


# --- the read --------------------------------------------------------------


def read_kuma(
    config: Config,
    session: requests.Session | None = None,
    deadline: Deadline | None = None,
    memory: KumaMemory | None = None,
) -> KumaReport:
    """Everything this client reads, for the selected monitors, judged against what it expects. Raises KumaError."""
    session = session or http_session.make_session()
    deadline = deadline or Deadline.after(config.run_deadline_seconds)
    answer = fetch_metrics(session, config, deadline)
    parsed = parse_metrics(answer.body)
    published = fetch_status_page(session, config, deadline) if config.uptime_kuma_status_page else None
    page = published.monitors if published else None
    # 1.23 needs the beats to tell apart monitors that share a name; the others only when /metrics lacks something.
    beats = fetch_page_beats(session, config, deadline) if page is not None and parsed.generation == "1.23" else None
    report = judge(parsed, page, config, memory or KumaMemory(), answer, beats)
    report.page = published
    if page is not None and beats is None and parsed.generation != "1.23" and needs_beats(report, page):
        beats = fetch_page_beats(session, config, deadline)
    report.beats = beats
    fill_uptime(report.monitors, page, beats, session, config, deadline, report.memory.badges)
    if published is not None:
        report.history = fetch_incident_history(session, config, deadline)
    return report


# --- CLI -------------------------------------------------------------------
