"""The quiet run (judge/quiet.py): its record beside STATE_FILE, the check, and status.json's one PUT.

The record (STATE_FILE + ".quiet", a few KB) holds what the last whole full run read of Uptime Kuma, as
digests, the status.json it published and until when nothing falls due. One site only: two sites renew
their lease and health every run. Deleting it costs one full run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from elytra_status.infra import atomic, http_session, timing
from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config
from elytra_status.infra.timing import MAX_CLOCK_SKEW_SECONDS, Deadline, DeadlineExceeded
from elytra_status.judge import quiet
from elytra_status.kuma.metrics import MetricsAnswer, is_whole, wanted_lines

VERSION = 1
MAX_RECORD_BYTES = 64 * 1024
MAX_PARTS = 64
_KEYS = {"version", "settings", "stamp", "generator", "parts", "until", "written", "document", "etags", "turn"}
# The set's objects whose ETags the record keeps: 16 files and at most 100 incident pages, with room.
MAX_ETAGS = 256


def record_path(config: Config) -> Path:
    return config.state_file.with_name(config.state_file.name + ".quiet")


def settings_digest(config: Config) -> str:
    """Every setting, as one digest: any change makes the next run a full one. Never logged."""
    plain = dataclasses.asdict(config)
    text = json.dumps(
        plain, sort_keys=True, default=lambda o: sorted(map(str, o)) if isinstance(o, (set, frozenset)) else str(o)
    )
    return hashlib.sha256(text.encode()).hexdigest()


def stamp(path: Path) -> list[int]:
    """STATE_FILE as it is now (time, size, inode): a record belongs to one saved state."""
    try:
        found = os.stat(path)
    except OSError:
        return []
    return [found.st_mtime_ns, found.st_size, found.st_ino]


def load(path: Path) -> dict[str, Any] | None:
    """The record, checked at every depth; None when there is none or it fails a check (logged)."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            raise ValueError("too large")
        data = json.loads(path.read_bytes())
        if not isinstance(data, dict) or set(data) != _KEYS or data["version"] != VERSION:
            raise ValueError("not a version 1 record")
        parts, document = data["parts"], data["document"]
        if not (isinstance(parts, dict) and 0 < len(parts) <= MAX_PARTS):
            raise ValueError("parts")
        if not all(isinstance(k, str) and isinstance(v, str) and len(v) == 64 for k, v in parts.items()):
            raise ValueError("parts")
        if not all(isinstance(data[k], str) for k in ("settings", "generator", "until", "written")):
            raise ValueError("a text field")
        etags = data["etags"]
        if not (
            isinstance(etags, dict) and len(etags) <= MAX_ETAGS and all(isinstance(v, str) for v in etags.values())
        ):
            raise ValueError("etags")
        if not (isinstance(data["turn"], int) and 0 <= data["turn"] < 10**6):
            raise ValueError("turn")
        if not (isinstance(data["stamp"], list) and len(data["stamp"]) == 3):
            raise ValueError("stamp")
        if not all(isinstance(n, int) for n in data["stamp"]):
            raise ValueError("stamp")
        if not isinstance(document, dict):  # its schema is checked by confirm(), before it is put up
            raise ValueError("document")
        data["until"], data["written"] = timing.parse_iso_z(data["until"]), timing.parse_iso_z(data["written"])
        return data
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged record only costs a full run
        log.warning("quiet record %s unusable (%s): this run is a full one and writes it anew", path, exc)
        return None


def adopt(config: Config, state: Any) -> None:
    """Before a full run: the ETag the quiet runs got for status.json, so its bucket check knows the object;
    then the record goes, so that it never outlives the state it was made with."""
    record = load(record_path(config))
    key = config.status_bucket_key
    ours = record and record["stamp"] == stamp(config.state_file) and record["generator"] == state.generator
    if ours and key in state.published.get("etags", {}) and key in record["etags"]:
        state.published["etags"][key] = state.published["etag"] = record["etags"][key]
        state.published["turn"] = record["turn"]  # the bucket check's rotation goes on where the quiet runs left it
    forget(config)


