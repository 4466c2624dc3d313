"""Every run whose view is complete confirms status.json: one signed PUT in process, even unchanged, so its
updated_at says when the status was last seen. The rest of the set goes up as before (publish/upload.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.infra.logs import log
from elytra_status.infra.settings import Config
from elytra_status.infra.signed_s3 import SignedS3, SignedS3Error
from elytra_status.publish import public_set
from elytra_status.publish.aws_upload import content_type
from elytra_status.render import status_doc
from elytra_status.render.keys import key_prefix

if TYPE_CHECKING:
    from elytra_status.publish.fence import Fence


def confirm(
    config: Config,
    document: dict[str, Any],
    now: datetime,
    published: dict[str, Any],
    generator: str,
    store: SignedS3,
    fence: Fence | None = None,
    until: float | None = None,
) -> bool:
    """PUT this run's status.json (fenced in two-site mode); True when the store took it. Logs the outcome.

    until: two sites, the lease's end (timing.lease_clock()): as for the set's PUTs, none is sent after it."""
    key = config.status_bucket_key
    data = status_doc.to_bytes(document)
    try:
        checked, age = status_doc.status_age(data, now)
    except status_doc.InvalidStatus as exc:
        log.error("status.json not confirmed: it fails its schema: %s", exc)
        return False
    problem = status_doc.freshness_problem(checked, age, config)
    if problem:
        log.error("status.json not confirmed: %s", problem)
        return False
    headers = {
        "Content-Type": content_type(key),
        "Cache-Control": status_doc.cache_control(config),
        "x-amz-acl": "public-read",
        public_set.HEADER: generator,
    }
    if fence is not None:  # two sites; imported here, as a quiet run (one site) needs none of it
        from elytra_status.publish.aws_cli import PublishError
        from elytra_status.publish.fence import mark

        data = mark(key, data, fence.term)
        try:
            etag = fence.believed(key_prefix(config)).get(key)
        except PublishError as exc:
            log.error("status.json not confirmed: %s", exc)
            return False
        headers.update({"If-Match": etag} if etag else {"If-None-Match": "*"})
    if until is not None and timing.lease_clock() >= until:
        log.error("status.json not confirmed: the site's lease ran out before its PUT")
        return False
    try:
        answer = store.request("PUT", key, body=data, headers=headers)
    except SignedS3Error as exc:
        log.error("status.json not confirmed: the status bucket did not answer (%s)", exc)
        return False
    if answer.status != 200:
        if fence is not None:  # what is there is not known: the next run lists the folder again
            fence.forget()
        fenced = answer.status == 412
        why = "another writer has written it since this site's last PUT" if fenced else answer.code
        log.error("status.json not confirmed: %s", why)
        return False
    etag = answer.headers.get("etag", "")
    published["etag"] = etag
    published.setdefault("etags", {})[key] = etag
    if fence is not None:
        fence.learn({key: etag})
    log.info("status.json confirmed: one PUT, updated_at %s (%d bytes)", document["updated_at"], len(data))
    return True
