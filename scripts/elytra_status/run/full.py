"""A full run: status.json and its bundle from memory, the upload, the state saved once (run/job.py calls it)."""

from __future__ import annotations

import time
from typing import Any

from elytra_status.announce import turn as announcements
from elytra_status.infra import exits, http_session, s3, settings, timing
from elytra_status.infra.logs import log
from elytra_status.infra.signed_s3 import SignedS3
from elytra_status.judge import change_gate
from elytra_status.publish import fence, public_set
from elytra_status.publish.confirm import confirm
from elytra_status.publish.heads import head
from elytra_status.publish.upload import publish
from elytra_status.run import merge, pipeline, quiet, restore, site, site_checks
from elytra_status.run import state as run_state

REASONS = {
    exits.EXIT_OK: "",
    exits.EXIT_SOURCE_FAILED: "a source failed; published unknown where it counts",
    exits.EXIT_FAILED: "status.json not written",
    exits.EXIT_UPLOAD_FAILED: "upload failed",
}


def run(config: settings.Config, now: Any, notes: list[str] | None = None) -> tuple[int, str, str | None]:
    """status.py's run, then the upload, then the state saved once. An unknown status is still published.

    Returns the exit code, the reason, and in two-site mode the site's line for the heartbeat.
    """
    state = run_state.bind(run_state.load(config.state_file, now), config)
    quiet.adopt(config, state)  # the ETag of status.json as the quiet runs since the last full one left it
    # One client for every S3 call of the run on each store (one in all when they share it), made if needed.
    backup_client, s3_client = s3.run_clients(config)
    turn: list[site.Turn] = []
    signed = SignedS3(config)  # two sites: the store check and the lease share its connections
    sites: frozenset[str] = frozenset()  # back to one site: the generator that wrote the bucket last
    seen: list[tuple[Any, bool]] = []  # this run's sources, and whether its status.json is public now
    try:
        if config.site_name:
            site_checks.check_store(config, state, signed, now)
        elif config.status_bucket:
            unsited_check(config, state, signed, now)
            sites = merge.back_to_one(config, state, signed, s3_client, now)
        code, reason = run_with(config, state, now, s3_client, turn, signed, backup_client, sites, seen)
    except site_checks.SiteRefused as exc:
        return exits.EXIT_CONFIG, str(exc), None
    except site.StoreError as exc:
        log.error("site %s: %s; the store was not checked this run, nothing is written", config.site_name, exc)
        code, reason = exits.EXIT_UPLOAD_FAILED, f"the status bucket did not answer ({exc})"
    if turn and turn[0].gave_up and code in (exits.EXIT_OK, exits.EXIT_SOURCE_FAILED):
        # Its last runs could not publish: the lease went to a healthy site, and the exit code says why.
        code, reason = exits.EXIT_UPLOAD_FAILED, "this site's last runs failed: it released the lease"
    public_set.forget_foreign(state.published, now, config.publish_every_seconds)
    saved = run_state.save(config.state_file, state)
    if not saved and code not in (exits.EXIT_FAILED, exits.EXIT_UPLOAD_FAILED):
        done = "published" if not turn or turn[0].writer else "not the writer this run"
        code, reason = (
            exits.EXIT_STATE_NOT_SAVED,
            f"{done}, but the run's memory was not saved to {config.state_file} (STATE_FILE)",
        )
    foreign = public_set.foreign_warning(state.published)
    if foreign:
        log.warning("%s: its files are replaced by this generator's; two generators on one bucket fight", foreign)
        reason = f"{reason}; {foreign}" if reason else foreign
    if turn:
        site.finish(config, turn[0], signed)
    # After the files are public and the health written; never changes the outcome (announce/README.md).
    announced = announcements.after_run(config, state.history, code, turn[0] if turn else None, signed)
    if announced and announced.note and notes is not None:
        notes.append(announced.note)
    # Whole: nothing left for the next run to do (an announcement not known to be sent is such a thing).
    whole = saved and code == exits.EXIT_OK and not reason and (announced is None or announced.pending == 0)
    if whole and not turn and seen and seen[0][1]:
        quiet.remember(config, state, seen[0][0], now)
    return code, reason, turn[0].line(config.site_role or "") if turn else None


def unsited_check(config: settings.Config, state: Any, signed: SignedS3, now: Any) -> None:
    """One site: refused on a folder whose two-site lease is live; a store that does not answer is asked again."""
    try:
        site_checks.check_unsited(config, state, signed, now)
    except site.StoreError as exc:
        log.warning("the two-site lease was not checked this run: %s", exc)