def forget(config: Config) -> None:
    """A full run starts: the record it replaces must not outlive it, whatever it ends with."""
    try:
        record_path(config).unlink(missing_ok=True)
    except OSError as exc:
        log.warning("quiet record %s not removed: %s", record_path(config), exc.strerror)


def save(config: Config, record: dict[str, Any]) -> None:
    plain = {**record, "until": timing.iso_z(record["until"]), "written": timing.iso_z(record["written"])}
    try:
        atomic.write_atomically(record_path(config), json.dumps(plain, separators=(",", ":")).encode(), 0o600)
    except OSError as exc:
        log.warning("quiet record %s not written: %s; the next run is a full one", record_path(config), exc.strerror)


def remember(config: Config, state: Any, run: Any, now: datetime) -> None:
    """After a whole full run of one site (status.json public and confirmed, the state saved): the record."""
    from elytra_status.backups.memory import LISTING_KEEP_SECONDS
    from elytra_status.kuma.read import BADGE_CACHE_SECONDS, NO_FIGURE
    from elytra_status.publish.public_set import polled_keys

    etags = dict(state.published.get("etags", {}))
    if run.kuma is None or not quiet.repeatable(run.inputs) or not all(etags.get(k) for k in polled_keys(config)):
        return
    if len(etags) > MAX_ETAGS:
        return
    if any(NO_FIGURE in m.gaps.values() for m in run.kuma.monitors):
        return  # a badge gave nothing: the next run asks again
    if not state.backups:
        return  # no listing kept: the next run lists the backups again
    later = timing.parse_iso_z
    due = [later(state.backups["at"]) + timedelta(seconds=LISTING_KEEP_SECONDS)]
    # A badge kept but no longer asked (its monitor left the page) or a hold that has ended is not due: only
    # the moments still ahead count.
    ahead = [later(fetched) + timedelta(seconds=BADGE_CACHE_SECONDS) for _, fetched in state.kuma.badges.values()]
    if config.notify_urls and state.history.get("changes"):  # a status change waits NOTIFY_HOLD_SECONDS
        ahead.append(later(state.history["changes"][-1]["at"]) + timedelta(seconds=config.notify_hold_seconds))
    due += [moment for moment in ahead if moment > now]
    if "at" in state.published:
        due.append(later(state.published["at"]) + timedelta(seconds=config.publish_every_seconds))
    if state.site.get("lease_checked_at"):
        due.append(later(state.site["lease_checked_at"]) + timedelta(seconds=config.publish_every_seconds))
    newest = [s.newest.last_modified if s.newest else None for s in run.backups.sets]
    record = {
        "version": VERSION,
        "settings": settings_digest(config),
        "stamp": stamp(config.state_file),
        "generator": state.generator,
        "parts": run.inputs,
        "until": quiet.quiet_until(now, due, newest, config.backup_max_age_hours),
        "written": now,
        "document": run.document,
        "etags": etags,
        "turn": state.published.get("turn", 0) % 10**6,
    }
    save(config, record)


def attempt(config: Config, now: datetime) -> bool:
    """A quiet run, when the record allows one and Uptime Kuma answers as before: True when it confirmed
    status.json; False (logged) when a full run must follow."""
    try:
        return _attempt(config, now)
    except Exception as exc:  # noqa: BLE001 - whatever went wrong here, the full run still happens
        log.warning("quiet run: unexpected %s; a full run instead", type(exc).__name__)
        return False


