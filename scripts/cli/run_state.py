"""The run state kept between runs (STATE_FILE): small, versioned, written atomically, safe to delete."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import atomic
from logs import log

STATE_VERSION = 1
# A bound on the file: more monitors than any page shows; the least recently seen go first.
MAX_MONITORS = 10_000


@dataclass
class KumaMemory:
    """What earlier runs saw of Uptime Kuma: its process start, and each monitor id's last sighting."""

    process_start: int | None = None
    seen: dict[int, str] = field(default_factory=dict)


@dataclass
class RunState:
    kuma: KumaMemory = field(default_factory=KumaMemory)


def load(path: Path) -> RunState:
    """The state in path; an empty one when it is missing, unreadable or of another version (logged)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return RunState()
    except (OSError, ValueError) as exc:
        log.warning("state %s unreadable (%s): starting with no memory of earlier runs", path, exc)
        return RunState()
    if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
        log.warning("state %s is not version %d: starting with no memory of earlier runs", path, STATE_VERSION)
        return RunState()
    try:
        kuma = raw.get("kuma") or {}
        start = kuma.get("process_start")
        seen = {int(k): str(v) for k, v in (kuma.get("seen") or {}).items()}
        return RunState(KumaMemory(int(start) if start is not None else None, seen))
    except (TypeError, ValueError, AttributeError):
        log.warning("state %s has unexpected content: starting with no memory of earlier runs", path)
        return RunState()


def to_json(state: RunState) -> dict[str, Any]:
    seen = sorted(state.kuma.seen.items(), key=lambda item: item[1], reverse=True)[:MAX_MONITORS]
    return {
        "version": STATE_VERSION,
        "kuma": {"process_start": state.kuma.process_start, "seen": {str(k): v for k, v in sorted(seen)}},
    }


def save(path: Path, state: RunState) -> bool:
    """Write atomically; a failure is logged (the run goes on) and returns False."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_atomically(path, json.dumps(to_json(state), indent=1).encode(), 0o600)
        return True
    except OSError as exc:
        log.error("cannot write state %s (STATE_FILE): %s; the next run starts without it", path, exc.strerror)
        return False
