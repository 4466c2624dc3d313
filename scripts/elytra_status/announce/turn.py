"""One run's announcements, after its public files are published: read the record, decide, claim, send, record.

Order, for "once": the events and their targets are written to the record (If-Match) before anything is sent,
so two writers never both send, and a crash leaves them pending, never lost; each result is written after
sending, so only a crash between a send and that write repeats one message.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elytra_status.announce import decide, record, wording
from elytra_status.announce.sender import Target, send
from elytra_status.infra import exits, timing
from elytra_status.infra.logs import log
from elytra_status.infra.settings import LEASE_MARGIN_SECONDS, Config
from elytra_status.infra.signed_s3 import SignedS3
from elytra_status.render import history, words
from elytra_status.render.keys import public_base, site_key

# Announcing gets this long a run at most, every target in parallel; what is unfinished goes on next run.
BUDGET_SECONDS = 5.0
# A run published its set, or the bucket already held it: the files on disk are the public ones.
PUBLISHED = (exits.EXIT_OK, exits.EXIT_SOURCE_FAILED, exits.EXIT_STATE_NOT_SAVED)


@dataclass(frozen=True)
class Outcome:
    sent: int = 0
    pending: int | None = None  # None: not known this run (the record was not read)

    @property
    def note(self) -> str:
        """The heartbeat's words: "announcements pending: 1" while a target has not had its message."""
        return f"announcements pending: {self.pending}" if self.pending else ""


def view_from_disk(config: Config, memory: dict[str, Any]) -> decide.View | None:
    """What the public files show, from OUTPUT_FILE and BUNDLE_DIR (the set last uploaded) and the run's history."""
    try:
        document = json.loads(Path(config.output_file).read_text())
        read = {
            key: json.loads((config.bundle_dir / key).read_text())
            for key in ("api/v2/summary.json", "api/v2/incidents.json", "api/v2/scheduled-maintenances.json")
        }
    except (OSError, ValueError):
        return None
    components = read["api/v2/summary.json"].get("components", [])
    return decide.View(
        platform=history.platform_state(document),
        headline=words.headline_parts(document, components, history.component_state),
        page_url=public_base(config),
        changes=list(memory.get("changes", [])),
        incidents=read["api/v2/incidents.json"].get("incidents", []),
        maintenances=read["api/v2/scheduled-maintenances.json"].get("scheduled_maintenances", []),
    )


def targets_of(config: Config) -> list[Target]:
    return [Target(decide.target_id(url), n, url) for n, url in enumerate(config.notify_urls, 1)]


def after_run(config: Config, memory: dict[str, Any], code: int, turn: Any, client: SignedS3) -> Outcome | None:
    """The run's announcements; never raises, never changes the run's outcome. None when there was nothing to do."""
    if not config.notify_urls:
        return None
    if code not in PUBLISHED or (turn is not None and (not turn.writer or turn.published is False)):
        return None  # only what is public is announced, and only by the writer
    budget = BUDGET_SECONDS
    if turn is not None:
        budget = min(budget, (turn.until or 0.0) - timing.lease_clock() - LEASE_MARGIN_SECONDS)
        if budget < 1.0:
            log.info("announcements: the lease has too little time left this run; next run")
            return None
    try:
        return announce(config, memory, client, budget)
    except record.RecordError as exc:
        log.warning("announcements: %s; they go on next run", exc)
    except Exception as exc:  # noqa: BLE001 - announcing never fails the run
        log.warning("announcements: unexpected %s; they go on next run", type(exc).__name__)
    return Outcome()


def announce(config: Config, memory: dict[str, Any], client: SignedS3, budget: float) -> Outcome:
    view = view_from_disk(config, memory)
    if view is None:
        log.warning("announcements: the published files are not on disk (BUNDLE_DIR); nothing decided this run")
        return Outcome()
    key = site_key(config, record.NAME)
    now = timing.utc_now()
    held, etag, exists = record.read(client, key)
    if held is None:
        # No record (first run, or deleted): what is public now is known; nothing old is announced.
        if record.write(client, key, decide.baseline(view), etag if exists else None) is not None:
            log.info("announcements: record started; what the page shows now is not announced")
        return Outcome(pending=0)
    before = json.dumps(held, sort_keys=True)
    targets = targets_of(config)
    tids = [t.tid for t in targets]
    events = decide.new_events(view, held, now, config.notify_hold_seconds)
    decide.queue(held, events, tids, now)
    pairs = decide.due(held, tids)
    if not pairs and json.dumps(held, sort_keys=True) == before:
        return Outcome(pending=decide.pending_count(held))
    # A token of its own in each claim: the ETag is the body's MD5, and a claim of the same bytes would keep
    # the ETag another writer holds, letting its If-Match win too and both send.
    held["claim"] = secrets.token_hex(8)
    etag = record.write(client, key, held, etag)  # the claim: another writer's record came first -> it sends
    if etag is None:
        log.info("announcements: the record changed under this run; the writer that changed it announces")
        return Outcome(pending=None)
    if not pairs:
        return Outcome(pending=decide.pending_count(held))
    return deliver(config, held, key, etag, targets, pairs, budget, client)


def deliver(
    config: Config,
    held: dict[str, Any],
    key: str,
    etag: str,
    targets: list[Target],
    pairs: list[tuple[dict[str, Any], str]],
    budget: float,
    client: SignedS3,
) -> Outcome:
    messages: dict[str, list[tuple[str, str, str]]] = {}
    for event, tid in pairs:
        messages.setdefault(tid, []).append((event["key"], *wording.message(event, config.page_language)))
    started = time.monotonic()
    results, reasons = send([t for t in targets if t.tid in messages], messages, budget)
    now = timing.utc_now()
    by_tid = {t.tid: t for t in targets}
    for tid, reason in reasons.items():
        log.warning("announcements: %s failed: %s; tried again next runs", by_tid[tid].label, reason[:200])
    for event, tid in decide.settle(held, results, now):
        log.warning(
            "announcements: %s %s of %s dropped for %s: undelivered for %d h",
            event["kind"],
            event["phase"],
            event["at"],
            by_tid[tid].label if tid in by_tid else "a removed target",
            decide.RETRY_SECONDS // 3600,
        )
    sent = sum(1 for ok in results.values() if ok)
    if record.write(client, key, held, etag) is None:
        log.warning("announcements: sent, but the record changed meanwhile; a message may be repeated")
    log.info("announcements: %d sent, %d pending, %.2fs", sent, decide.pending_count(held), time.monotonic() - started)
    return Outcome(sent=sent, pending=decide.pending_count(held))


def preview(config: Config, memory: dict[str, Any], client: SignedS3) -> list[dict[str, Any]]:
    """--dry-run: what the next run would announce now, from the files on disk and the record; nothing written."""
    view = view_from_disk(config, memory)
    held, _, _ = record.read(client, site_key(config, record.NAME))
    if view is None or held is None:
        return []
    now = timing.utc_now()
    events = decide.new_events(view, held, now, config.notify_hold_seconds)
    tids = [t.tid for t in targets_of(config)]
    waiting = [e for e in held.get("pending", []) if any(t in tids for t in e["targets"])]
    out = []
    for event in [*waiting, *events]:
        title, body = wording.message(event, config.page_language)
        out.append({"kind": event["kind"], "phase": event["phase"], "at": event["at"], "title": title, "body": body})
    return out
