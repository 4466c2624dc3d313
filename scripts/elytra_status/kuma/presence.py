"""Which of Uptime Kuma's monitors count: the selection, judged against the expected set."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from elytra_status.infra import timing
from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config
from elytra_status.kuma import expected
from elytra_status.kuma.memory import KumaMemory
from elytra_status.kuma.metrics import UNKNOWN, UNTIED, MetricsAnswer, Monitor, ParsedMetrics
from elytra_status.kuma.published import PageIncident, PageMonitor, PublishedPage


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
    # For the public bundle: the published page, every state /metrics ties to an id, past incidents.
    page: PublishedPage | None = None
    states: dict[int, int] = field(default_factory=dict)
    history: list[PageIncident] | None = None

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
    now = timing.iso_z(timing.utc_now())
    seen = dict(memory.seen)
    seen.update({m.id: now for m in parsed.monitors if m.id is not None and m.type != "group"})
    seen.update({i: now for i in untied})
    report.forgotten = sorted(
        i for i, r in missing.items() if r == expected.GONE and i in seen and i not in expect.required
    )
    for monitor_id in report.forgotten:
        del seen[monitor_id]
    report.memory = KumaMemory(parsed.process_start, seen, memory.badges)


def judge(
    parsed: ParsedMetrics, page: list[PageMonitor] | None, config: Config, memory: KumaMemory, answer: MetricsAnswer
) -> KumaReport:
    """The report of one /metrics answer: who is expected, who is missing and why, and what counts."""
    report = KumaReport(parsed.generation, parsed.version, [], memory=memory, clock_offset=answer.clock_offset)
    if parsed.process_start is not None:
        report.server_age = (answer.server_date or answer.received).timestamp() - parsed.process_start
    untied = resolve_ids_by_name(parsed.monitors, page) if parsed.generation == "1.23" else []
    judge_presence(parsed, page, {p.id for p in untied}, config, report)
    report.monitors, problems = select_monitors(parsed, page, untied, config, report)
    report.problems += problems
    report.states = {m.id: m.state for m in parsed.monitors if m.id is not None}
    for item in untied:  # a shared name: its state is known when every monitor of that name agrees
        named = {m.state for m in parsed.monitors if m.name == item.name}
        if len(named) == 1:
            report.states[item.id] = named.pop()
    return report
