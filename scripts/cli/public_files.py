"""The public files of a run: the bundle written to BUNDLE_DIR beside status.json, and staged for one upload."""

from __future__ import annotations

import json
import posixpath
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bundle
import bundle_schema

import atomic
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


def write_bundle(
    config: Config, document: dict[str, Any], kuma: KumaReport | None, state: RunState, now: datetime
) -> None:
    """Build, check against the schemas, then write each file atomically. Raises RefusedBundle or OSError."""
    files = bundle.build(
        document,
        kuma.page if kuma else None,
        kuma.states if kuma else {},
        kuma.history if kuma else None,
        state.bundle,
        public_base(config),
        now,
    )
    for key, content in files.items():
        try:
            bundle_schema.check(key, content)
        except bundle_schema.InvalidBundle as exc:
            raise RefusedBundle(str(exc)) from None
    for key, content in files.items():
        path = config.bundle_dir / key
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_atomically(path, (json.dumps(content, ensure_ascii=False, indent=1) + "\n").encode())


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
        if "page" in content and content["page"]["updated_at"][:19] != stamp:
            raise RefusedBundle(f"{key} is of another run ({content['page']['updated_at']}), not of {stamp}Z")
        if key == "badge.json" and content != bundle.badge(document):
            raise RefusedBundle("badge.json does not match status.json")
        found[key] = path
    if found and len(found) != len(bundle_schema.file_keys()):
        missing = sorted(set(bundle_schema.file_keys()) - set(found))
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
