"""Which of Uptime Kuma's monitors count: the selection, judged against the expected set."""

from __future__ import annotations

from dataclasses import dataclass, field

from elytra_status.infra import timing
from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config
from elytra_status.kuma import expected, twins
from elytra_status.kuma.memory import KumaMemory
from elytra_status.kuma.metrics import UNKNOWN, MetricsAnswer, Monitor, ParsedMetrics
from elytra_status.kuma.published import PageBeats, PageIncident, PageMonitor, PublishedPage
from elytra_status.kuma.twins import Tie


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
    # The page's heartbeat list, when this run read it: its paused monitors' beats and figures.
    beats: PageBeats | None = None

    @property
    def incomplete(self) -> bool:
        """True when an expected monitor's state is unknown, or the run is blind: exit 3."""
        return self.blind or any(m.state == UNKNOWN for m in self.monitors)


# --- selection -------------------------------------------------------------


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
    if monitor_id not in {p.id for p in page}:
        return (
            f"monitor id {monitor_id} cannot be resolved: it is not on status page {config.uptime_kuma_status_page!r}"
        )
    return None


def select_monitors(
    parsed: ParsedMetrics,
    page: list[PageMonitor] | None,
    ties: list[Tie],
    config: Config,
    report: KumaReport,
) -> tuple[list[Monitor], list[str]]:
    """The monitors that count: the ones asked for, plus an UNKNOWN one for each missing id that must.

    A 1.23 name shared by several page ids counts once per id (ties), never as its nameless lines.
    """
    problems: list[str] = []
    expect, missing = report.expectation, report.missing
    page_by_id = {p.id: p for p in page or []}
    tied_names = {t.monitor.name for t in ties}
    known = [m for m in parsed.monitors if not (m.id is None and m.name in tied_names)]
    known += [
        Monitor(t.monitor.id, t.monitor.name, t.monitor.type, t.state, note=t.note if t.state == UNKNOWN else "")
        for t in ties
    ]
    if config.monitor_ids:
        by_id = {m.id: m for m in known if m.id is not None}
        chosen = [by_id[i] for i in config.monitor_ids if i in by_id]
    else:
        # Groups summarise their children: counting both would count a failure twice.
        chosen = [m for m in known if m.type != "group"]
    problems += [m.note for m in chosen if m.state == UNKNOWN]
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
    parsed: ParsedMetrics, page: list[PageMonitor] | None, tied: set[int], config: Config, report: KumaReport
) -> None:
    """Fill the report's expectation, missing ids, blindness and the memory for the next run."""
    memory = report.memory
    present = {m.id for m in parsed.monitors if m.id is not None} | tied
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
    seen.update({i: now for i in tied})
    report.forgotten = sorted(
        i for i, r in missing.items() if r == expected.GONE and i in seen and i not in expect.required
    )
    for monitor_id in report.forgotten:
        del seen[monitor_id]
    report.memory = KumaMemory(parsed.process_start, seen, memory.badges)


def judge(
    parsed: ParsedMetrics,
    page: list[PageMonitor] | None,
    config: Config,
    memory: KumaMemory,
    answer: MetricsAnswer,
    beats: PageBeats | None = None,
) -> KumaReport:
    """The report of one /metrics answer: who is expected, who is missing and why, and what counts.

    beats: the page's heartbeat list, which tells apart the 1.23 monitors that share a name (twins.py).
    """
    report = KumaReport(parsed.generation, parsed.version, [], memory=memory, clock_offset=answer.clock_offset)
    if parsed.process_start is not None:
        report.server_age = (answer.server_date or answer.received).timestamp() - parsed.process_start
    ties: list[Tie] = []
    if parsed.generation == "1.23" and page:
        twins.resolve_unique(parsed.monitors, page)
        ties = twins.tie_shared(parsed.monitors, page, beats)
    judge_presence(parsed, page, {t.monitor.id for t in ties}, config, report)
    report.monitors, problems = select_monitors(parsed, page, ties, config, report)
    report.problems += problems
    report.states = {m.id: m.state for m in parsed.monitors if m.id is not None}
    report.states.update({t.monitor.id: t.state for t in ties if t.state != UNKNOWN})
    return report
