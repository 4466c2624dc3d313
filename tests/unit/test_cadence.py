"""Every minute, cheaply: a run uploads only what changed, at least every PUBLISH_EVERY_SECONDS, and restores
what the bucket lost; slow figures are reused for their time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def test_the_run_publish_every_seconds_later_is_due_even_if_it_started_a_little_early():
    from elytra_status.judge import change_gate

    last = {"digest": "d", "at": "2026-11-28T12:00:00Z", "etag": '"e"'}
    remote_problem = None  # the bucket holds the set last published

    def at(seconds: float) -> datetime:
        return datetime(2026, 11, 28, 12, 0, tzinfo=UTC) + timedelta(seconds=seconds)

    assert change_gate.reason_to_publish(last, "d", remote_problem, at(599.9), 600) is not None
    assert change_gate.reason_to_publish(last, "d", remote_problem, at(540), 600) is None
