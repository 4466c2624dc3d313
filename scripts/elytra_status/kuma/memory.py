"""What earlier runs saw of Uptime Kuma, kept in the run state: the expected set and the slow figures."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class KumaMemory:
    """What earlier runs saw of Uptime Kuma: its process start, and each monitor id's last sighting."""

    process_start: int | None = None
    seen: dict[int, str] = field(default_factory=dict)
    # Slow figures, reused for BADGE_CACHE_SECONDS: "<id>/<hours>" -> [percent, fetched at]
    badges: dict[str, list[str]] = field(default_factory=dict)
