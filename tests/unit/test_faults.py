"""Truth under faults: the published file never claims more than the run could see.

Each test is one finding of the fault review, over the wire: replayed Uptime Kuma answers
(restarts, cut bodies, shared names), moto for the buckets, libfaketime for a skewed clock.
"""

from __future__ import annotations

import json

from elytra_status.kuma import metrics as kuma_metrics
from elytra_status.kuma.memory import KumaMemory
from elytra_status.run import state as run_state
from support.kuma_replay import FIXTURES, capture


def test_every_captured_metrics_body_is_whole():
    bodies = sorted(FIXTURES.glob("*/metrics_apikey*.txt")) + sorted(FIXTURES.glob("2.5.3-restart/metrics_t+*.txt"))
    assert len(bodies) > 20
    for path in bodies:
        assert kuma_metrics.is_whole(capture(path.parent.name, path.name).body.decode()), path


def test_state_is_versioned_bounded_and_safe_to_lose(tmp_path):
    import io

    from elytra_status.infra import logs

    lines = io.StringIO()
    logs.setup_logging("test", None, lines)
    path = tmp_path / "state.json"
    seen = {i: f"2026-11-{1 + i % 28:02d}T00:00:00Z" for i in range(1, run_state.MAX_MONITORS + 50)}
    assert run_state.save(path, run_state.RunState(KumaMemory(123, seen)))
    loaded = run_state.load(path)
    assert loaded.kuma.process_start == 123
    assert len(loaded.kuma.seen) == run_state.MAX_MONITORS
    assert json.loads(path.read_text())["version"] == run_state.STATE_VERSION
    assert not list(tmp_path.glob(".state.json.*"))  # no temp file left behind

    path.write_text('{"version": 99}')
    assert run_state.load(path) == run_state.RunState()
    path.write_text("{not json")
    assert run_state.load(path) == run_state.RunState()
    assert len(list(tmp_path.glob("state.json.damaged-*"))) == 2  # moved aside for the operator, not lost
    assert not path.exists()
    assert run_state.load(path) == run_state.RunState()
    assert lines.getvalue().count("starting with no memory of earlier runs") == 2  # a missing file is silent
