"""Run states for the tests."""

from __future__ import annotations

from elytra_status.kuma.memory import KumaMemory
from elytra_status.run import state as run_state


def good_state() -> dict:
    state = run_state.RunState(KumaMemory(1, {1: "2026-11-30T11:00:00Z"}))
    state.history = {"days": {"2026-11-30": {"worst": {"platform": "operational"}, "minutes": {}, "uptime": {}}}}
    return run_state.to_json(state)