def _attempt(config: Config, now: datetime) -> bool:
    path = record_path(config)
    record = load(path)
    if record is None:
        return False
    why = quiet.refusal(record, now, settings_digest(config), stamp(config.state_file))
    if why is None:
        pool = http_session.make_pool()
        why = repeated_reads(config, now, record, pool) or polled_problem(config, record, pool)
    if why:
        log.info("full run: %s", why)
        return False
    from elytra_status.infra.signed_s3 import SignedS3
    from elytra_status.publish.confirm import confirm

    document, published = {**record["document"], "updated_at": timing.iso_z(now)}, {}
    if not confirm(config, document, now, published, record["generator"], SignedS3(config)):
        return False
    etags = {**record["etags"], config.status_bucket_key: published["etag"]}
    save(config, {**record, "etags": etags, "turn": record["turn"] % 10**6})
    log.info(
        "quiet run: Uptime Kuma answers as at %s; status.json confirmed, nothing else due",
        timing.iso_z(record["written"]),
    )
    return True


def repeated_reads(config: Config, now: datetime, record: dict[str, Any], pool: Any) -> str | None:
    """The full run's reads of Uptime Kuma, again, path by path (a plain urllib3 pool: no requests to import):
    None when each answers as then, else what differs."""
    import urllib3

    deadline = Deadline.after(config.run_deadline_seconds)
    parts: dict[str, str] = {}
    for path in record["parts"]:
        metrics = path.endswith("/metrics")
        # As kuma/metrics.py asks: the key on /metrics only, no redirect followed.
        headers = urllib3.make_headers(basic_auth=f":{config.uptime_kuma_api_key}") if metrics else {}
        try:
            connect, read = deadline.timeout(config.http_timeout_seconds)
            answer = pool.request(
                "GET",
                config.uptime_kuma_url.rstrip("/") + path,
                headers=headers,
                redirect=False,
                timeout=urllib3.Timeout(connect=connect, read=read),
            )
        except (urllib3.exceptions.HTTPError, DeadlineExceeded):
            return f"{path.split('?')[0]} did not answer"
        if answer.status != 200:
            return f"{path.split('?')[0]} answered HTTP {answer.status}"
        body = answer.data
        if metrics:
            text = body.decode("utf-8", errors="replace")
            if not is_whole(text):  # cut, or not metrics: a full run says so and uses none of it
                return "/metrics answered a cut or foreign body"
            # The full run's check (run/sources.py): past the bound, it says what to fix.
            offset = MetricsAnswer(text, timing.parse_http_date(answer.headers.get("Date")), now).clock_offset
            if offset is not None and abs(offset) > MAX_CLOCK_SKEW_SECONDS:
                return "this machine's clock and Uptime Kuma's differ"
            body = "\n".join(wanted_lines(text)).encode()
        parts[path] = hashlib.sha256(body).hexdigest()
    return quiet.unchanged(record["parts"], parts)


def polled_problem(config: Config, record: dict[str, Any], pool: Any) -> str | None:
    """The objects readers poll, HEADed as a reader does, as a full run's bucket check does every run: None
    when each is the one this generator last wrote; else the full run finds out and restores it."""
    import urllib3

    from elytra_status.infra.signed_s3 import object_url
    from elytra_status.publish import public_set

    def head(key: str) -> dict[str, Any] | None:
        url = object_url(config.status_store.endpoint, config.status_bucket, key, {})
        connect, read = http_session.request_timeout(config.http_timeout_seconds)
        try:
            answer = pool.request(
                "HEAD", url, redirect=False, retries=False, timeout=urllib3.Timeout(connect=connect, read=read)
            )
        except urllib3.exceptions.HTTPError:
            return None
        if answer.status != 200:
            return None
        return {"ETag": answer.headers.get("ETag"), "generator": answer.headers.get(public_set.HEADER)}

    # The objects a full run would HEAD: the polled ones, and this run's turn of the others (the rotation
    # covers the set every PUBLISH_EVERY_SECONDS); the turn moves on in the record.
    published = {"etags": record["etags"], "turn": record["turn"]}
    keys = public_set.due_keys(config, published, config.publish_every_seconds)
    record["turn"] = published["turn"]
    found = public_set.audit(keys, published, record["generator"], head)
    return "; ".join(found.problems[:3]) or None
