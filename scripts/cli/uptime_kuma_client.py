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
import expected
from common import Config, Deadline, DeadlineExceeded, log
from kuma_metrics import (  # noqa: F401 - the client's public names, as before the split
    DOWN,
    KUMA_STATES,
    MAINTENANCE,
    METRIC_WINDOWS,
    PENDING,
    STATE_NAMES,
    UNKNOWN,
    UNTIED,
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
from kuma_page import PageMonitor, fetch_badge, fetch_page_uptimes, fetch_status_page, parse_badge  # noqa: F401
from run_state import KumaMemory

if TYPE_CHECKING:
    import requests

WINDOWS = ("24h", "7d", "30d")
BADGE_HOURS = {"24h": 24, "7d": 168, "30d": 720}
BADGE_WORKERS = 8


@dataclass
class KumaReport:
    generation: str
    version: str | None
    monitors: list[Monitor]
    problems: list[str] = field(default_factory=list)
    expectation: expected.Expectation | None = None
    # Every expected id absent from /metrics, with why; and the remembered ones now taken as gone.
    missing: dict[int, str] = field(default_factory=dict)
    forgotten: list[int] = field(default_factory=list)
    # A server younger than its warm-up, with no earlier run on record: nothing can be vouched for.
    blind: bool = False
    clock_offset: float | None = None
    server_age: float | None = None
    memory: KumaMemory = field(default_factory=KumaMemory)

    @property
    def incomplete(self) -> bool:
        """True when an expected monitor's state is unknown, or the run is blind: exit 3."""
        return self.blind or any(m.state == UNKNOWN for m in self.monitors)


# --- selection -------------------------------------------------------------


def resolve_ids_by_name(monitors: list[Monitor], page: list[PageMonitor] | None) -> list[PageMonitor]:
    """On 1.23 a monitor is known by name only: take the page's id where the name is unique.

    Returns the page monitors whose name is shared but whose same-named monitors are all on
    /metrics: their figures count by id, their states through the unnamed twins.
    """
    if not page:
        return []
    metric_names = Counter(m.name for m in monitors)
    page_names = Counter(p.name for p in page)
    page_ids = {p.name: p.id for p in page}
    for monitor in monitors:
        if metric_names[monitor.name] == 1 and page_names[monitor.name] == 1:
            monitor.id = page_ids[monitor.name]
    return [
        p
        for p in page
        if max(page_names[p.name], metric_names[p.name]) > 1 and metric_names[p.name] >= page_names[p.name]
    ]


def _unresolved_note(
    monitor_id: int, parsed: ParsedMetrics, page: list[PageMonitor] | None, config: Config
) -> str | None:
    """Why a 1.23 id cannot be tied to /metrics, or None when that is not the problem."""
    if parsed.generation != "1.23":
        return None
    if page is None:
        return (
            f"monitor id {monitor_id} cannot be resolved: Uptime Kuma 1.23 /metrics has no ids;"
            " set UPTIME_KUMA_STATUS_PAGE to a published page that lists it"
        )
    page_names, metric_names = Counter(p.name for p in page), Counter(m.name for m in parsed.monitors)
    on_page = {p.id: p for p in page}
    if monitor_id not in on_page:
        return (
            f"monitor id {monitor_id} cannot be resolved: it is not on status page {config.uptime_kuma_status_page!r}"
        )
    name = on_page[monitor_id].name
    if page_names[name] > 1 or metric_names[name] > 1:
        return (
            f"monitor id {monitor_id} cannot be resolved: its name {name!r}"
            " is shared by two monitors; give them unique names (its figures still count, by id)"
        )
    return None


def select_monitors(
    parsed: ParsedMetrics,
    page: list[PageMonitor] | None,
    untied: list[PageMonitor],
    config: Config,
    report: KumaReport,
) -> tuple[list[Monitor], list[str]]:
    """The monitors that count: the ones asked for, plus an UNKNOWN one for each missing id that must."""
    problems: list[str] = []
    expect, missing = report.expectation, report.missing
    page_by_id = {p.id: p for p in page or []}
    if config.monitor_ids:
        by_id = {m.id: m for m in parsed.monitors if m.id is not None}
        chosen = [by_id[i] for i in config.monitor_ids if i in by_id]
    else:
        # Groups summarise their children: counting both would count a failure twice.
        chosen = [m for m in parsed.monitors if m.type != "group"]
        shared = "its name is shared: its state counts through a same-named monitor, its figures by id"
        chosen += [Monitor(p.id, p.name, p.type, UNTIED, note=shared) for p in untied if p.type != "group"]
    for monitor_id in config.monitor_ids:
        if monitor_id in missing or any(m.id == monitor_id for m in chosen):
            continue
        note = _unresolved_note(monitor_id, parsed, page, config) or "not tied to /metrics"
        problems.append(note)
        item = page_by_id.get(monitor_id)
        chosen.append(Monitor(monitor_id, item.name if item else "", item.type if item else "", UNKNOWN, note=note))
    for monitor_id, reason in missing.items():
        if expected.counts_as_unknown(monitor_id, reason, expect) and not any(m.id == monitor_id for m in chosen):
            note = _unresolved_note(monitor_id, parsed, page, config)
            problems += [note] if note else []
            note = note or f"absent from /metrics: {reason}"
            item = page_by_id.get(monitor_id)
            chosen.append(Monitor(monitor_id, item.name if item else "", item.type if item else "", UNKNOWN, note=note))
    return chosen, problems


def judge_presence(
    parsed: ParsedMetrics, page: list[PageMonitor] | None, untied_ids: set[int], config: Config, report: KumaReport
) -> None:
    """Fill the report's expectation, missing ids, blindness and the memory for the next run."""
    memory = report.memory
    untied = untied_ids
    present = {m.id for m in parsed.monitors if m.id is not None} | untied
    page_ids = {p.id for p in page or [] if p.type != "group"}
    expect = expected.expectation(config.monitor_ids, config.critical_monitor_ids, set(memory.seen), page_ids)
    warm_up = expected.warmup_seconds(max(len(expect.ids), len(present)))
    warming = report.server_age is not None and report.server_age < warm_up
    missing = expected.missing_reasons(expect, present, warming, set(memory.seen))
    report.expectation, report.missing = expect, missing
    report.blind = warming and not memory.seen and not (config.monitor_ids and not missing)
    if parsed.process_start is not None and memory.process_start not in (None, parsed.process_start):
        log.info("uptime kuma restarted: process start %s, %.0fs ago", parsed.process_start, report.server_age or 0)
    if warming:
        log.info(
            "uptime kuma started %.0fs ago: warm-up of %.0fs for its monitors' first checks", report.server_age, warm_up
        )
    if report.blind:
        report.problems.append(
            f"uptime kuma started {report.server_age:.0f}s ago and no earlier run is on record: its monitors may"
            " not all be checked yet, so the platform is unknown until the warm-up ends (or set MONITOR_IDS)"
        )
    now = common.iso_z(common.utc_now())
    seen = dict(memory.seen)
    seen.update({m.id: now for m in parsed.monitors if m.id is not None and m.type != "group"})
    seen.update({i: now for i in untied})
    report.forgotten = sorted(
        i for i, r in missing.items() if r == expected.GONE and i in seen and i not in expect.required
    )
    for monitor_id in report.forgotten:
        del seen[monitor_id]
    report.memory = KumaMemory(parsed.process_start, seen)


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
    on_page = {p.id for p in page or []}
    listed = [m for m in monitors if m.id in on_page]
    if page is not None and any("24h" not in m.uptime for m in listed):
        page_uptimes = fetch_page_uptimes(session, config, deadline)
        for monitor in listed:
            if "24h" not in monitor.uptime and monitor.id in page_uptimes:
                monitor.uptime["24h"] = Figure(ratio_percent(page_uptimes[monitor.id]), "status-page:24h")
    wanted = [(m, w) for m in listed for w in WINDOWS if w not in m.uptime]
    if wanted:
        with ThreadPoolExecutor(max_workers=BADGE_WORKERS) as pool:
            results = pool.map(
                lambda item: fetch_badge(session, config, deadline, item[0].id, BADGE_HOURS[item[1]]), wanted
            )
            for (monitor, window), percent in zip(wanted, results, strict=True):
                if percent is not None:
                    monitor.uptime[window] = Figure(percent, f"badge:{BADGE_HOURS[window]}h")
    for monitor in monitors:
        for window in WINDOWS:
            if window not in monitor.uptime:
                monitor.gaps[window] = _gap(monitor, window, page, config)


def _gap(monitor: Monitor, window: str, page: list[PageMonitor] | None, config: Config) -> str:
    if monitor.state == UNKNOWN and monitor.id not in {p.id for p in page or []}:
        return monitor.note
    if page is None:
        return "no status page set (UPTIME_KUMA_STATUS_PAGE)"
    if monitor.id not in {p.id for p in page}:
        return f"not on status page {config.uptime_kuma_status_page!r}"
    return "Uptime Kuma gave no figure"


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
    session = session or common.make_session()
    deadline = deadline or Deadline.after(config.run_deadline_seconds)
    answer = fetch_metrics(session, config, deadline)
    parsed = parse_metrics(answer.body)
    page = fetch_status_page(session, config, deadline) if config.uptime_kuma_status_page else None
    report = KumaReport(parsed.generation, parsed.version, [], memory=memory or KumaMemory())
    report.clock_offset = answer.clock_offset
    if parsed.process_start is not None:
        report.server_age = ((answer.server_date or answer.received).timestamp()) - parsed.process_start
    untied = resolve_ids_by_name(parsed.monitors, page) if parsed.generation == "1.23" else []
    judge_presence(parsed, page, {p.id for p in untied}, config, report)
    report.monitors, problems = select_monitors(parsed, page, untied, config, report)
    report.problems += problems
    fill_uptime(report.monitors, page, session, config, deadline)
    return report


def log_report(report: KumaReport) -> None:
    log.info(
        "uptime kuma %s (API generation %s): %d monitors selected; expected set from %s",
        report.version or "?",
        report.generation,
        len(report.monitors),
        report.expectation.source if report.expectation else "-",
    )
    for problem in report.problems:
        log.warning("%s", problem)
    by_reason: dict[str, list[int]] = {}
    for monitor_id, reason in report.missing.items():
        by_reason.setdefault(reason, []).append(monitor_id)
    counted = {m.id for m in report.monitors if m.state == UNKNOWN}
    for reason, ids in by_reason.items():
        unknown = [i for i in ids if i in counted]
        others = [i for i in ids if i not in counted]
        if unknown:
            log.warning("monitors %s missing from /metrics: %s; counted as unknown, never UP", _ids(unknown), reason)
        if others:
            forgotten = [i for i in others if i in report.forgotten]
            level = log.warning if forgotten else log.info
            level("monitors %s missing from /metrics: %s; left out, as paused monitors are", _ids(others), reason)
    for window, (have, of, gaps) in coverage(report.monitors).items():
        sources = Counter(m.uptime[window].source for m in report.monitors if window in m.uptime)
        listed = ", ".join(f"{s}={n}" for s, n in sorted(sources.items())) or "none"
        log.info("uptime %s sources: %s; coverage %d of %d", window, listed, have, of)
        if gaps:
            why = "; ".join(f"{i}: {g}" for i, g in sorted(gaps.items()))
            log.warning("uptime %s leaves out monitors %s (%s)", window, _ids(sorted(gaps)), why)


def _ids(ids: list[int]) -> str:
    return ",".join(str(i) for i in ids)


# --- CLI -------------------------------------------------------------------


def report_json(report: KumaReport) -> dict[str, Any]:
    return {
        "generation": report.generation,
        "version": report.version,
        "expected_from": report.expectation.source if report.expectation else None,
        "missing": {str(i): r for i, r in report.missing.items()},
        "problems": report.problems,
        "coverage": {w: {"have": h, "of": o} for w, (h, o, _) in coverage(report.monitors).items()},
        "monitors": [
            {
                "id": m.id,
                "name": m.name,
                "type": m.type,
                "state": STATE_NAMES[m.state],
                "note": m.note or None,
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
    print("coverage  " + ", ".join(f"{w}: {h} of {o}" for w, (h, o, _) in coverage(report.monitors).items()))
    if report.expectation:
        print(f"expected  from {report.expectation.source}")
    for monitor_id, reason in report.missing.items():
        print(f"missing   {monitor_id}: {reason}")
    for problem in report.problems:
        print(f"problem: {problem}")


def main(argv: list[str] | None = None) -> int:
    import run_state

    parser = argparse.ArgumentParser(description=__doc__)
    common.add_common_args(parser)
    args = parser.parse_args(argv)
    config = common.start("uptime_kuma_client", args, common.NEEDS_KUMA)
    if config is None:
        return common.EXIT_CONFIG
    try:
        report = read_kuma(config, memory=run_state.load(config.state_file).kuma)
    except (KumaError, DeadlineExceeded) as exc:
        log.error("uptime kuma: %s", exc)
        return common.EXIT_SOURCE_FAILED
    log_report(report)
    if args.json:
        common.print_json(report_json(report))
    else:
        print_table(report)
    return common.EXIT_OK if report.monitors and not report.incomplete else common.EXIT_SOURCE_FAILED


if __name__ == "__main__":
    sys.exit(main())
