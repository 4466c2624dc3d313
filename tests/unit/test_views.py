"""Each site's view and the record of what was published: read back whole or not at all; a run's own view; which
views count; one site's ids unchanged by the record; a split verdict in the bundle, on the page and in the feed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from elytra_status.infra import settings
from elytra_status.judge import ids
from elytra_status.judge.verdict import Merged, Verdict, left_out
from elytra_status.judge.view import Item, Seen, View
from elytra_status.kuma.metrics import DOWN, MAINTENANCE, UNKNOWN, UP, Figure, Monitor
from elytra_status.kuma.published import PageGroup, PageIncident, PageMaintenance, PageMonitor, PublishedPage
from elytra_status.publish import views
from elytra_status.render import bundle, naming, page
from elytra_status.render.bundle_memory import BundleMemory
from elytra_status.run import merge
from elytra_status.run.sources import StatusRun
from elytra_status.run.state import RunState

NOW = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
DOC = {
    "schema_version": 1,
    "updated_at": "2026-12-02T13:00:00Z",
    "platform_status": "degraded",
    "maintenance": False,
    "uptime": {"last_24h": 99.5, "last_7d": None, "last_30d": None},
    "backups": {"last_backup_status": "success", "last_backup_time": None},
}
CONFIG = settings.parse_config(
    {
        "SITE_NAME": "fra1",
        "SITE_ROLE": "primary",
        "STATUS_BUCKET": "status",
        "UPTIME_KUMA_STATUS_PAGE": "elytra",
        "CRITICAL_MONITOR_IDS": "1",
        "MONITOR_IDS": "1,2,3",
    }
)
GROUPS = [PageGroup(1, "Services", (PageMonitor(1, "API", "http"), PageMonitor(2, "Web", "http")))]


def a_view() -> View:
    return View(
        "fra1",
        "primary",
        "f" * 32,
        True,
        "0" * 64,
        {"platform_status": "degraded", "maintenance": False, "uptime": dict.fromkeys(bundle.UPTIME_WINDOWS)},
        {"slug": "elytra", "title": "Elytra", "groups": [{"id": 1, "name": "Services", "monitors": [[1, "API"]]}]},
        True,
        {"API": Seen("major_outage", True, True, {"last_24h": 99.5, "last_7d": None, "last_30d": None})},
        [Item("7", "Database down", "On it", "2026-12-02T12:00:00.000Z", None, "danger")],
        [],
        [Item("3", "Upgrade", "", "2026-12-02T12:00:00.000Z", "2026-12-02T14:00:00.000Z")],
    )


def test_a_view_goes_to_json_and_back_whole():
    view = a_view()
    assert views.parse_view(json.dumps(views.view_to_json(view)).encode()) == view


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw.update(version=2),
        lambda raw: raw.update(extra=1),
        lambda raw: raw["monitors"]["API"].update(state="up"),
        lambda raw: raw["monitors"]["API"]["uptime"].update(last_24h=101),
        lambda raw: raw["incidents"][0].update(key="7; DROP"),
        lambda raw: raw["page"]["groups"][0]["monitors"][0].append("x"),
        lambda raw: raw.update(site="FRA 1"),
        lambda raw: raw["windows"].extend([raw["windows"][0]] * 50),
    ],
)
def test_a_view_damaged_at_any_depth_or_past_its_bounds_is_not_read(damage):
    raw = views.view_to_json(a_view())
    damage(raw)
    assert views.parse_view(json.dumps(raw).encode()) is None
    assert views.parse_view(b"{" * 10) is None
    assert views.parse_view(b" " * views.MAX_VIEW_BYTES) is None


def test_the_record_is_read_back_whole_and_refused_when_damaged():
    state = RunState()
    record = ids.IdRecord()
    ids.components(record, [("m", "API", 1)])
    ids.event(
        record, ids.INCIDENT, state.generator, "7", "Down", "2026-12-02T12:00:00.000Z", "2026-12-02T12:00:00.000Z", "i7"
    )
    state.ids = ids.to_json(record)
    state.history.update(platform_now="degraded", changes=[])
    written = {"version": 1, **merge.published_record(state)}
    assert views.parse_record(json.dumps(written).encode()) == written
    written["ids"]["events"][0]["seen"] = {"not-a-generator": "7"}
    assert views.parse_record(json.dumps(written).encode()) is None


def test_another_sites_view_counts_only_fresh_whole_and_made_under_the_same_settings():
    view = a_view()
    assert left_out(view, 5.0, 180, view.settings) == ""
    assert left_out(view, 180.0, 180, view.settings) == "stale"
    assert left_out(view, None, 180, view.settings) == "of unknown age"
    assert left_out(replace(view, whole=False), 5.0, 180, view.settings) == "not whole"
    assert left_out(view, 5.0, 180, "1" * 64) == "other settings"


def kuma_report(page_read=True):
    class Kuma:  # what a view reads of a run's Uptime Kuma report
        states = {1: DOWN, 2: MAINTENANCE, 3: UP}
        monitors = [
            Monitor(1, "API", "http", DOWN, {"24h": Figure(Decimal("99.5"), "metrics")}),
            Monitor(2, "Web", "http", MAINTENANCE),
            Monitor(3, "internal-db", "port", UP),
        ]
        history = [PageIncident(5, "warning", "Old", "Fixed", NOW, NOW, active=False)]
        page = (
            PublishedPage(
                "elytra",
                "Elytra",
                [*GROUPS, PageGroup(2, "Other", (PageMonitor(9, "Paused", "http"),))],
                [PageIncident(7, "danger", "Database down", "On it", NOW, None)],
                [PageMaintenance(3, "Upgrade", "", None, None)],
            )
            if page_read
            else None
        )

    return Kuma()


def test_a_sites_view_is_its_page_by_name_its_selection_and_its_lists():
    state = RunState()
    run = StatusRun(dict(DOC), kuma_report(), None, [])
    view = merge.own_view(CONFIG, state, run, NOW)
    assert view.whole and view.page_read and view.site == "fra1"
    assert {n: (s.state, s.selected, s.critical) for n, s in view.monitors.items()} == {
        "API": ("major_outage", True, True),
        "Web": ("under_maintenance", True, False),
        "internal-db": ("operational", True, False),  # selected, not on the page: it counts in the platform's status
    }
    assert view.monitors["API"].uptime["last_24h"] == 99.5
    assert [i.key for i in view.incidents] == ["7"] and [i.key for i in view.resolved] == ["5"]
    # A window without a slot starts when this site first saw it, and keeps that start.
    assert view.windows[0].start == "2026-12-02T13:00:00.000Z"
    later = merge.own_view(CONFIG, state, run, NOW.replace(hour=14))
    assert later.windows[0].start == view.windows[0].start
    # Uptime Kuma not read: the last page, every monitor unknown, no list to speak for.
    blind = merge.own_view(CONFIG, state, StatusRun(dict(DOC), None, None, ["uptime_kuma"]), NOW)
    assert not blind.whole and not blind.page_read and blind.incidents == []
    assert {s.state for s in blind.monitors.values()} == {"unknown"}


def test_one_sites_ids_are_what_they_were_before_the_record():
    memory, record = BundleMemory(), naming.record_of({}, BundleMemory(), {}, "f" * 32, NOW)
    report = kuma_report()
    got, history, found = naming.own_page(record, report.page, report.page, report.history, memory, "f" * 32, NOW)
    files = bundle.build(DOC, got, {1: DOWN, 2: UP, 9: UP}, history, memory, "", NOW, ids=found)
    summary = files["api/v2/summary.json"]
    assert [c["id"] for c in summary["components"]] == ["g1", "m1", "m2", "g2", "m9"]
    assert [i["id"] for i in summary["incidents"]] == ["i7"]
    assert [m["id"] for m in summary["scheduled_maintenances"]] == ["mt3-20261202T130000Z"]
    assert [i["id"] for i in files["api/v2/incidents.json"]["incidents"]] == ["i7", "i5"]


def test_a_split_verdict_names_both_sides_in_the_api_on_the_page_and_in_the_feed():
    merged = Merged(
        {"platform_status": "degraded", "maintenance": False, "uptime": DOC["uptime"]},
        PublishedPage("elytra", "Elytra", GROUPS),
        {1: DOWN, 2: UNKNOWN},
        {1: Verdict("partial_outage", ("ams3",), ("fra1",))},
        component_ids={("g", "Services"): "g1", ("m", "API"): "m1", ("m", "Web"): "m2"},
        figures_site="fra1",
    )
    files = bundle.build(
        DOC, merged.page, merged.states, None, BundleMemory(), "", NOW, "ams3", ids=merged.component_ids, merged=merged
    )
    api = files["api/v2/components.json"]["components"][1]
    assert (api["status"], api["description"], api["where"]) == (
        "partial_outage",
        "Down from ams3, up from fra1",
        {"down": ["ams3"], "up": ["fra1"]},
    )
    assert files["api/v2/summary.json"]["page"]["uptime_site"] == "fra1"
    history = {"days": {}}
    for language, said in (("en", "Down from ams3, up from fra1"), ("de", "Ausfall von ams3 aus gesehen")):
        html = page.render_page(files, DOC, history, 900, NOW, language)
        assert said in html
    change = {"at": "2026-12-02T13:00:00Z", "from": "operational", "to": "degraded"}
    change["headline"] = {"word": "partial_outage", "names": ["API"], "more": 0}
    change["headline"]["where"] = [{"name": "API", "down": ["ams3"], "up": ["fra1"]}]
    feed = page.render_feed(files, [change], "", NOW)
    assert "API: down from ams3, up from fra1." in feed
