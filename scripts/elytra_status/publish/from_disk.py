"""The set last written to disk (OUTPUT_FILE, BUNDLE_DIR), read back for a publish by hand, checked again."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elytra_status.infra import schemas
from elytra_status.judge.change_gate import digest_of
from elytra_status.render import bundle, extras, status_doc
from elytra_status.render.checks import TEXT_FILES, RefusedBundle, check_text
from elytra_status.render.generation import Generation

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config


class RefusedFile(Exception):
    """status.json is not fit to publish; the public object is left as it was."""


def read_generation(config: Config, now: datetime) -> Generation:
    """status.json and its bundle as a Generation; raises RefusedFile or RefusedBundle."""
    data, document = check_file(config.output_file, config, now)
    files, documents = check_bundle(config, document)
    return Generation(document, data, files, digest_of({"status.json": document, **documents}))


def check_file(path: Path, config: Config, now: datetime) -> tuple[bytes, dict[str, Any]]:
    """Refuse a missing, empty, invalid or stale file; return its bytes and document when it may go out."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RefusedFile(f"{path} does not exist (OUTPUT_FILE): run status.py first") from None
    except OSError as exc:
        raise RefusedFile(f"{path} cannot be read: {exc.strerror}") from None
    if not data.strip():
        raise RefusedFile(f"{path} is empty")
    try:
        document, age = status_doc.status_age(data, now)
    except status_doc.InvalidStatus as exc:
        raise RefusedFile(f"{path} is not a valid status document: {exc}") from None
    problem = status_doc.freshness_problem(document, age, config)
    if problem:
        raise RefusedFile(f"{path} is {problem}")
    return data, document


def check_bundle(config: Config, document: dict[str, Any]) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The bundle's files that belong to this status document, each read once and checked again: their
    bytes by key, and the JSON ones parsed. Raises RefusedBundle.

    A file of another run (its page.updated_at differs) or failing its schema refuses the whole bundle.
    """
    found: dict[str, bytes] = {}
    documents: dict[str, Any] = {}
    stamp = document["updated_at"][:19]
    for key in schemas.file_keys():
        path = config.bundle_dir / key
        if not path.exists():
            continue
        try:
            data = path.read_bytes()
            content = json.loads(data)
        except (OSError, ValueError) as exc:
            raise RefusedBundle(f"{key} unreadable: {exc}") from None
        try:
            schemas.check(key, content)
        except schemas.InvalidBundle as exc:
            raise RefusedBundle(str(exc)) from None
        updated = content["page"]["updated_at"] if "page" in content else content.get("updated_at", stamp)
        if updated[:19] != stamp:
            raise RefusedBundle(f"{key} is of another run ({updated}), not of {stamp}Z")
        found[key], documents[key] = data, content
    summary = documents.get("api/v2/summary.json")
    if summary and documents.get("badge.json") != bundle.badge(document, summary["components"], config.page_language):
        raise RefusedBundle("badge.json does not match status.json")
    # The rendered files, and those named by the bundle (a page an incident): the set the run wrote.
    rendered = [*TEXT_FILES, *(extras.keys(documents) if len(documents) == len(schemas.file_keys()) else [])]
    for key in rendered:
        path = config.bundle_dir / key
        if path.exists():
            found[key] = path.read_bytes()
            check_text(key, found[key], document["updated_at"])
    expected = len(schemas.file_keys()) + len(rendered)
    if found and len(found) != expected:
        missing = sorted({*schemas.file_keys(), *rendered} - set(found))
        raise RefusedBundle(f"the bundle is incomplete: {', '.join(missing[:5])} missing from {config.bundle_dir}")
    return found, documents
