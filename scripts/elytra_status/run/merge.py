"""Two sites, one truth: each site's view written every run, the writer's merge of every counting view, and
the record of what was published carried across handoffs (and back to one site).

A view counts while it is younger than SITE_LEASE_SECONDS by the store's clock, whole (its Uptime Kuma
answered and every expected monitor was seen) and made with the same public settings. The writer's own view
counts by the same rule; when none counts, the writer's own view is published, unknown and all, as before.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.infra.logs import log
from elytra_status.infra.own_keys import SITES_FOLDER
from elytra_status.infra.settings import LEASE_MARGIN_SECONDS
from elytra_status.judge import ids, verdict
from elytra_status.judge.view import Item, Seen, View
from elytra_status.kuma.metrics import DOWN, MAINTENANCE, PENDING, UP
from elytra_status.publish import views
from elytra_status.publish.lease import StoreError
from elytra_status.render import naming
from elytra_status.render.bundle_memory import BundleMemory
from elytra_status.render.documents import figures_by_monitor, public_states
from elytra_status.render.incidents import ts
from elytra_status.render.keys import key_prefix
from elytra_status.run import site_checks
from elytra_status.run.sources import clock_problem

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config
    from elytra_status.infra.signed_s3 import SignedS3
    from elytra_status.run.site import Turn
    from elytra_status.run.sources import StatusRun
    from elytra_status.run.state import RunState

WORD = {UP: "operational", PENDING: "degraded_performance", DOWN: "major_outage", MAINTENANCE: "under_maintenance"}
MAX_ITEMS = 50


def folder(config: Config) -> str:
    return key_prefix(config) + SITES_FOLDER


def settings_digest(config: Config) -> str:
    """What shapes the public files besides the page: views made under other settings do not count."""
    return hashlib.sha256(json.dumps(site_checks.shaping(config), sort_keys=True).encode()).hexdigest()


def own_view(config: Config, state: RunState, run: StatusRun, now: datetime) -> View:
    """This run's view: its page (or the last one read), each monitor's state and figures by name, its
    incidents and windows (a window without a slot starts when this site first saw it)."""
    kuma, memory = run.kuma, state.bundle
    page = kuma.page if kuma else None
    if page is not None:
        memory.remember_page(page)
    shown = page or memory.last_page()
    states, figures = public_states(kuma), figures_by_monitor(kuma)
    blank = {"last_24h": None, "last_7d": None, "last_30d": None}
    monitors: dict[str, Seen] = {}
    for m in shown.monitors if shown else []:
        if states is None or m.id in states:  # a page monitor /metrics does not report is left out
            word = WORD.get(states.get(m.id), "unknown") if states is not None else "unknown"
            monitors[m.name] = Seen(word, False, False, figures.get(m.id, blank))
    names = {m.id: m.name for m in shown.monitors} if shown else {}
    for m in kuma.monitors if kuma else []:
        name = names.get(m.id, m.name)[:200] if m.id is not None else m.name[:200]
        code = states.get(m.id, m.state) if states is not None and m.id is not None else m.state
        critical = m.id in config.critical_monitor_ids
        monitors[name] = Seen(WORD.get(code, "unknown"), True, critical, figures.get(m.id, blank))
    view = View(
        config.site_name or "",
        config.site_role or "",
        state.generator,
        kuma is not None and "uptime_kuma" not in run.failed_sources,
        settings_digest(config),
        {k: run.document[k] for k in ("platform_status", "maintenance", "uptime")},
        _page(shown),
        page is not None,
        monitors,
    )
    if page is not None:
        at = ts(now)
        view.incidents = [_item(i) for i in page.incidents[:MAX_ITEMS]]
        view.resolved = [_item(i) for i in (kuma.history if kuma and kuma.history else []) if not i.active][:MAX_ITEMS]
        running = {f"mt{m.id}" for m in page.maintenances}
        for m in page.maintenances[:MAX_ITEMS]:
            starts = ts(m.starts) if m.starts else memory.first_seen(f"mt{m.id}", at)
            view.windows.append(Item(str(m.id), m.title, m.description, starts, ts(m.ends) if m.ends else None))
        memory.first_seen_at = {k: v for k, v in memory.first_seen_at.items() if k in running}
    return view


def _page(page: Any) -> dict[str, Any] | None:
    if page is None:
        return None
    groups = [{"id": g.id, "name": g.name, "monitors": [[m.id, m.name] for m in g.monitors]} for g in page.groups]
    return {"slug": page.slug, "title": page.title, "groups": groups}


def _item(i: Any) -> Item:
    return Item(str(i.id), i.title, i.content, ts(i.created), ts(i.updated) if i.updated else None, i.style)


def share(config: Config, state: RunState, run: StatusRun, turn: Turn, client: SignedS3, now: datetime) -> None:
    """Write this site's view; the writer merges every counting view into the run's document and page."""
    if clock_problem(run):
        return  # nothing is written this run; a view dated by a wrong clock would only mislead
    mine = own_view(config, state, run, now)
    others: list[tuple[View, float | None]] = []
    present: set[str] | None = None
    try:
        views.write_view(client, folder(config), mine)
        if not turn.writer:
            return
        others, present, damaged = views.read_views(client, folder(config), mine.site)
        for key in damaged:
            log.warning("site view %s is damaged or not ours: not counted", key)
    except StoreError as exc:
        log.error("site %s: %s; this run merges its own view only", config.site_name, exc)
        if not turn.writer:
            return
    counting, left = [mine] if mine.whole else [], []
    for view, age in others:
        why = verdict.left_out(view, age, config.site_lease_seconds, mine.settings)
        (left.append(f"{view.site} ({why})") if why else counting.append(view))
    counting = counting or [mine]
    record = naming.record_of(state.ids, state.bundle, state.history, state.generator, now)
    before = {**state.bundle.open_incidents, **state.bundle.maintenances}
    generators = None if present is None else present | {state.generator}
    run.merged = verdict.merge(counting, mine.site, record, before, generators, now)
    ids.prune(record, now)
    state.ids = ids.to_json(record)
    run.document.update(run.merged.platform)
    log.info(
        "views: %s count%s; uptime figures from %s",
        ", ".join(run.merged.sites),
        f"; not counted: {', '.join(left)}" if left else "",
        run.merged.figures_site,
    )


def published_record(state: RunState) -> dict[str, Any]:
    """What readers saw, for the next writer: the ids, the bundle's memory, the feed's status changes."""
    bundle = {k: v for k, v in asdict(state.bundle).items() if k not in ("first_seen_at", "page")}
    feed = {k: state.history[k] for k in ("platform_now", "changes") if k in state.history}
    saved = state.ids or ids.to_json(ids.IdRecord())
    return {"generator": state.generator, "ids": saved, "bundle": bundle, "feed": feed}


def save_record(config: Config, state: RunState, client: SignedS3 | None, turn: Turn | None) -> None:
    """After an upload: the record in the bucket, while the lease (two sites) still has time."""
    if client is None or not config.status_bucket:
        return
    if turn is not None and (turn.until is None or turn.until - timing.lease_clock() <= LEASE_MARGIN_SECONDS):
        log.warning("site %s: the record was not written: the lease is over", config.site_name)
        return
    record = published_record(state)
    digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
    if digest == state.record_digest:
        return  # the bucket holds it already
    try:
        views.write_record(client, folder(config), record)
        state.record_digest = digest
    except StoreError as exc:
        log.warning("%s; the next upload writes it again", exc)


def take_record(config: Config, state: RunState, client: SignedS3) -> str | None:
    """Go on from the record the last writer left: its ids, bundle memory and feed. Returns that writer's
    generator id, None when there is no record."""
    try:
        found = views.read_record(client, folder(config))
    except StoreError as exc:
        log.warning("%s; this site's own memory goes on", exc)
        return None
    if found is None:
        log.info("no record of what was published in the bucket: this site's own memory goes on")
        return None
    own = {"first_seen_at": state.bundle.first_seen_at, "page": state.bundle.page}
    state.bundle = BundleMemory(**{**found["bundle"], **own})
    state.ids = found["ids"]
    state.history.update(found["feed"])
    state.record_digest = ""  # the next upload writes this site's record
    log.info("record of what was published taken over: %d ids of events", len(found["ids"]["events"]))
    return found["generator"]


def back_to_one(config: Config, state: RunState, client: SignedS3, s3_client: Any, now: datetime) -> frozenset[str]:
    """One site after two (its state names a site), or a fresh state: go on from what the bucket published.

    Returns the generator of the site that wrote last: its objects are replaced this run, not another writer's.
    """
    from elytra_status.run import restore

    if state.site.get("name"):
        log.info("back to one site (SITE_NAME was %s): going on from the bucket's record", state.site["name"])
        last = take_record(config, state, client)
        if last:
            restore.continue_history(config, state, s3_client, now)
        state.site.clear()
        return frozenset({last}) - {state.generator} if last else frozenset()
    if not (state.ids or state.bundle.components or state.history.get("days")):
        take_record(config, state, client)
    return frozenset()
