"""The cron job's run: a quiet one when Uptime Kuma answers as before, else a full one; the heartbeat."""

from __future__ import annotations

import signal
import time

from elytra_status.infra import exits, settings, timing
from elytra_status.infra.logs import log
from elytra_status.publish import heartbeat
from elytra_status.run import quiet


def run(config: settings.Config, notes: list[str] | None = None) -> tuple[int, str, str | None]:
    """A quiet run (run/quiet.py) or a full one (run/full.py): the exit code, the reason, the site's line."""
    now = timing.utc_now()
    if not config.site_name and config.status_bucket and quiet.attempt(config, now):
        return exits.EXIT_OK, "", None
    # The full run's imports (the renderers, the AWS CLI's upload, boto3): a quiet run needs none of them.
    from elytra_status.run import full

    return full.run(config, timing.utc_now(), notes)  # now: after the quiet run's reads, if there were any


def wrapper_event(event: str, signal_number: int) -> tuple[int, str]:
    """What the wrapper saw happen to a run: the lock was held, the run timed out, or it was killed."""
    if event == "locked":
        log.warning("another run holds the lock: this one exits without doing anything")
        return exits.EXIT_LOCKED, "another run holds the lock"
    if event == "timeout":
        reason = "run killed: it outlasted the wrapper's timeout; its processes were stopped"
    else:
        name = signal.Signals(signal_number).name if signal_number in signal.valid_signals() else "?"
        reason = (
            f"run killed by signal {signal_number} ({name}; SIGKILL is often the OOM killer), not by the"
            " timeout; its processes were stopped"
        )
    log.error("%s", reason)
    return exits.EXIT_FAILED, reason


def run_and_report(config: settings.Config, started: float) -> tuple[int, str]:
    """The run, its heartbeat, and one closing line with the whole time, the heartbeat's included."""
    log.info("run started")
    line, notes = None, []
    try:
        code, reason, line = run(config, notes)
    except Exception as exc:  # noqa: BLE001 - cron gets one line it can grep, never a traceback
        code, reason = exits.EXIT_FAILED, f"unexpected {type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started
    # A reason with exit 0 is another writer in the bucket: the site needs a look, so the heartbeat says down.
    ok = code == exits.EXIT_OK and not reason
    if line is not None:  # two sites: the heartbeat tells the site's role, and a standby that is ready is up
        ok = ok and "not healthy" not in line
        reason = f"{line}; {reason}" if reason else line
    if notes:  # "announcements pending: 1": the operator's to look at, never a reason to call the site down
        line, reason = "; ".join(filter(None, [line or "OK", *notes])), "; ".join(filter(None, [reason, *notes]))
    heartbeat.ping(config, ok, reason, int(elapsed * 1000), ok_message=line)
    total = time.monotonic() - started
    level = log.info if code == exits.EXIT_OK else log.error
    level(
        "run finished in %.2fs (heartbeat %.2fs), exit %d%s",
        total,
        total - elapsed,
        code,
        f": {reason}" if reason else "",
    )
    return code, reason
