"""The job as one resident process (systemd): a quiet poll of /metrics every POLL_SECONDS, a full run at each
minute and at once when a poll sees a change, all under the cron wrapper's lock; a watchdog for hangs.

What a cron run pays every minute for Python's start and its imports is paid once. Each full run loads and
saves the state, reads both sources and publishes exactly as a cron run does. Settings are read at
start: after changing them, restart the service.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from elytra_status.infra import exits, http_session, settings
from elytra_status.infra.logs import log
from elytra_status.infra.timing import Deadline
from elytra_status.publish import heartbeat
from elytra_status.run.job import run_and_report
from elytra_status.run.watchdog import Watchdog

# Cron's wrapper ends a run at this (ELYTRA_JOB_TIMEOUT_SECONDS' default): a resident run is held to the same.
WATCHDOG_SECONDS = 540.0
# Beyond the run's own bounds (sources, upload), when they add up to more than that.
WATCHDOG_SLACK_SECONDS = 60.0


def lock_path(env_file: Path | None) -> Path:
    """The lock generate_and_upload.sh takes for this settings file, so cron and this never run together."""
    if os.environ.get("ELYTRA_LOCK_FILE"):
        return Path(os.environ["ELYTRA_LOCK_FILE"])
    return (settings.own_folder(env_file) or settings.ROOT / "logs") / "generate_and_upload.lock"


@contextlib.contextmanager
def held(path: Path) -> Iterator[bool]:
    """The lock, if no other run holds it: True while held, False when another run has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def quiet_poll(config: settings.Config, session: Any) -> str:
    """/metrics only, its fingerprint; a failure is its own fingerprint, so a lasting one triggers one run."""
    from elytra_status.kuma.inputs import news
    from elytra_status.kuma.metrics import KumaError, fetch_metrics

    try:
        return news(fetch_metrics(session, config, Deadline.after(config.run_deadline_seconds)).body)
    except KumaError as exc:
        return f"failed: {type(exc).__name__}"


def watchdog_limit(config: settings.Config) -> float:
    """A poll's or a run's bound: as cron's wrapper's, or the sources' deadline, the upload and slack if more."""
    return max(WATCHDOG_SECONDS, config.run_deadline_seconds + config.upload_timeout_seconds + WATCHDOG_SLACK_SECONDS)


def on_hang(config: settings.Config, limit: float) -> Callable[[float], None]:
    def hung(ran: float) -> None:
        reason = (
            f"resident: a poll or run has gone on {ran:.0f}s, over its {limit:g}s bound: it hangs; the process exits"
        )
        log.error("%s so that systemd starts it again", reason)
        heartbeat.ping(config, False, reason, int(ran * 1000))
        for handler in (*log.handlers, *logging.getLogger().handlers):
            handler.flush()
        os._exit(exits.EXIT_FAILED)  # the main thread is stuck: only this ends the process

    return hung


def serve(
    config: settings.Config,
    env_file: Path | None,
    every: float = 60.0,
    clock: Callable[[], float] = time.time,
    poll: float | None = None,
    watchdog: float | None = None,
) -> int:
    """Poll every `poll` s; a full run at each multiple of `every` and on a change. 0 when stopped."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    lock = lock_path(env_file)
    poll = min(poll or config.poll_seconds, every)
    limit = watchdog or watchdog_limit(config)
    dog = Watchdog(limit, on_hang(config, limit)).start()
    log.info(
        "resident: a poll every %gs, a run every %gs and on a change, under %s; settings are read once",
        poll,
        every,
        lock,
    )
    session = http_session.make_session()
    runs = polls = 0
    last_seen: str | None = None
    next_run = 0.0
    while not stop.wait(poll - clock() % poll):
        dog.busy()
        due = clock() >= next_run - 0.5  # a tick a hair early still counts as the minute's
        seen = quiet_poll(config, session)
        polls += 1
        if due or seen != last_seen:
            if not due:
                log.info("resident: Uptime Kuma's states changed since the last run: a run now")
            dog.busy()  # the run's own bound, from its start: a slow poll before it does not count
            with held(lock) as mine:
                if mine:
                    run_and_report(config, time.monotonic())
                    last_seen = seen
                    runs += 1
                else:
                    log.warning("another run holds the lock: this one waits for the next poll")
            if due:
                next_run = clock() - clock() % every + every
        dog.idle()
    dog.stop()
    log.info("resident: stopped after %d runs and %d polls", runs, polls)
    return exits.EXIT_OK
