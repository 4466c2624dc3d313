"""The public files of a run: the bundle written to BUNDLE_DIR beside status.json, and staged for one upload."""

from __future__ import annotations

import json
import posixpath
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import atomic
import bundle
import bundle_schema
import history
import page
from logs import log
from settings import Config

if TYPE_CHECKING:
    from run_state import RunState
    from uptime_kuma_client import KumaReport


class RefusedBundle(Exception):
    """A bundle file is missing its checks; nothing of the bundle may go out."""


def public_base(config: Config) -> str:
    """The public folder's URL (what STATUS_PUBLIC_URL sits in), or "" when none is configured."""
    url = config.status_public_url or ""
    return url.rsplit("/", 1)[0] + "/" if url else ""


def key_prefix(config: Config) -> str:
    """The bucket folder of the public files: the folder of STATUS_BUCKET_KEY."""
    folder = posixpath.dirname(config.status_bucket_key)
    return f"{folder}/" if folder else ""


def public_states(kuma: KumaReport | None) -> dict[int, int] | None:
    """What the run observed of each monitor, for the bundle and page: Uptime Kuma's state, or UNKNOWN for
    an expected monitor it could not see. A page monitor in neither is "not reported" (paused, deleted):
    left out, as status.json leaves it out. None when Uptime Kuma could not be read: every one unknown.
    """
    from kuma_metrics import UNKNOWN, UNTIED

    if kuma is None:
        return None
    states = dict(kuma.states)
    for m in kuma.monitors:  # an expected monitor not seen, or a shared name whose monitors disagree
        if m.id is not None and (m.state == UNKNOWN or (m.state == UNTIED and m.id not in states)):
            states[m.id] = UNKNOWN
    return states


def build_bundle(
    config: Config, document: dict[str, Any], kuma: KumaReport | None, state: RunState, now: datetime
) -> dict[str, Any]:
    """The bundle's JSON documents by key, the history of this run recorded in the state on the way."""
    files = bundle.build(
        document,
        kuma.page if kuma else None,
        public_states(kuma),
        kuma.history if kuma else None,
        state.bundle,
        public_base(config),
        now,
    )
    figures = {"platform": document["uptime"]["last_24h"]} if document["uptime"]["last_24h"] is not None else {}
    figures.update(
        {
            f"m{m.id}": float(m.uptime["24h"].percent)
            for m in (kuma.monitors if kuma else [])
            if "24h" in m.uptime and m.id is not None
        }
    )
    components = files["api/v2/summary.json"]["components"]
    if kuma is not None and (kuma.page is not None or not config.uptime_kuma_status_page):
        # The page was read this run: days kept aside (another source, the bucket) meet its components.
        adopted = history.adopt(state.history, components)
        if adopted:
            log.info("history: %s", adopted)
    history.record(state.history, document, components, figures, now)
    note_change(state.history, history.platform_state(document), document["updated_at"])
    files["history.json"] = history.public(
        state.history,
        files["api/v2/summary.json"],
        files["api/v2/incidents.json"]
        | {"scheduled_maintenances": files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]},
        now,
    )
    return files


def write_bundle(
    config: Config, files: dict[str, Any], document: dict[str, Any], memory: dict[str, Any], now: datetime
) -> None:
    """Check the documents against the schemas, render the page and feed, then write each file atomically.

    Raises RefusedBundle or OSError.
    """
    for key, content in files.items():
        try:
            bundle_schema.check(key, content)
        except bundle_schema.InvalidBundle as exc:
            raise RefusedBundle(str(exc)) from None
    rendered = {
        "index.html": page.render_page(files, document, memory, config.status_max_age_seconds, now),
        "history.atom": page.render_feed(files, memory.get("changes", []), public_base(config), now),
    }
    for key, text in rendered.items():
        check_text(key, text.encode(), document["updated_at"])
    for key, content in files.items():
        _write(config.bundle_dir / key, (json.dumps(content, ensure_ascii=False, indent=1) + "\n").encode())
    for key, text in rendered.items():
        _write(config.bundle_dir / key, text.encode())


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_atomically(path, data)


def note_change(memory: dict[str, Any], state: str, at: str) -> None:
    """Keep the platform status changes for the feed: the 50 most recent."""
    if memory.get("platform_now") not in (None, state):
        change = {"at": at, "from": memory["platform_now"], "to": state}
        memory["changes"] = [change, *memory.get("changes", [])][:50]
    memory["platform_now"] = state


