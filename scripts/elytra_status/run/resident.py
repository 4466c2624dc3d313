"""The job as one resident process (systemd): a run at each minute, in process, under the cron wrapper's lock.

What a cron run pays every minute for Python's start and its imports is paid once. Each run loads and
saves the state, reads both sources and publishes exactly as a cron run does. Settings are read at
start: after changing them, restart the service.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from elytra_status.infra import exits, settings
from elytra_status.infra.logs import log
from elytra_status.run.job import run_and_report


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


def serve(
    config: settings.Config,
    env_file: Path | None,
    every: float = 60.0,
    clock: Callable[[], float] = time.time,
) -> int:
    """Run at each multiple of `every` seconds until SIGTERM or SIGINT; 0 when stopped."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    lock = lock_path(env_file)
    log.info("resident: a run every %gs under %s; settings are read once, at start", every, lock)
    done = 0
    while not stop.wait(every - clock() % every):
        with held(lock) as mine:
            if mine:
                run_and_report(config, time.monotonic())
            else:
                log.warning("another run holds the lock: this one waits for the next minute")
        done += 1
    log.info("resident: stopped after %d runs", done)
    return exits.EXIT_OK
