"""The id record at build time: taken from the state (seeded once from what that state already published), and
the ids of one site's own page. With two sites the merge gives the page its ids (judge/verdict.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.judge import ids
from elytra_status.render.incidents import ts
from elytra_status.render.keys import component_id

if TYPE_CHECKING:
    from elytra_status.kuma.published import PageIncident, PublishedPage
    from elytra_status.render.bundle_memory import BundleMemory


def record_of(
    saved: dict[str, Any], memory: BundleMemory, days: dict[str, Any], generator: str, now: datetime
) -> ids.IdRecord:
    """The record kept in the state; an empty one is seeded from the components, incidents and windows this
    state published, so that every id already out stays (m1 with one site; a name's hash with two, before)."""
    if saved:
        return ids.from_json(saved)
    record = ids.IdRecord()
    names = {**(days.get("carried") or {}).get("names", {}), **days.get("names", {})}
    for group in (memory.page or {}).get("groups", []):
        for kind, number, name in [("g", group["id"], group["name"])] + [
            ("m", m["id"], m["name"]) for m in group["monitors"]
        ]:
            for cid in (component_id(kind, number, name, False), component_id(kind, number, name, True)):
                if cid in memory.components:
                    names.setdefault(cid, name)
    items = [*memory.open_incidents.values(), *memory.resolved, *memory.maintenances.values(), *memory.completed]
    ids.seed(record, names, items, generator, ts(now))
    return record


def own_page(
    record: ids.IdRecord,
    page: PublishedPage | None,
    shown: PublishedPage | None,
    history: list[PageIncident] | None,
    memory: BundleMemory,
    generator: str,
    now: datetime,
) -> tuple[PublishedPage | None, list[PageIncident] | None, dict[tuple[str, str], str]]:
    """One site: its page (read this run, or None) and incident history with the record's ids, and the ids of
    the components of the page shown (this run's or the last one). A name twice on the page (an Uptime Kuma
    1.23 page may have it) keeps its Uptime Kuma ids: one id per name cannot tell those two apart."""
    at = ts(now)
    wanted = []
    if shown is not None:
        twice = Counter(m.name for m in shown.monitors)
        wanted = [("g", g.name, g.id) for g in shown.groups] + [
            ("m", m.name, m.id) for m in shown.monitors if twice[m.name] == 1
        ]
    found = ids.components(record, wanted)

    def incident(item: PageIncident) -> PageIncident:
        native = f"i{item.id}"
        event = ids.event(record, ids.INCIDENT, generator, str(item.id), item.title, ts(item.created), at, native)
        return replace(item, public_id=event.id)

    if page is not None:
        windows = []
        for m in page.maintenances:
            if m.ends is not None and m.ends <= now:
                windows.append(m)  # over: not in progress, completed by the bundle as before
                continue
            starts = m.starts or timing.parse_iso_z(memory.first_seen(f"mt{m.id}", at))
            native = f"mt{m.id}-{starts.strftime('%Y%m%dT%H%M%SZ')}"
            key = f"{m.id}@{ts(starts)}"
            event = ids.event(record, ids.MAINTENANCE, generator, key, m.title, ts(starts), at, native)
            windows.append(replace(m, public_id=event.id))
        page = replace(page, incidents=[incident(i) for i in page.incidents], maintenances=windows)
    history = [incident(i) for i in history] if history is not None else None
    ids.prune(record, now)
    return page, history, found
