"""Publish one generation: stage it from memory, upload it in one AWS CLI process, verify every object."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from elytra_status.infra import exits, timing
from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config
from elytra_status.publish.aws_cli import Fenced, PublishError, upload
from elytra_status.publish.fence import Fence, mark
from elytra_status.publish.heads import verify
from elytra_status.render.generation import Generation
from elytra_status.render.keys import key_prefix


def publish(
    config: Config,
    now: datetime,
    generation: Generation,
    published: dict[str, Any],
    generator: str,
    client: Any = None,
    until: float | None = None,
    fence: Fence | None = None,
) -> int:
    """Upload and verify the set; one log line for the outcome. Two sites: until, the lease's end, and the
    fence (publish/fence.py): each body marked with the term, each PUT conditional.

    The set counts as published (the state's published record) only once every object was written and verified.
    """
    target = f"s3://{config.status_bucket}/{key_prefix(config)}"
    if not generation.files:
        log.info("no bundle in %s: status.json goes alone", config.bundle_dir)
    objects = generation.objects(config)
    if fence is not None:
        objects = {key: mark(key, data, fence.term) for key, data in objects.items()}
    sizes = {key_prefix(config) + key: len(data) for key, data in objects.items()}
    try:
        staging = stage(objects)
    except OSError as exc:
        log.error("upload refused, nothing sent: cannot stage the files: %s", exc.strerror)
        return exits.EXIT_FAILED
    # Until this upload is verified whole, no set counts as published: a run whose upload fails saves a
    # state that makes the next run write the whole set again.
    foreign = published.get("foreign")
    published.clear()
    if foreign:
        published["foreign"] = foreign
    try:
        believed = fence.believed(key_prefix(config)) if fence else None
        answered = upload(staging, list(objects), config, generator, until=until, believed=believed)
        etags = verify(config, sizes, client, generator)
    except PublishError as exc:
        if fence:  # what the failed PUT left is not known: the next run lists the folder again
            fence.forget()
        if isinstance(exc, Fenced):
            log.error(
                "upload to %s stopped: another writer has written there: %s; nothing after it was sent,"
                " status.json included; the next run lists the folder again",
                target,
                exc,
            )
        else:
            log.error("upload to %s failed: %s; the next run writes the whole set again", target, exc)
        return exits.EXIT_UPLOAD_FAILED
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if fence:
        fence.learn({**answered, **etags})
    size = len(generation.status)
    log.info("uploaded %d files to %s (status.json %d bytes, public-read, verified)", len(sizes), target, size)
    published.update(digest=generation.digest, at=timing.iso_z(now), etag=etags[config.status_bucket_key], etags=etags)
    return exits.EXIT_OK


def stage(objects: dict[str, bytes]) -> Path:
    """A temp folder holding exactly what one upload sends; the caller removes it."""
    staging = Path(tempfile.mkdtemp(prefix="elytra-upload-"))
    try:
        for key, data in objects.items():
            (staging / key).parent.mkdir(parents=True, exist_ok=True)
            (staging / key).write_bytes(data)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("staged %d files for one upload", len(objects))
    return staging
