"""Where a failure is seen from: the verdict of every counting view, the platform status that follows, and the
incidents and windows that stay open while no fresh view can speak for them."""

from __future__ import annotations

from datetime import UTC, datetime

from elytra_status.judge import ids
from elytra_status.judge.verdict import Verdict, merge, platform, verdict
from elytra_status.judge.view import Item, Seen, View
from elytra_status.kuma.metrics import DOWN, MAINTENANCE, UP

NOW = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
FIGURES = {"last_24h": 99.5, "last_7d": 99.9, "last_30d": None}


def view(site, states, role="standby", offset=0, critical=(), incidents=(), windows=(), read=True, figures=None):
    monitors = {
        name: Seen(state, True, name in critical, dict(figures or {**FIGURES, "last_24h": 99.0 + offset}))
        for name, state in states.items()
    }
    numbered = [[i + 1 + offset, n] for i, n in enumerate(states)]
    page = {
        "slug": "elytra",
        "title": "Elytra",
        "groups": [{"id": 1 + offset, "name": "Services", "monitors": numbered}],
    }
    return View(
        site,
        role,
        site[0] * 32,
        True,
        "s",
        {"platform_status": "operational", "maintenance": False, "uptime": {"last_24h": 99.0 + offset}},
        page,
        read,
        monitors,
        list(incidents),
        [],
        list(windows),
    )


def states(*pairs):
    return dict(pairs)


def test_down_at_every_view_is_a_major_outage_and_down_at_some_is_partial_with_both_sides_named():
    fra = view("fra1", {"API": "major_outage"}, "primary")
    ams = view("ams3", {"API": "major_outage"}, offset=100)
    waw = view("waw1", {"API": "operational"}, offset=200)
    assert verdict("API", [fra, ams]) == Verdict("major_outage")
    assert verdict("API", [fra, ams, waw]) == Verdict("partial_outage", ("ams3", "fra1"), ("waw1",))


def test_maintenance_in_any_view_wins_over_down():
    fra = view("fra1", {"API": "major_outage"})
    ams = view("ams3", {"API": "under_maintenance"})
    assert verdict("API", [fra, ams]).state == "under_maintenance"


def test_a_state_one_view_does_not_know_leaves_the_verdict_to_the_others():
    fra = view("fra1", {"API": "unknown"})
    ams = view("ams3", {"API": "major_outage"})
    assert verdict("API", [fra, ams]).state == "major_outage"
    assert verdict("API", [fra]).state == "unknown"
    assert verdict("Web", [fra]) is None  # reported by no view: left out


def test_one_view_alone_is_that_view_as_today():
    fra = view("fra1", {"API": "major_outage", "Web": "operational"}, "primary")
    fra.platform.update(platform_status="outage")
    merged = merge([fra], "fra1", ids.IdRecord(), {}, set(), NOW)
    assert merged.platform["platform_status"] == "outage"
    assert merged.states == {1: DOWN, 2: UP} and merged.partial == {}


def test_a_split_critical_monitor_is_degraded_not_an_outage_and_down_at_both_is_an_outage():
    split = [view("fra1", {"API": "major_outage"}, critical=("API",)), view("ams3", {"API": "operational"})]
    assert platform({"API": verdict("API", split)}, split)["platform_status"] == "degraded"
    both = [view("fra1", {"API": "major_outage"}, critical=("API",)), view("ams3", {"API": "major_outage"})]
    assert platform({"API": verdict("API", both)}, both)["platform_status"] == "outage"
    calm = [view("fra1", {"API": "operational"}), view("ams3", {"API": "under_maintenance"})]
    assert platform({"API": verdict("API", calm)}, calm) == {"platform_status": "operational", "maintenance": True}


def test_the_merge_gives_the_page_of_the_primary_its_figures_and_one_number_per_name():
    fra = view("fra1", {"API": "major_outage", "Web": "operational"}, "primary", figures=FIGURES)
    ams = view("ams3", {"API": "operational", "Web": "under_maintenance"}, offset=100)
    merged = merge([ams, fra], "ams3", ids.IdRecord(), {}, set(), NOW)
    assert merged.figures_site == "fra1" and merged.platform["uptime"] == {"last_24h": 99.0}
    assert merged.figures[1] == FIGURES
    assert merged.states == {1: DOWN, 2: MAINTENANCE}
    assert merged.partial[1] == Verdict("partial_outage", ("fra1",), ("ams3",))
    assert merged.component_ids == {("g", "Services"): "g1", ("m", "API"): "m1", ("m", "Web"): "m2"}
    assert merged.platform["platform_status"] == "degraded" and merged.sites == ("ams3", "fra1")


