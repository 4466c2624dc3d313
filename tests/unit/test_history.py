"""90 days of history: a rollover adds one day, a missed day is a gap, 90 are kept, a lost state comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elytra_status.render import history

DOC = {"platform_status": "operational", "maintenance": False}


COMPONENTS = [{"id": "m1", "name": "API", "status": "operational", "description": None, "group": False}]


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=day, hours=hour, minutes=minute)


def test_a_rollover_adds_exactly_one_day_and_closes_the_day_before_with_kumas_figure():
    memory: dict = {}
    history.record(memory, DOC, COMPONENTS, {"platform": 99.0}, at(0, 23, 58))
    history.record(memory, DOC, COMPONENTS, {"platform": 99.5}, at(0, 23, 59))
    assert list(memory["days"]) == ["2026-11-01"]
    history.record(
        memory, {"platform_status": "degraded", "maintenance": False}, COMPONENTS, {"platform": 98.25}, at(1, 0, 0)
    )

    assert list(memory["days"]) == ["2026-11-01", "2026-11-02"]
    first = memory["days"]["2026-11-01"]
    assert first["uptime"] == {"platform": 98.25}  # taken by the first run of the next UTC day
    assert first["uptime_window_end"] == "2026-11-02T00:00:00Z"  # at 00:00 the window is the day itself
    assert first["minutes"]["platform"] == {"operational": 2}
    assert memory["days"]["2026-11-02"]["worst"]["platform"] == "degraded"


def test_a_day_with_no_run_is_a_gap_never_a_100():
    memory: dict = {}
    history.record(memory, DOC, COMPONENTS, {"platform": 100.0}, at(0))
    history.record(memory, DOC, COMPONENTS, {"platform": 100.0}, at(2))
    assert list(memory["days"]) == ["2026-11-01", "2026-11-03"]
    assert memory["days"]["2026-11-01"]["uptime"] == {}  # its closing run never came
    from elytra_status.render import bars

    bar = bars.day_bar(memory, "platform", at(2))
    assert bar["letters"].endswith("o-o") and bar["details"].split(",")[-2] == "-"


def test_a_day_told_like_the_day_before_weighs_one_byte_on_the_page():
    from elytra_status.render import bars

    memory: dict = {}
    for day in range(4):
        history.record(memory, DOC, COMPONENTS, {"platform": 100.0 if day < 2 else 99.5}, at(day))
    history.record(memory, {"platform_status": "outage", "maintenance": False}, COMPONENTS, {}, at(3, 12, 5))
    details = bars.day_bar(memory, "platform", at(3))["details"].split(",")
    assert len(details) == history.DAYS
    assert details[0] == "-" and set(details[1:-4]) == {"="}  # 86 days with no data: one "-", then "="
    # Each figure is taken the next day; a change said in full (":1", one minute not up: the 14 before it were up).
    assert details[-4:] == ["100", "99.5", "=", ":1"]


def test_ninety_days_are_kept_and_no_more():
    memory: dict = {}
    for day in range(120):
        history.record(memory, DOC, COMPONENTS, {"platform": 100.0}, at(day))
    assert len(memory["days"]) == history.DAYS
    assert min(memory["days"]) == (at(119) - timedelta(days=history.DAYS - 1)).strftime("%Y-%m-%d")


def test_minutes_count_the_time_between_runs_up_to_a_bound():
    memory: dict = {}
    history.record(memory, DOC, COMPONENTS, {}, at(0, 10, 0))
    history.record(memory, {"platform_status": "outage", "maintenance": False}, COMPONENTS, {}, at(0, 10, 5))
    # The minutes between two runs held the state the earlier one saw (quiet runs confirmed it), but the last.
    assert memory["days"]["2026-11-01"]["minutes"]["platform"] == {"operational": 5, "outage": 1}
    history.record(memory, DOC, COMPONENTS, {}, at(0, 13, 0))  # three hours of silence count 15 minutes
    assert memory["days"]["2026-11-01"]["minutes"]["platform"] == {"operational": 6, "outage": 15}
    assert memory["days"]["2026-11-01"]["minutes"]["m1"] == {"operational": 21}


def test_each_minute_counts_once_whatever_the_run_rate():
    memory: dict = {}
    start = at(0, 10, 0)
    for poll in range(9):  # a run every 15 s for two minutes: 10:00:00 to 10:02:00
        history.record(memory, DOC, COMPONENTS, {}, start + timedelta(seconds=15 * poll))
    assert memory["days"]["2026-11-01"]["minutes"]["platform"] == {"operational": 3}
    history.record(
        memory,
        {"platform_status": "outage", "maintenance": False},
        COMPONENTS,
        {},
        at(0, 10, 2) + timedelta(seconds=30),
    )
    assert memory["days"]["2026-11-01"]["minutes"]["platform"] == {"operational": 3}  # the minute was counted
    assert memory["days"]["2026-11-01"]["worst"]["platform"] == "outage"  # but the worst state is kept
