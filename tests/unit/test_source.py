"""The run's memory and the public files stay bound to their source: one server, one config, one writer.

Each test is one rule of the truth review, over the wire where it is about the wire: the replayed
Uptime Kuma, moto (behind a proxy that can fail a PUT), the cron wrapper under env -i.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from elytra_status.infra import logs, settings
from elytra_status.kuma.published import PageGroup, PageMaintenance, PageMonitor, PublishedPage
from elytra_status.render import bundle, history
from elytra_status.render.bundle_memory import BundleMemory
from elytra_status.run import state as run_state
from support.states import good_state

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


DAMAGE = {
    "a wrong type inside": lambda s: s["kuma"]["seen"].update({"1": 5}),
    "a missing field inside": lambda s: s["history"]["days"]["2026-11-30"].pop("minutes"),
    "an incident of the wrong shape": lambda s: s["bundle"]["resolved"].append({"id": "i1"}),
    "an unknown state word": lambda s: s["history"]["days"]["2026-11-30"]["worst"].update(platform="green"),
    "a date in the future": lambda s: s["kuma"]["seen"].update({"2": "2027-01-01T00:00:00Z"}),
    "a future day": lambda s: s["history"]["days"].update({"2026-12-25": s["history"]["days"]["2026-11-30"]}),
    "too many ids": lambda s: s["kuma"]["seen"].update({str(i): "2026-11-30T11:00:00Z" for i in range(10_001)}),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_state_damaged_at_depth_is_moved_aside_and_the_run_starts_fresh(tmp_path, damage):
    lines = io.StringIO()
    logs.setup_logging("test", None, lines)
    path = tmp_path / "state.json"
    assert run_state.parse(good_state(), NOW)  # the good one is good
    state = good_state()
    DAMAGE[damage](state)
    path.write_text(json.dumps(state))

    assert run_state.load(path, NOW) == run_state.RunState()
    assert not path.exists() and len(list(tmp_path.glob("state.json.damaged-*"))) == 1
    assert lines.getvalue().count("WARNING") == 1 and "is damaged" in lines.getvalue()


def test_an_absurdly_large_state_is_set_aside_unread(tmp_path):
    path = tmp_path / "state.json"
    with open(path, "wb") as handle:
        handle.truncate(run_state.MAX_STATE_BYTES + 1)  # sparse: no disk used
    assert run_state.load(path, NOW) == run_state.RunState()
    assert [p.name.split("-")[0] for p in tmp_path.iterdir()] == ["state.json.damaged"]


def test_damaged_states_kept_aside_are_bounded(tmp_path):
    path = tmp_path / "state.json"
    for second in range(run_state.KEEP_DAMAGED + 3):
        path.write_text("{broken")
        run_state.load(path, NOW + timedelta(seconds=second))
    assert len(list(tmp_path.glob("state.json.damaged-*"))) == run_state.KEEP_DAMAGED


def test_a_restored_history_is_checked_day_by_day():
    lines = io.StringIO()
    logs.setup_logging("test", None, lines)
    good = {"worst": {"platform": "operational"}, "minutes": {"platform": {"operational": 60}}, "uptime": {}}
    published = {
        "components": [{"id": "m1", "name": "API"}],
        "unknown": "fields are ignored",
        "days": [
            {"date": "2026-11-29", **good, "extra": 1},
            {"date": "2026-11-28", "worst": "broken", "minutes": {}, "uptime": {}},
            {"date": "2026-11-27", **good, "minutes": {"platform": {"operational": 99_999}}},
            {"date": "2026-12-24", **good},  # after today
            {"date": "2026-05-01", **good},  # past the 90 days
        ],
    }
    memory: dict = {}
    assert history.restore(memory, published, NOW) == 1
    assert list(memory["carried"]["days"]) == ["2026-11-29"] and "extra" not in memory["carried"]["days"]["2026-11-29"]
    history.adopt(memory, [])
    assert list(memory["days"]) == []  # the bucket named component m1; this page has none: nothing matches
    memory = {}
    history.restore(memory, published, NOW)
    history.adopt(memory, [{"id": "m1", "name": "API", "group": False}])
    assert list(memory["days"]) == ["2026-11-29"] and memory["days"]["2026-11-29"]["worst"] == {
        "platform": "operational"
    }


def test_others_are_checked_in_turns_each_within_publish_every_seconds():
    from elytra_status.publish import public_set

    config = settings.parse_config({"STATUS_BUCKET_KEY": "public/status.json"})
    published = {"etags": {f"public/f{i}.json": "e" for i in range(11)} | {"public/status.json": "e"}}
    seen: set[str] = set()
    runs = 600 // public_set.RUN_EVERY_SECONDS - 1
    for _ in range(runs):
        keys = public_set.due_keys(config, published, 600)
        assert keys[:2] == ["public/status.json", "public/api/v2/summary.json"]  # polled ones: every run
        seen |= set(keys[2:])
    assert seen == {f"public/f{i}.json" for i in range(11)}


def test_a_push_monitor_without_a_figure_makes_the_window_null():
    from decimal import Decimal

    from elytra_status.judge.rules import platform_uptime
    from elytra_status.kuma.metrics import UP, Figure, Monitor

    up = Monitor(1, "API", "http", UP, uptime={w: Figure(Decimal(100), "x") for w in ("24h", "7d", "30d")})
    push = Monitor(2, "Cron", "push", UP, uptime={"24h": Figure(Decimal(50), "status-page:24h")})
    assert platform_uptime([up, push]) == {"last_24h": 75.0, "last_7d": None, "last_30d": None}


def page_with(maintenances: list[PageMaintenance]) -> PublishedPage:
    group = PageGroup(1, "Services", (PageMonitor(1, "API", "http"),))
    return PublishedPage("elytra", "Elytra", [group], [], maintenances)


DOC = {
    "schema_version": 1,
    "updated_at": "2026-11-30T12:00:00Z",
    "platform_status": "operational",
    "maintenance": True,
    "uptime": {},
    "backups": {},
}


def build(memory: BundleMemory, page: PublishedPage, now: datetime) -> dict:
    return bundle.build(DOC, page, {1: 3}, None, memory, "", now)


def test_a_maintenance_that_ends_and_starts_again_keeps_both_windows():
    memory = BundleMemory()
    manual = PageMaintenance(1, "Planned", "", None, None)
    build(memory, page_with([manual]), NOW)
    build(memory, page_with([]), NOW + timedelta(minutes=30))
    files = build(memory, page_with([manual]), NOW + timedelta(hours=2))
    windows = files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    assert [(w["name"], w["status"]) for w in windows] == [("Planned", "in_progress"), ("Planned", "completed")]
    assert len({w["id"] for w in windows}) == 2
    assert windows[1]["scheduled_for"] == "2026-11-30T12:00:00.000Z"  # a manual one starts when first seen
    assert windows[1]["resolved_at"] == "2026-11-30T12:30:00.000Z"


def test_a_maintenance_is_in_progress_only_until_its_timeslot_ends():
    memory = BundleMemory()
    slot = PageMaintenance(3, "Switch", "", NOW - timedelta(hours=1), NOW + timedelta(minutes=5))
    assert build(memory, page_with([slot]), NOW)["api/v2/scheduled-maintenances/active.json"]["scheduled_maintenances"]
    later = build(memory, page_with([slot]), NOW + timedelta(minutes=9))  # the page answer is cached
    assert later["api/v2/scheduled-maintenances/active.json"]["scheduled_maintenances"] == []
    [done] = later["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    assert (done["status"], done["resolved_at"]) == ("completed", "2026-11-30T12:05:00.000Z")  # the slot's end


def test_no_log_line_is_longer_than_about_a_kilobyte_and_lists_are_counted():
    from elytra_status.kuma.report import _ids

    lines = io.StringIO()
    logs.setup_logging("test", None, lines)
    logs.log.warning("monitors %s missing", _ids(list(range(1, 501))))
    logs.log.warning("%s", "x" * 5000)
    first, second = lines.getvalue().splitlines()
    assert "monitors 1,2,3,4,5,6,7,8,9,10 and 490 more missing" in first
    assert len(second) < 1100 and second.endswith("(4000 more characters)")