def run_with(
    config: settings.Config,
    state: Any,
    now: Any,
    s3_client: Any,
    turn: list[site.Turn] | None = None,
    signed: SignedS3 | None = None,
    backup_client: Any = None,
    sites: frozenset[str] = frozenset(),
    seen: list[tuple[Any, bool]] | None = None,
) -> tuple[int, str]:
    """One run; in two-site mode, its turn (appended to turn) decides whether it may write."""
    started = time.monotonic()
    taken: list[site.Turn] = turn if turn is not None else []
    client = signed or SignedS3(config)  # one pool for the lease, the health, the views and the record

    def on_sources(found: Any) -> None:
        if not config.site_name:
            return
        duplicates = site_checks.duplicate_names(found)
        if duplicates:
            raise site_checks.SiteRefused(f"UPTIME_KUMA_STATUS_PAGE: {duplicates}; two sites need unique names")
        taken.append(site.take_turn(config, state, found, client))
        if taken[0].took_over:
            merge.take_record(config, state, client)
            restore.continue_history(config, state, s3_client, now)
            state.published.pop("digest", None)  # the other site's set is in the bucket: write this one whole
        found.builds = taken[0].writer
        merge.share(config, state, found, taken[0], client, now)

    def gate(published: dict, digest: str, bucket_answered: bool) -> str | None:
        if taken and not taken[0].writer:
            log.info("site %s: not the writer this run; nothing written or uploaded", config.site_name)
            return None
        # A bucket that did not answer the listing is not asked again: the upload finds out, within its timeout.
        peers = taken[0].peers if taken else sites
        found = audit(config, state, s3_client, now, peers) if bucket_answered else None
        problem = "the bucket did not answer this run" if found is None else "; ".join(found.problems[:3]) or None
        return change_gate.reason_to_publish(published, digest, problem, now, config.publish_every_seconds)

    code, run = pipeline.generate(
        config, now, state, s3_client=s3_client, gate=gate, on_sources=on_sources, backup_client=backup_client
    )
    log.info("step status: %.2fs, exit %d", time.monotonic() - started, code)
    # The writer's outcome, for its health: published, nothing new to publish (None), or not published.
    outcome = taken[0] if taken else site.Turn()
    outcome.published = False
    if code == exits.EXIT_FAILED:
        return code, REASONS[code]
    if run.publish_reason is None:
        outcome.published = None
        if not taken or taken[0].writer:  # the bucket holds this content: status.json is confirmed alone
            confirmed = reconfirm(config, state, now, run, taken, client)
            if seen is not None:
                seen.append((run, confirmed))
        if not taken:
            log.info("step upload: nothing to upload, no AWS CLI started")
        return code, REASONS[code]
    until, fenced = None, None
    if taken:
        refused = taken[0].may_upload(config)
        if refused:
            log.warning("site %s: not uploading: %s", config.site_name, refused)
            return exits.EXIT_UPLOAD_FAILED, f"not uploaded: {refused}"
        until = taken[0].until
        fenced = fence.Fence(taken[0].term, state.site, client)
    log.info("uploading: %s", run.publish_reason)
    started = time.monotonic()
    upload_code = publish(
        config, timing.utc_now(), run.generation, state.published, state.generator, s3_client, until, fenced
    )
    log.info("step upload: %.2fs, exit %d", time.monotonic() - started, upload_code)
    if upload_code == exits.EXIT_FAILED:
        return exits.EXIT_FAILED, "status.json refused for upload"
    if upload_code != exits.EXIT_OK:
        return upload_code, REASONS[exits.EXIT_UPLOAD_FAILED]
    outcome.published = True
    if seen is not None:
        seen.append((run, True))
    merge.save_record(config, state, signed, taken[0] if taken else None)
    return code, REASONS[code]


def reconfirm(
    config: settings.Config, state: Any, now: Any, run: Any, taken: list[site.Turn], signed: SignedS3
) -> bool:
    """status.json up again, unchanged but for updated_at, when this run's view is complete; a failure is logged
    and left to the next run, which confirms or uploads anew."""
    if run.failed_sources or (taken and (not taken[0].healthy or taken[0].may_upload(config))):
        return False
    fenced = fence.Fence(taken[0].term, state.site, signed) if taken else None
    until = taken[0].until if taken else None
    return confirm(config, run.document, now, state.published, state.generator, signed, fenced, until)


def audit(
    config: settings.Config, state: Any, s3_client: Any, now: Any, peers: frozenset[str] = frozenset()
) -> public_set.Audit:
    """HEAD the polled objects and this run's turn of the others; note another writer (not a known site)."""
    keys = public_set.due_keys(config, state.published, config.publish_every_seconds)
    with http_session.make_session(retries=0) as session:
        found = public_set.audit(
            keys, state.published, state.generator, lambda key: head(config, key, s3_client, session), peers
        )
    public_set.remember_foreign(state.published, found, now)
    log.info("bucket check: %d objects, %d problems", found.checked, len(found.problems))
    return found
