"""The resident process's watchdog: a poll or run that outlasts its bound is a hang; say so, and exit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Watchdog:
    """A daemon thread that calls on_hang(seconds) once when one piece of work has run longer than limit."""

    def __init__(self, limit: float, on_hang: Callable[[float], None], clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self._on_hang = on_hang
        self._clock = clock
        self._busy_since: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def busy(self) -> None:
        """A poll or run starts now."""
        self._busy_since = self._clock()

    def idle(self) -> None:
        """It ended: waiting between polls is never a hang."""
        self._busy_since = None

    def overdue(self) -> float | None:
        """How long the work in progress has run, when past the limit; else None."""
        since = self._busy_since
        if since is None:
            return None
        ran = self._clock() - since
        return ran if ran > self.limit else None

    def _watch(self) -> None:
        # Checked a few times a limit: a hang is noticed within about a quarter of it past the bound.
        while not self._stop.wait(min(max(self.limit / 4, 0.1), 5.0)):
            ran = self.overdue()
            if ran is not None:
                self._on_hang(ran)
                return
