"""What a read of Uptime Kuma found, told: one log line per fact, and the JSON of the client's --json."""

from __future__ import annotations

from collections import Counter
from typing import Any

from elytra_status.infra.logs import log
from elytra_status.kuma.metrics import STATE_NAMES, UNKNOWN
from elytra_status.kuma.presence import KumaReport
from elytra_status.kuma.read import WINDOWS, coverage


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
            by_gap: dict[str, list[int]] = {}
            for monitor_id, gap in sorted(gaps.items()):
                by_gap.setdefault(gap, []).append(monitor_id)
            why = "; ".join(f"{_ids(ids)}: {gap}" for gap, ids in list(by_gap.items())[:LISTED])
            log.warning("uptime %s leaves out monitors %s (%s)", window, _ids(sorted(gaps)), why)


# A log line names at most this many ids or reasons, then counts the rest: one line stays short.
LISTED = 10


def _ids(ids: list[int]) -> str:
    """The ids, the first LISTED of them and a count of the rest."""
    shown = ",".join(str(i) for i in ids[:LISTED])
    return shown if len(ids) <= LISTED else f"{shown} and {len(ids) - LISTED} more"


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
