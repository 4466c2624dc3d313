"""The run state kept between runs (STATE_FILE): small, versioned, written atomically, safe to delete."""

from __future__ import annotations

import functools
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elytra_status.infra import atomic, timing
from elytra_status.infra.logs import log
from elytra_status.kuma.memory import KumaMemory
from elytra_status.render.bundle_memory import BundleMemory

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config

# 2 names its source and generator; 1 (before that) is adopted by the first run that reads it.
STATE_VERSION = 2
KNOWN_VERSIONS = (1, 2)
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "infra" / "state.schema.json"
# 1,000 monitors with 90 days of history is about 10 MB; a file past this is not ours.
MAX_STATE_BYTES = 64 * 1024 * 1024
# Damaged files moved aside for the operator, the newest first; older ones are removed.
KEEP_DAMAGED = 3
# A time of this state's own runs later than now by more than this was written by a wrong clock.
FUTURE_SLACK_SECONDS = 300
# A bound on the file: more monitors than any page shows; the least recently seen go first.
MAX_MONITORS = 10_000


@dataclass
class RunState:
    kuma: KumaMemory = field(default_factory=KumaMemory)
    bundle: BundleMemory = field(default_factory=BundleMemory)
    # history.py's days, and the platform status changes the feed lists
    history: dict[str, Any] = field(default_factory=dict)
    # What the last complete upload sent: its digest, time, each object's ETag; a foreign writer seen
    published: dict[str, Any] = field(default_factory=dict)
    # backup_memory.py's last listing of the backup bucket, kept LISTING_KEEP_SECONDS
    backups: dict[str, Any] = field(default_factory=dict)
    # What this memory describes (source_of), the MONITOR_IDS it was made with, and this generator's id
    source: dict[str, str] = field(default_factory=dict)
    selection: list[int] = field(default_factory=list)
    generator: str = field(default_factory=lambda: secrets.token_hex(16), compare=False)
    # Two-site mode: when the store was checked, since when this install runs as its site, the other sites'
    # generator ids (public_check.py accepts their objects). One site: when the folder was checked for a lease.
    site: dict[str, Any] = field(default_factory=dict)
    # One id for one thing (judge/ids.py, as JSON): also in the bucket, written by the site that publishes
    ids: dict[str, Any] = field(default_factory=dict)
    # The digest of the record this site last wrote to the bucket (run/merge.py): written again only when it changes
    record_digest: str = ""


def source_of(config: Config) -> dict[str, str]:
    """The identity of what a state describes: one Uptime Kuma page, one public object. Never published."""
    source = {
        "UPTIME_KUMA_URL": config.uptime_kuma_url,
        "UPTIME_KUMA_STATUS_PAGE": config.uptime_kuma_status_page or "",
        "STATUS_BUCKET": config.status_bucket,
        "STATUS_BUCKET_KEY": config.status_bucket_key,
        "SPACES_ENDPOINT": config.spaces_endpoint,
    }
    if config.status_store.endpoint_setting == "STATUS_ENDPOINT":  # only then: older states name no such key
        source["STATUS_ENDPOINT"] = config.status_store.endpoint
    return source


class DamagedState(ValueError):
    """A state file that fails its checks; the message says where."""


def schema() -> dict[str, Any]:
    """The state's JSON Schema, with the bundle's shared definitions."""
    from elytra_status.infra import schemas as bundle_schema

    definitions = {**bundle_schema.definitions(), **json.loads(SCHEMA_FILE.read_text())["definitions"]}
    return {"$ref": "#/definitions/state", "definitions": definitions}


@functools.cache
def _validator() -> Any:
    from elytra_status.infra import validators

    return validators.compiled("state", schema())


def _future_stamps(raw: dict[str, Any], now: datetime) -> list[str]:
    """Where the state holds a time of its own runs later than now: written by a clock that was wrong."""
    limit = timing.iso_z(now + timedelta(seconds=FUTURE_SLACK_SECONDS))
    stamps = {
        "kuma.seen": list(raw["kuma"]["seen"].values()),
        "kuma.badges": [v[1] for v in raw["kuma"].get("badges", {}).values()],
        "published.at": [raw["published"]["at"]] if "at" in raw["published"] else [],
        "history.last_run": [raw["history"]["last_run"]] if "last_run" in raw["history"] else [],
        "history.days": [f"{day}T00:00:00Z" for day in raw["history"].get("days", {})],
        "backups.at": [raw["backups"]["at"]] if "at" in raw["backups"] else [],
        "site": [raw.get("site", {})[k] for k in ("store_checked_at", "lease_checked_at") if k in raw.get("site", {})],
        "bundle.components": [v[1] for v in raw["bundle"].get("components", {}).values()],
    }
    return [name for name, values in stamps.items() if any(v[:19] > limit[:19] for v in values)]


def parse(raw: Any, now: datetime) -> RunState:
    """A state from its JSON, checked at every depth; raises DamagedState."""
    import fastjsonschema

    try:
        _validator()(raw)
    except fastjsonschema.JsonSchemaException as exc:
        raise DamagedState(f"{exc.message[:200]}") from None
    future = _future_stamps(raw, now)
    if future:
        raise DamagedState(f"times in the future in {', '.join(future)}")
    kuma = raw["kuma"]
    bundle = raw["bundle"]
    return RunState(
        KumaMemory(kuma["process_start"], {int(k): v for k, v in kuma["seen"].items()}, dict(kuma.get("badges", {}))),
        BundleMemory(**bundle),
        raw["history"],
        raw["published"],
        raw["backups"],
        raw.get("source", {}),
        raw.get("selection", []),
        raw.get("generator") or secrets.token_hex(16),
        raw.get("site", {}),
        raw.get("ids", {}),
        raw.get("record_digest", ""),
    )