def test_without_the_primary_the_writer_measures_the_figures():
    ams = view("ams3", {"API": "operational"}, offset=100)
    waw = view("waw1", {"API": "operational"}, offset=200)
    assert merge([waw, ams], "ams3", ids.IdRecord(), {}, set(), NOW).figures_site == "ams3"


def incident(key, title="Database down", start="2026-12-02T12:00:00.000Z"):
    return Item(key, title, "We are on it.", start, None, "danger")


def test_the_same_incident_at_two_sites_is_one_and_keeps_its_id_whoever_writes():
    record = ids.IdRecord()
    fra = view("fra1", {"API": "operational"}, "primary", incidents=[incident("7")])
    ams = view("ams3", {"API": "operational"}, offset=100, incidents=[incident("31", start="2026-12-02T12:03:00.000Z")])
    first = merge([fra, ams], "fra1", record, {}, set(), NOW)
    second = merge([ams, fra], "ams3", record, {}, set(), NOW)
    back = merge([fra], "fra1", record, {}, set(), NOW)
    for merged in (first, second, back):
        assert [(i.public_id, i.created.isoformat()) for i in merged.page.incidents] == [
            ("i7", "2026-12-02T12:00:00+00:00")
        ]


def test_an_incident_of_a_site_that_went_stale_stays_open_until_a_view_that_listed_it_drops_it():
    record = ids.IdRecord()
    fra = view("fra1", {"API": "operational"}, "primary")
    ams = view("ams3", {"API": "operational"}, offset=100, incidents=[incident("31")])
    merged = merge([fra, ams], "fra1", record, {}, {fra.generator, ams.generator}, NOW)
    listed = {"i31": _object("i31")}
    assert [i.public_id for i in merged.page.incidents] == ["i31"]
    # ams3 stops: its view is stale (not counting) but still in the bucket.
    stale = merge([fra], "fra1", record, listed, {fra.generator, ams.generator}, NOW)
    assert [i.public_id for i in stale.page.incidents] == ["i31"]
    # The writer's own page not read either: still open.
    unread = view("fra1", {"API": "unknown"}, "primary", read=False)
    everyone = {fra.generator, ams.generator}
    assert [i.public_id for i in merge([unread], "fra1", record, listed, everyone, NOW).page.incidents] == ["i31"]
    # ams3 is back and no longer lists it: resolved (left out of the open list).
    back = view("ams3", {"API": "operational"}, offset=100)
    assert merge([fra, back], "fra1", record, listed, {fra.generator, ams.generator}, NOW).page.incidents == []
    # Or the operator retired ams3 (its view deleted from the bucket).
    assert merge([fra], "fra1", record, listed, {fra.generator}, NOW).page.incidents == []


def test_a_window_stays_in_progress_while_its_site_is_stale_and_keeps_its_start():
    record = ids.IdRecord()
    start = "2026-12-02T12:00:00.000Z"
    fra = view("fra1", {"API": "under_maintenance"}, "primary", windows=[Item("3", "Upgrade", "Now", start)])
    merged = merge([fra], "fra1", record, {}, {fra.generator}, NOW)
    (window,) = merged.page.maintenances
    assert window.public_id == "mt3-20261202T120000Z"
    old = {
        window.public_id: {
            "id": window.public_id,
            "name": "Upgrade",
            "impact": "maintenance",
            "created_at": start,
            "scheduled_for": start,
            "scheduled_until": None,
            "incident_updates": [{"body": "Now"}],
        }
    }
    ams = view("ams3", {"API": "operational"}, offset=100)
    stale = merge([ams], "ams3", record, old, {fra.generator, ams.generator}, NOW)
    assert [(w.public_id, w.starts.isoformat()) for w in stale.page.maintenances] == [
        ("mt3-20261202T120000Z", "2026-12-02T12:00:00+00:00")
    ]


def _object(public_id):
    return {
        "id": public_id,
        "name": "Database down",
        "impact": "major",
        "created_at": "2026-12-02T12:00:00.000Z",
        "updated_at": "2026-12-02T12:00:00.000Z",
        "incident_updates": [{"body": "We are on it."}],
    }
