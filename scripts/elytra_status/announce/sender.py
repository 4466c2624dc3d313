"""The sender: Apprise, one target a thread, all within a budget; what is unfinished goes on next run.

Apprise is imported here only, by a run with something to send (its import alone costs about 0.4 CPU-s).
Its log goes through the run's handlers, whose filter masks every secret (NOTIFY_URLS' tokens included).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from elytra_status.infra.logs import log

# Each request of a target: connect and read within these (Apprise's cto and rto, email's SMTP timeout).
CONNECT_SECONDS = 3.0
READ_SECONDS = 3.0
PAUSE_SECONDS = 1.0


@dataclass
class Target:
    """One NOTIFY_URLS item: its record id, its place in the list and its service's name, never its URL in a log."""

    tid: str
    number: int
    url: str = field(repr=False)
    service: str = "?"

    @property
    def label(self) -> str:
        return f"{self.service} (NOTIFY_URLS item {self.number})"


class _Reasons(logging.Handler):
    """Apprise's warnings, by the thread that logged them: the reason a target failed, for --test."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.by_thread: dict[int, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.by_thread[record.thread or 0] = record.getMessage()


def _apprise_logging() -> _Reasons:
    """Apprise's logger: warnings and worse, through the run's handlers (and their secret filter) only."""
    logger = logging.getLogger("apprise")
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.handlers = [*log.handlers]
    reasons = _Reasons()
    # The reason is masked as the log lines are: the first handler's filter rewrites the record first.
    logger.addHandler(reasons)
    return reasons


def _plugin(target: Target, asset: Any) -> Any:
    import apprise

    plugin = apprise.Apprise.instantiate(target.url, asset=asset)
    if plugin is None:
        return None
    target.service = str(getattr(plugin, "service_name", "?"))
    plugin.socket_connect_timeout = min(float(plugin.socket_connect_timeout or CONNECT_SECONDS), CONNECT_SECONDS)
    plugin.socket_read_timeout = min(float(plugin.socket_read_timeout or READ_SECONDS), READ_SECONDS)
    # Apprise pauses between two messages to one target (email: 5 s); kept short, a run's budget holds several.
    plugin.request_rate_per_sec = min(float(getattr(plugin, "request_rate_per_sec", 0) or 0), PAUSE_SECONDS)
    return plugin


def send(
    targets: list[Target], messages: dict[str, list[tuple[str, str, str]]], budget: float
) -> tuple[dict[tuple[str, str], bool | None], dict[str, str]]:
    """messages: by target id, (event key, title, body) in order. Returns each result (None: not finished within
    the budget, so not known to be sent) and, for a target that failed, the reason (secrets masked)."""
    import apprise

    reasons_log = _apprise_logging()
    asset = apprise.AppriseAsset(storage_mode="memory")  # no cache files in the job's home
    results: dict[tuple[str, str], bool | None] = {}
    reasons: dict[str, str] = {}

    def run(target: Target, plugin: Any) -> None:
        for key, title, body in messages.get(target.tid, []):
            try:
                ok = bool(plugin.notify(body=body, title=title))
            except Exception as exc:  # noqa: BLE001 - a plugin's bug is this target's failure, not the run's
                ok, reasons_log.by_thread[threading.get_ident()] = False, type(exc).__name__
            results[(key, target.tid)] = ok
            if not ok:
                reasons[target.tid] = reasons_log.by_thread.get(threading.get_ident(), "the service refused it")
                break  # in order: the next message waits for this one

    threads = []
    for target in targets:
        plugin = _plugin(target, asset)
        if plugin is None:
            reasons[target.tid] = "not a URL of a service Apprise knows"
            for key, _, _ in messages.get(target.tid, []):
                results[(key, target.tid)] = False
            continue
        # Daemon threads: a target still talking when the budget ends cannot hold the run's exit.
        thread = threading.Thread(target=run, args=(target, plugin), daemon=True, name=f"announce-{target.number}")
        thread.start()
        threads.append(thread)
    ends = time.monotonic() + budget
    for thread in threads:
        thread.join(max(ends - time.monotonic(), 0.0))
    return dict(results), dict(reasons)
