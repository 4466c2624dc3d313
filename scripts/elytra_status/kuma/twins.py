"""1.23: /metrics names monitors but gives no id. Which page ids a name stands for, and each one's state.

Uptime Kuma 1.23's Prometheus client (prom-client 13) keys a series by its labels and keeps the last
value set, so two monitors with the same name and URL are one /metrics line, whose value is that of
whichever checked last. The page's heartbeat list has each id's newest beat: it tells them apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from elytra_status.kuma.metrics import STATE_NAMES, UNKNOWN, Monitor
from elytra_status.kuma.published import PageBeats, PageMonitor


@dataclass(frozen=True)
class Tie:
    """A page id whose name is shared, tied to /metrics by that name: its state, and how it was found."""

    monitor: PageMonitor
    state: int  # Uptime Kuma's state, or UNKNOWN
    note: str


def resolve_unique(monitors: list[Monitor], page: list[PageMonitor]) -> None:
    """A name once on /metrics and once on the page is that page id's."""
    metric_names = Counter(m.name for m in monitors)
    page_names = Counter(p.name for p in page)
    page_ids = {p.name: p.id for p in page}
    for monitor in monitors:
        if metric_names[monitor.name] == 1 and page_names[monitor.name] == 1:
            monitor.id = page_ids[monitor.name]


def tie_shared(monitors: list[Monitor], page: list[PageMonitor], beats: PageBeats | None) -> list[Tie]:
    """Every page id of a name that /metrics shows and that is not unique on both sides, with its state.

    A name seen on /metrics stands for every page id of that name (none is taken for paused), except an
    id with no beat at all: it never ran, so no line is its. The state is the lines' when they all say
    the same and are at least as many as the ids; otherwise each id's newest beat on the page, provided
    every state the lines show is among those beats (else the heartbeat list, cached a minute, lags
    /metrics); otherwise unknown, never UP.
    """
    lines: dict[str, list[int]] = {}
    for monitor in monitors:
        lines.setdefault(monitor.name, []).append(monitor.state)
    by_name: dict[str, list[PageMonitor]] = {}
    for item in page:
        by_name.setdefault(item.name, []).append(item)
    ties: list[Tie] = []
    for name, items in by_name.items():
        said = lines.get(name)
        if not said or (len(items) == 1 and len(said) == 1):
            continue  # absent from /metrics (paused), or unique on both sides (resolve_unique)
        ran = [p for p in items if beats is None or p.id not in beats.no_beat] or items
        ties += _states(name, ran, said, beats)
    return ties


def _states(name: str, items: list[PageMonitor], said: list[int], beats: PageBeats | None) -> list[Tie]:
    shared = f"its name {name!r} is shared by monitors /metrics cannot tell apart"
    if len(set(said)) == 1 and len(items) <= len(said):
        return [Tie(p, said[0], f"{shared}; every line of it says {STATE_NAMES[said[0]]}") for p in items]
    latest = {p.id: beats.latest.get(p.id) for p in items} if beats is not None else {}
    seen = {b.status for b in latest.values() if b is not None}
    if beats is None or not set(said) <= seen:
        why = "the page's heartbeat list is unreadable" if beats is None else "the page's newest beats lag its lines"
        note = f"{shared}, and {why}: unknown, never UP; give them unique names"
        return [Tie(p, UNKNOWN, f"monitor id {p.id}: {note}") for p in items]
    out = []
    for item in items:
        beat = latest[item.id]
        if beat is None:
            out.append(Tie(item, UNKNOWN, f"monitor id {item.id}: {shared}, and it has no beat on the page"))
        else:
            out.append(Tie(item, beat.status, f"{shared}; state from its newest beat on the page"))
    return out
