"""judge/quiet.py: when a run may be quiet, and until when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elytra_status.judge import quiet

NOW = datetime(2026, 12, 6, 12, 0, 30, tzinfo=UTC)


def test_until_is_the_first_thing_due_by_time_alone():
    listing = NOW + timedelta(seconds=200)
    assert quiet.quiet_until(NOW, [listing, None], [], 25) == listing
    assert quiet.quiet_until(NOW, [], [], 25) == NOW + timedelta(seconds=quiet.QUIET_MAX_SECONDS)
    # A backup that turns old (warning) in 90 s: the run then must say so.
    newest = NOW - timedelta(hours=25) + timedelta(seconds=90)
    assert quiet.quiet_until(NOW, [], [newest], 25) == NOW + timedelta(seconds=90)
    # Already past its max age, not yet twice: the crossing into failed counts.
    older = NOW - timedelta(hours=49, minutes=59)
    assert quiet.quiet_until(NOW, [], [older], 25) == older + timedelta(hours=50)
    late = datetime(2026, 12, 6, 23, 58, tzinfo=UTC)  # the UTC day's end: history's day turns
    assert quiet.quiet_until(late, [], [], 25) == datetime(2026, 12, 6, 23, 59, tzinfo=UTC)
    last = datetime(2026, 12, 6, 23, 59, 0, tzinfo=UTC)  # the day's last minute: the next run is full too
    assert quiet.quiet_until(last, [], [], 25) == last


def test_something_already_due_leaves_no_quiet_time():
    assert quiet.quiet_until(NOW, [NOW - timedelta(seconds=1)], [], 25) == NOW
    record = {"settings": "s", "stamp": [1, 2, 3], "written": NOW, "until": NOW}
    assert quiet.refusal(record, NOW, "s", [1, 2, 3]) == "something is due"


def test_only_reads_a_quiet_run_repeats_allow_one():
    assert quiet.repeatable(["/metrics", "/api/status-page/elytra", "/api/status-page/elytra/incident-history"])
    assert not quiet.repeatable(["/metrics", "/api/status-page/heartbeat/elytra"])  # beats move every minute
    assert not quiet.repeatable([])


def test_refusals_name_the_cause():
    record = {"settings": "s", "stamp": [1, 2, 3], "written": NOW, "until": NOW + timedelta(minutes=5)}
    assert quiet.refusal(record, NOW, "s", [1, 2, 3]) is None
    assert quiet.refusal(record, NOW, "t", [1, 2, 3]) == "the settings changed"
    assert quiet.refusal(record, NOW, "s", []) == "STATE_FILE changed, or is gone"
    ahead = {**record, "written": NOW + timedelta(hours=1), "until": NOW + timedelta(hours=2)}
    assert "clock went back" in quiet.refusal(ahead, NOW, "s", [1, 2, 3])
    assert quiet.unchanged({"/metrics": "a"}, {"/metrics": "a"}) is None
    assert quiet.unchanged({"/metrics": "a"}, {"/metrics": "b"}) == "changed: metrics"
