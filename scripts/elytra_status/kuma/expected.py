"""Which monitors a run should be judging, and why each one it cannot see is missing."""

from __future__ import annotations

from dataclasses import dataclass

# Uptime Kuma starts its monitors one by one, 0.3-1 s apart, and a monitor has no /metrics
# series until its first check is stored (a check may take its whole timeout). So after a
# restart a monitor is given 60 s plus 1 s per monitor, at most 20 minutes, before it counts as gone.
WARMUP_BASE_SECONDS = 60.0
WARMUP_PER_MONITOR_SECONDS = 1.0
WARMUP_MAX_SECONDS = 1200.0

NOT_CHECKED = "not checked since the restart"
GONE = "paused or deleted"


def warmup_seconds(monitors: int) -> float:
    """How long after a start a monitor may still be missing because it was not checked yet."""
    return min(WARMUP_BASE_SECONDS + WARMUP_PER_MONITOR_SECONDS * monitors, WARMUP_MAX_SECONDS)


@dataclass(frozen=True)
class Expectation:
    """The ids a run should see, where that knowledge came from, and which ids must never be dropped."""

    ids: frozenset[int]
    sources: tuple[str, ...]
    required: frozenset[int]

    @property
    def source(self) -> str:
        return " + ".join(self.sources) if self.sources else "none (first run)"


def expectation(
    monitor_ids: tuple[int, ...],
    critical_ids: tuple[int, ...],
    seen_before: set[int],
    page_ids: set[int] | None,
) -> Expectation:
    """MONITOR_IDS when set; otherwise what earlier runs saw and what the published page lists.

    Configured and critical ids are required: missing, they are unknown, never silently dropped.
    """
    required = frozenset(monitor_ids) | frozenset(critical_ids)
    if monitor_ids:
        return Expectation(frozenset(monitor_ids), ("MONITOR_IDS",), required)
    ids: set[int] = set(critical_ids)
    sources = ["CRITICAL_MONITOR_IDS"] if critical_ids else []
    if seen_before:
        ids |= seen_before
        sources.append("earlier runs")
    if page_ids:
        ids |= page_ids
        sources.append("status page")
    return Expectation(frozenset(ids), tuple(sources), required)


def missing_reasons(
    expected: Expectation, present: set[int], warming_up: bool, seen_before: set[int]
) -> dict[int, str]:
    """Each expected id absent from /metrics, with why: not checked yet, or gone.

    While warming up, "not checked yet" is given to what should be there: an id seen before the
    restart, a required one, or any id when there is no history. A page id that no earlier run
    saw was already absent before the restart: paused.
    """
    out = {}
    for monitor_id in sorted(expected.ids - present):
        due = monitor_id in seen_before or monitor_id in expected.required or not seen_before
        out[monitor_id] = NOT_CHECKED if warming_up and due else GONE
    return out


def counts_as_unknown(monitor_id: int, reason: str, expected: Expectation) -> bool:
    """A missing monitor that still counts, as not UP: required ones always, others while warming up.

    A monitor only remembered or listed on the page, gone after the warm-up, is treated as paused.
    """
    return monitor_id in expected.required or reason == NOT_CHECKED
