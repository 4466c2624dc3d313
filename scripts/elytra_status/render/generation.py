"""One run's public files in memory, checked and serialised once: what is written to disk and uploaded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra import atomic
from elytra_status.judge.change_gate import digest_of
from elytra_status.render import extras, kuma_json, page, status_doc
from elytra_status.render.checks import check_document, check_text
from elytra_status.render.keys import public_base, status_name

if TYPE_CHECKING:
    from pathlib import Path

    from elytra_status.infra.settings import Config


@dataclass
class Generation:
    """The public set of one run: status.json, and each bundle file by its key under the status folder."""

    document: dict[str, Any]
    status: bytes
    files: dict[str, bytes]
    digest: str

    def objects(self, config: Config) -> dict[str, bytes]:
        """Every object by its key under the status folder, status.json last."""
        return {**self.files, status_name(config): self.status}


def render(
    config: Config,
    document: dict[str, Any],
    files: dict[str, Any],
    memory: dict[str, Any],
    now: datetime,
    digest: str | None = None,
) -> Generation:
    """Check the documents against the schemas, render the page and feed, serialise. Raises RefusedBundle.

    The Uptime Kuma-shaped documents are among files only when this run read Uptime Kuma (documents.py).
    """
    for key, content in files.items():
        if not key.startswith(kuma_json.FOLDER):
            check_document(key, content)
    out = {key: (json.dumps(content, ensure_ascii=False, indent=1) + "\n").encode() for key, content in files.items()}
    language, base = config.page_language, public_base(config)
    out["index.html"] = page.render_page(
        files, document, memory, config.status_max_age_seconds, now, language, status_name(config)
    ).encode()
    out["history.atom"] = page.render_feed(files, memory.get("changes", []), base, now, language).encode()
    out.update(extras.render(files, document["updated_at"], base, language))
    for key in out:
        if key not in files or key.startswith(kuma_json.FOLDER):
            check_text(key, out[key], document["updated_at"])
    digest = digest or digest_of({"status.json": document, **files})
    return Generation(document, status_doc.to_bytes(document), out, digest)


def write_bundle(config: Config, generation: Generation) -> None:
    """Each bundle file into BUNDLE_DIR, atomically. Raises OSError."""
    for key, data in generation.files.items():
        _write(config.bundle_dir / key, data)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_atomically(path, data)