def load(path: Path, now: datetime | None = None) -> RunState:
    """The state in path; a fresh one when it is missing, or damaged (then moved aside, with one WARNING)."""
    now = now or timing.utc_now()
    try:
        size = path.stat().st_size
        if size > MAX_STATE_BYTES:
            raise DamagedState(f"{size} bytes, over {MAX_STATE_BYTES}")
        raw = json.loads(path.read_bytes())
        if not isinstance(raw, dict) or raw.get("version") not in KNOWN_VERSIONS:
            version = raw.get("version") if isinstance(raw, dict) else None
            raise DamagedState(f"version {version!r} is not one of {list(KNOWN_VERSIONS)}")
        return parse(raw, now)
    except FileNotFoundError:
        return RunState()
    except (OSError, ValueError) as exc:  # DamagedState is a ValueError; so is bad JSON
        kept = set_aside(path, now)
        where = f"moved to {kept.name}" if kept else "could not be moved aside"
        log.warning(
            "state %s is damaged (%s): %s; starting with no memory of earlier runs",
            path,
            str(exc)[:300],
            where,
        )
        return RunState()


def set_aside(path: Path, now: datetime) -> Path | None:
    """Keep a damaged state for the operator, as <name>.damaged-<time>; only the KEEP_DAMAGED newest stay."""
    target = path.with_name(f"{path.name}.damaged-{now.strftime('%Y%m%dT%H%M%S.%fZ')}")
    try:
        os.replace(path, target)
    except OSError:
        return None
    for old in sorted(path.parent.glob(f"{path.name}.damaged-*"))[:-KEEP_DAMAGED]:
        old.unlink(missing_ok=True)
    return target


def generator_of(path: Path) -> str | None:
    """This generator's id as the state file records it, read only (never moved aside); None when none."""
    return writers_of(path)[0]


def writers_of(path: Path) -> tuple[str | None, frozenset[str]]:
    """This generator's id and the other sites' (two sites: saved by the last run), read only."""
    import re

    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None, frozenset()
    raw = raw if isinstance(raw, dict) else {}
    site = raw.get("site") if isinstance(raw.get("site"), dict) else {}
    peers = site.get("peers") if isinstance(site.get("peers"), list) else []
    ids = re.compile(r"[0-9a-f]{32}")
    found = raw.get("generator")
    mine = found if isinstance(found, str) and ids.fullmatch(found) else None
    return mine, frozenset(p for p in peers if isinstance(p, str) and ids.fullmatch(p))


def bind(state: RunState, config: Config) -> RunState:
    """The state for this config's source: adopted once when it names none, fresh (history aside) when another."""
    source = source_of(config)
    selection = list(config.monitor_ids)
    if not state.source:
        if state.kuma.seen or state.history or state.published:
            log.info("state names no source yet: it is taken as this one's (%s)", ", ".join(sorted(source)))
        state.source, state.selection = source, selection
        return state
    changed = [name for name in source if state.source.get(name) != source[name]]
    if changed:
        log.warning(
            "state was made for another source (%s changed): starting fresh; past days are kept only for"
            " components the page still has under the same id and name",
            ", ".join(changed),
        )
        from elytra_status.render import history

        fresh = RunState(generator=state.generator, source=source, selection=selection)
        fresh.history = history.set_aside(state.history)
        return fresh
    if state.selection != selection:
        log.info("MONITOR_IDS changed since the last run: the history stays; the next run uploads anew")
        state.selection, state.published = selection, {}
    return state


def to_json(state: RunState) -> dict[str, Any]:
    seen = sorted(state.kuma.seen.items(), key=lambda item: item[1], reverse=True)[:MAX_MONITORS]
    components = sorted(state.bundle.components.items(), key=lambda item: item[1][1], reverse=True)[:MAX_MONITORS]
    source = {"source": state.source} if state.source else {}  # none yet: adopted by the first bound run
    return {
        "version": STATE_VERSION,
        **source,
        "selection": state.selection[:MAX_MONITORS],
        "generator": state.generator,
        "kuma": {
            "process_start": state.kuma.process_start,
            "seen": {str(k): v for k, v in sorted(seen)},
            "badges": dict(list(state.kuma.badges.items())[: 2 * MAX_MONITORS]),
        },
        "bundle": {**asdict(state.bundle), "components": dict(sorted(components))},
        "history": state.history,
        "published": state.published,
        "backups": dict(state.backups),  # a copy: a late backup thread may still replace its entries
        **({"site": state.site} if state.site else {}),
        **({"ids": state.ids} if state.ids else {}),
        **({"record_digest": state.record_digest} if state.record_digest else {}),
    }


def save(path: Path, state: RunState) -> bool:
    """Write atomically; a failure is logged as an ERROR naming the path and returns False."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Compact: at 1,000 monitors an indented dump cost 0.08 s a run (`python -m json.tool` reads it).
        atomic.write_atomically(path, json.dumps(to_json(state), separators=(",", ":")).encode(), 0o600)
        return True
    except OSError as exc:
        log.error(
            "cannot write state %s (STATE_FILE): %s; this run's memory is lost (history, published set)",
            path,
            exc.strerror or type(exc).__name__,
        )
        return False
