"""Whether the bucket still holds the set this generator last published, and whether someone else writes there.

Every public object carries the generator's id as metadata (x-amz-meta-generator). Each run HEADs
the objects readers poll, and the others in turns, so a file deleted, overwritten or changed behind
the generator's back is put back within PUBLISH_EVERY_SECONDS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing

if TYPE_CHECKING:
    from collections.abc import Callable

    from elytra_status.infra.settings import Config

META_KEY = "generator"
HEADER = f"x-amz-meta-{META_KEY}"
# Runs come about a minute apart: the others are spread over the runs of one PUBLISH_EVERY_SECONDS.
RUN_EVERY_SECONDS = 60


@dataclass
class Audit:
    """What the HEADs found: why the set must be written again, and any sign of another writer."""

    problems: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    checked: int = 0


def polled_keys(config: Config) -> list[str]:
    """The objects readers poll: status.json and the Statuspage summary; checked every run."""
    folder = config.status_bucket_key.rpartition("/")[0]
    return [config.status_bucket_key, f"{folder}/api/v2/summary.json" if folder else "api/v2/summary.json"]


def due_keys(config: Config, published: dict[str, Any], every_seconds: int) -> list[str]:
    """The polled objects, then this run's turn of the others, so that each is checked every every_seconds."""
    polled = polled_keys(config)
    others = sorted(k for k in published.get("etags", {}) if k not in polled)
    if not others:
        return polled
    runs = max(1, every_seconds // RUN_EVERY_SECONDS - 1)  # one run of slack for cron's jitter
    size = math.ceil(len(others) / runs)
    turn = published.get("turn", 0) % math.ceil(len(others) / size)
    published["turn"] = turn + 1
    return polled + others[turn * size : (turn + 1) * size]


def audit(
    keys: list[str],
    published: dict[str, Any],
    generator: str,
    head: Callable[[str], dict[str, Any] | None],
    peers: frozenset[str] = frozenset(),
) -> Audit:
    """HEAD each key; head(key) gives {"ETag", "generator"} or None when the object is missing.

    peers: the generators of the other sites (two-site mode): their objects are replaced, not reported.
    """
    found = Audit()
    etags = published.get("etags", {})
    for key in keys:
        remote = head(key)
        found.checked += 1
        if remote is None:
            if key in etags:
                found.problems.append(f"{key} is missing")
            continue
        owner = remote.get("generator")
        if owner in peers:
            found.problems.append(f"{key} was written by another site")
        elif owner != generator:
            who = f"generator {owner[:12]}" if owner else "no generator id (a hand upload, or another tool)"
            found.foreign.append(f"{key} carries {who}")
            found.problems.append(f"{key} was written by someone else")
        elif key in etags and remote.get("ETag") != etags[key]:
            found.problems.append(f"{key} is not the object this generator last wrote")
        elif key not in etags and etags:
            found.problems.append(f"{key} is not in the set last published")
    return found


def remember_foreign(published: dict[str, Any], found: Audit, now: datetime) -> None:
    """Keep the last sign of another writer found by this run's HEADs."""
    if found.foreign:
        what = f"{len(found.foreign)} objects: {'; '.join(found.foreign[:3])}"
        published["foreign"] = {"at": timing.iso_z(now), "what": what[:1000]}


def foreign_warning(published: dict[str, Any]) -> str | None:
    """The warning for this run: another writer seen now, or within two cadences (forget_foreign)."""
    last = published.get("foreign")
    return f"another writer in the status bucket (seen {last['at']}: {last['what']})" if last else None


def forget_foreign(published: dict[str, Any], now: datetime, every_seconds: int) -> None:
    """A writer not seen for a whole cadence is no longer reported."""
    last = published.get("foreign")
    if last and (now - timing.parse_iso_z(last["at"])).total_seconds() > 2 * every_seconds:
        published.pop("foreign")
