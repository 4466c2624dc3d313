"""The platform status rules and the rounding rule, on plain data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from elytra_status.judge.rules import mean_percent, platform_status, platform_uptime
from elytra_status.kuma.metrics import DOWN, MAINTENANCE, PENDING, UP, Figure, Monitor


def m(monitor_id: int, state: int, **uptime: str) -> Monitor:
    return Monitor(
        monitor_id, f"m{monitor_id}", "http", state, {w: Figure(Decimal(v), "test") for w, v in uptime.items()}
    )


@pytest.mark.parametrize(
    ("states", "critical", "expected"),
    [
        ([UP, UP], (), "operational"),
        ([UP, MAINTENANCE], (), "operational"),
        ([MAINTENANCE, MAINTENANCE], (), "operational"),
        ([UP, DOWN], (), "degraded"),
        ([UP, PENDING], (), "degraded"),
        ([UP, PENDING], (2,), "degraded"),  # a critical monitor pending is not down
        ([UP, DOWN], (2,), "outage"),
        ([UP, DOWN], (1,), "degraded"),
        ([DOWN, DOWN], (), "outage"),
        ([DOWN], (), "outage"),
        ([DOWN, MAINTENANCE], (), "degraded"),
    ],
)
def test_platform_status(states, critical, expected):
    monitors = [m(i + 1, s) for i, s in enumerate(states)]
    assert platform_status(monitors, critical) == expected


def test_no_monitors_or_no_answer_is_unknown():
    assert platform_status([], ()) == "unknown"
    assert platform_status(None, ()) == "unknown"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["99.995"], 100.0),  # half up
        (["99.985"], 99.99),  # half up, where binary floats would give 99.98
        (["99.994999"], 99.99),
        (["100", "99.99", "99.99"], 99.99),  # 99.99333...
        (["0.005"], 0.01),
        (["99.70", "100", "99.95", "99.86", "99.86"], 99.87),  # 99.874
        ([], None),
    ],
)
def test_rounding_rule_is_exact_mean_half_up_to_two_decimals(values, expected):
    assert mean_percent([Decimal(v) for v in values]) == expected


def test_a_monitor_without_a_figure_is_left_out_of_that_window_only():
    monitors = [m(1, UP, **{"24h": "100", "7d": "99.5"}), m(2, UP, **{"24h": "99"})]
    assert platform_uptime(monitors) == {"last_24h": 99.5, "last_7d": 99.5, "last_30d": None}


def test_no_figures_at_all_is_null_never_100():
    assert platform_uptime([m(1, UP), m(2, UP)]) == {"last_24h": None, "last_7d": None, "last_30d": None}
    assert platform_uptime(None) == {"last_24h": None, "last_7d": None, "last_30d": None}