# The rendered files beside the JSON ones, and the most a page may weigh.
TEXT_FILES = ("index.html", "history.atom")
MAX_TEXT_BYTES = 2_000_000


def check_text(key: str, data: bytes, updated_at: str) -> None:
    """index.html and history.atom: of this run, not too large; the feed well-formed XML."""
    import xml.etree.ElementTree as ElementTree

    if len(data) > MAX_TEXT_BYTES:
        raise RefusedBundle(f"{key} is {len(data)} bytes, over {MAX_TEXT_BYTES}")
    if key == "index.html" and f'datetime="{updated_at}"'.encode() not in data:
        raise RefusedBundle(f"index.html is not of the run of {updated_at}")
    if key == "history.atom":
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as exc:
            raise RefusedBundle(f"history.atom is not well-formed XML: {exc}") from None
        updated = root.findtext("{http://www.w3.org/2005/Atom}updated") or ""
        if updated[:19] != updated_at[:19]:
            raise RefusedBundle(f"history.atom is not of the run of {updated_at}")


def check_bundle(config: Config, document: dict[str, Any]) -> dict[str, Path]:
    """The bundle's files that belong to this status document, each checked again; raises RefusedBundle.

    A file of another run (its page.updated_at differs) or failing its schema refuses the whole bundle.
    """
    found: dict[str, Path] = {}
    stamp = document["updated_at"][:19]
    for key in bundle_schema.file_keys():
        path = config.bundle_dir / key
        if not path.exists():
            continue
        try:
            content = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise RefusedBundle(f"{key} unreadable: {exc}") from None
        try:
            bundle_schema.check(key, content)
        except bundle_schema.InvalidBundle as exc:
            raise RefusedBundle(str(exc)) from None
        updated = content["page"]["updated_at"] if "page" in content else content.get("updated_at", stamp)
        if updated[:19] != stamp:
            raise RefusedBundle(f"{key} is of another run ({updated}), not of {stamp}Z")
        if key == "badge.json" and content != bundle.badge(document):
            raise RefusedBundle("badge.json does not match status.json")
        found[key] = path
    for key in TEXT_FILES:
        path = config.bundle_dir / key
        if path.exists():
            check_text(key, path.read_bytes(), document["updated_at"])
            found[key] = path
    expected = len(bundle_schema.file_keys()) + len(TEXT_FILES)
    if found and len(found) != expected:
        missing = sorted({*bundle_schema.file_keys(), *TEXT_FILES} - set(found))
        raise RefusedBundle(f"the bundle is incomplete: {', '.join(missing)} missing from {config.bundle_dir}")
    return found


def stage(config: Config, status_file: Path, bundle_files: dict[str, Path]) -> Path:
    """A temp folder holding exactly what one upload sends; the caller removes it."""
    staging = Path(tempfile.mkdtemp(prefix="elytra-upload-"))
    try:
        shutil.copyfile(status_file, staging / posixpath.basename(config.status_bucket_key))
        for key, path in bundle_files.items():
            (staging / key).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, staging / key)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("staged %d files for one upload", 1 + len(bundle_files))
    return staging


# A published history.json larger than this is not ours to restore.
MAX_RESTORED_BYTES = 32 * 1024 * 1024


def restore_history(config: Config, state: RunState, client: Any, now: datetime) -> None:
    """A new VM, or a deleted state: take the days back from the published history.json, once. No listing.

    The days are set aside and adopted by build_bundle for the components the page still has.
    """
    if state.history.get("days") or state.history.get("carried") or not config.status_bucket:
        return
    key = key_prefix(config) + "history.json"
    try:
        import s3

        client = client or s3.make_s3_client(config)
        body = client.get_object(Bucket=config.status_bucket, Key=key)["Body"].read(MAX_RESTORED_BYTES + 1)
        if len(body) > MAX_RESTORED_BYTES:
            raise ValueError(f"over {MAX_RESTORED_BYTES} bytes")
        published = json.loads(body)
    except Exception as exc:  # noqa: BLE001 - no history to restore is an ordinary first run
        log.info(
            "no history restored from s3://%s/%s (%s): it starts today", config.status_bucket, key, type(exc).__name__
        )
        return
    taken = history.restore(state.history, published, now)
    offered = len(published.get("days") or []) if isinstance(published, dict) else 0
    log.info(
        "history read from s3://%s/%s: %d of %d days valid, kept for the components this page still has",
        config.status_bucket,
        key,
        taken,
        offered,
    )
