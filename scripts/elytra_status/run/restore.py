"""A new VM, or a deleted state: the history's days taken back from the bucket's history.json, once."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra.logs import log
from elytra_status.render import history
from elytra_status.render.keys import key_prefix

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config
    from elytra_status.run.state import RunState


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
        from elytra_status.infra import s3  # boto3 only when it is needed

        client = client or s3.make_s3_client(config, config.status_store)
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


def continue_history(config: Config, state: RunState, client: Any, now: datetime) -> None:
    """Two sites, a takeover: go on from the bucket's history.json, unless it is the one this site last wrote."""
    key = key_prefix(config) + "history.json"
    try:
        answer = client.get_object(Bucket=config.status_bucket, Key=key)
        if answer.get("ETag") and answer["ETag"] == state.published.get("etags", {}).get(key):
            log.info("history: the bucket's history.json is this site's own; nothing to take over")
            return
        body = answer["Body"].read(MAX_RESTORED_BYTES + 1)
        if len(body) > MAX_RESTORED_BYTES:
            raise ValueError(f"over {MAX_RESTORED_BYTES} bytes")
        published = json.loads(body)
    except Exception as exc:  # noqa: BLE001 - the history this site kept goes on
        log.warning(
            "history: s3://%s/%s not read (%s); this site's own record goes on",
            config.status_bucket,
            key,
            type(exc).__name__,
        )
        return
    taken = history.take_over(state.history, published, now)
    log.info("history: going on from the bucket's history.json, %d days taken over from the last writer", taken)
