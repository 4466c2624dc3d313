"""The bundle's JSON documents of one run, built from what the run saw, its history recorded on the way."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra.logs import log
from elytra_status.judge import ids
from elytra_status.kuma.metrics import UNKNOWN
from elytra_status.render import bundle, history, kuma_json, naming
from elytra_status.render.keys import component_id, public_base
from elytra_status.render.words import headline_parts

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config
    from elytra_status.judge.verdict import Merged
    from elytra_status.kuma.presence import KumaReport
    from elytra_status.render.bundle_memory import BundleMemory


def public_states(kuma: KumaReport | None) -> dict[int, int] | None:
    """What the run observed of each monitor, for the bundle and page: Uptime Kuma's state, or UNKNOWN for
    an expected monitor it has no current data for. A page monitor in neither is "not reported" (paused,
    deleted): left out, as status.json leaves it out. None when Uptime Kuma could not be read.
    """
    if kuma is None:
        return None
    states = dict(kuma.states)
    for m in kuma.monitors:  # an expected monitor not seen, or a 1.23 shared name that cannot be told apart
        if m.id is not None and m.state == UNKNOWN:
            states[m.id] = UNKNOWN
    return states


WINDOWS = {"24h": "last_24h", "7d": "last_7d", "30d": "last_30d"}


def figures_by_monitor(kuma: KumaReport | None) -> dict[int, dict[str, float | None]]:
    """Uptime Kuma's 24 h, 7 d and 30 d figures of each monitor this run read; a window it has none for is None."""
    out: dict[int, dict[str, float | None]] = {}
    for m in kuma.monitors if kuma else []:
        if m.id is not None:
            out[m.id] = {
                public: (round(float(m.uptime[w].percent), 2) if w in m.uptime else None)
                for w, public in WINDOWS.items()
            }
    return out


def build_bundle(
    config: Config,
    document: dict[str, Any],
    kuma: KumaReport | None,
    memory: BundleMemory,
    days: dict[str, Any],
    now: datetime,
    record: ids.IdRecord | None = None,
    generator: str = "",
    merged: Merged | None = None,
) -> dict[str, Any]:
    """The bundle's JSON documents by key, the history of this run recorded in the state on the way.

    record: the id record (judge/ids.py), updated in place; None gives Uptime Kuma's ids. merged: two sites,
    the page, states and figures of every counting view (judge/verdict.py) instead of this run's own.
    """
    page, incidents = (kuma.page, kuma.history) if kuma else (None, None)
    states, monitor_figures = public_states(kuma), figures_by_monitor(kuma)
    component_ids: dict[tuple[str, str], str] = {}
    if merged is not None:
        page, incidents, states, monitor_figures = merged.page, merged.history, merged.states, merged.figures
        component_ids = merged.component_ids
    elif record is not None:
        shown = page or memory.last_page()
        page, incidents, component_ids = naming.own_page(record, page, shown, incidents, memory, generator, now)
    files = bundle.build(
        document,
        page,
        states,
        incidents,
        memory,
        public_base(config),
        now,
        config.site_name,
        monitor_figures,
        config.page_language,
        component_ids,
        merged,
    )
    components = files["api/v2/summary.json"]["components"]
    figures = {"platform": document["uptime"]["last_24h"]} if document["uptime"]["last_24h"] is not None else {}
    if merged is not None:
        figures.update(
            {c["id"]: c["uptime"]["last_24h"] for c in components if c.get("uptime", {}).get("last_24h") is not None}
        )
    else:
        names = {m.id: m.name for m in kuma.page.monitors} if kuma and kuma.page else {}
        figures.update(
            {
                component_ids.get(("m", names.get(m.id, m.name))) or component_id("m", m.id, m.name, False): float(
                    m.uptime["24h"].percent
                )
                for m in (kuma.monitors if kuma else [])
                if "24h" in m.uptime and m.id is not None
            }
        )
    if kuma is not None and (kuma.page is not None or not config.uptime_kuma_status_page):
        # The page was read this run: days kept aside (another source, the bucket) meet its components.
        adopted = history.adopt(days, components)
        if adopted:
            log.info("history: %s", adopted)
    history.record(days, document, components, figures, now)
    parts = headline_parts(document, components, history.component_state)
    split = [{"name": c["name"], **c["where"]} for c in components if "where" in c]
    if split:
        parts["where"] = split[:5]  # the feed says where a split verdict is seen from
    note_change(days, history.platform_state(document), document["updated_at"], parts)
    files.update(kuma_documents(config, kuma, files["api/v2/summary.json"]))
    files["history.json"] = history.public(
        days,
        files["api/v2/summary.json"],
        files["api/v2/incidents.json"]
        | {"scheduled_maintenances": files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]},
        now,
    )
    return files


def kuma_documents(config: Config, kuma: KumaReport | None, summary: dict[str, Any]) -> dict[str, Any]:
    """The Uptime Kuma-shaped documents, only from a run that read Uptime Kuma, its page and, when the
    page has a monitor /metrics does not report (paused), its heartbeat list: otherwise the last good
    ones stay (a dashboard would count every monitor down)."""
    if kuma is None or (config.uptime_kuma_status_page and kuma.page is None):
        log.info("uptime kuma-shaped files not rewritten: uptime kuma or its page was not read; the last stay")
        return {}
    groups = kuma.page.groups if kuma.page else []
    states = public_states(kuma) or {}
    if kuma.beats is None and any(m.id not in states for g in groups for m in g.monitors):
        log.info("uptime kuma-shaped files not rewritten: the page's heartbeat list was not read; the last stay")
        return {}
    return kuma_json.documents(summary, groups, kuma.beats, config.site_name is not None)


def note_change(memory: dict[str, Any], state: str, at: str, headline: dict[str, Any] | None = None) -> None:
    """Keep the platform status changes for the feed, with the headline of the moment: the 50 most recent."""
    if memory.get("platform_now") not in (None, state):
        change = {"at": at, "from": memory["platform_now"], "to": state}
        if headline is not None:
            change["headline"] = headline
        memory["changes"] = [change, *memory.get("changes", [])][:50]
    memory["platform_now"] = state
