"""The Uptime Kuma client over the wire, against replayed answers of real servers."""

from __future__ import annotations

from decimal import Decimal

from elytra_status.kuma import read as k
from support.kuma_replay import capture


def test_badge_parsing():
    assert k.parse_badge(capture("2.5.3-history", "badge_1_uptime_168.txt").body.decode()) == Decimal("99.70")
    assert k.parse_badge(capture("2.5.3", "badge_999_uptime_24h.txt").body.decode()) is None
    assert k.parse_badge(capture("2.5.3", "badge_1_status.txt").body.decode()) is None


def test_only_the_families_and_windows_used_are_parsed():
    """The 365d ratios and response-time series are skipped before the parser sees them."""
    body = capture("2.5.3", "metrics_apikey.txt").body.decode()
    body = body.replace('window="365d"} 1\n', 'window="365d"} not-a-number\n')
    body = body.replace("monitor_response_time{", "monitor_response_time{broken")
    parsed = k.parse_metrics(body)
    assert len(parsed.monitors) == 5
    assert parsed.monitors[0].ratios == {"1d": 1.0, "30d": 1.0}
