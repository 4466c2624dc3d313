"""The status rules: the platform state from the monitors, and the uptime means, rounded once."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from elytra_status.kuma.metrics import DOWN, PENDING, UNKNOWN
from elytra_status.kuma.read import NO_BEAT

if TYPE_CHECKING:
    from elytra_status.kuma.metrics import Monitor


TWO_PLACES = Decimal("0.01")


PUBLIC_WINDOWS = {"24h": "last_24h", "7d": "last_7d", "30d": "last_30d"}


def platform_status(monitors: list[Monitor] | None, critical_ids: tuple[int, ...], blind: bool = False) -> str:
    """operational, degraded, outage or unknown, by the rules of the README.

    A monitor whose state this run does not know (UNKNOWN) is never UP; a critical one makes it unknown.
    """

    counted = monitors or []
    known = [m for m in counted if m.state != UNKNOWN]
    if blind or not known:
        return "unknown"
    if any(m.state == DOWN and m.id in critical_ids for m in known):
        return "outage"
    if any(m.state == UNKNOWN and m.id in critical_ids for m in counted):
        return "unknown"
    if len(known) == len(counted) and all(m.state == DOWN for m in known):
        return "outage"
    if len(known) < len(counted) or any(m.state in (DOWN, PENDING) for m in known):
        return "degraded"
    return "operational"


def mean_percent(values: list[Decimal]) -> float | None:
    """The rounding rule, stated once: the exact mean, rounded half up to 2 decimals; none -> None."""
    if not values:
        return None
    mean = sum(values, Decimal(0)) / len(values)
    return float(mean.quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


def platform_uptime(monitors: list[Monitor] | None) -> dict[str, float | None]:
    """Each window's mean over the monitors that have a figure for it.

    A window that lacks the figure of a monitor whose state is unknown is null: its mean could hide an
    outage. So is one that lacks a push monitor's (2.1+ /metrics has no ratio for them): the mean would
    be over a smaller set. A monitor with no beat at all has no figure, and counts in no mean.
    """
    monitors = monitors or []
    return {
        public: None
        if any(window not in m.uptime and _gap_hides(m, window) for m in monitors)
        else mean_percent([m.uptime[window].percent for m in monitors if window in m.uptime])
        for window, public in PUBLIC_WINDOWS.items()
    }


def _gap_hides(monitor: Monitor, window: str) -> bool:
    return monitor.gaps.get(window) != NO_BEAT and (monitor.state == UNKNOWN or monitor.type == "push")
