"""Logging: one line per event, UTC, to stderr (or stdout) and LOG_FILE, with every secret masked."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from elytra_status.infra.settings import Config

log = logging.getLogger("elytra")
# No line longer than about 1 KB.
MAX_MESSAGE_CHARS = 1000


class _UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", self.converter(record.created))

    def format(self, record: logging.LogRecord) -> str:
        # One event, one line: a newline inside a message would split it for grep.
        return super().format(record).replace("\r", " ").replace("\n", " | ")


class _Prepare(logging.Filter):
    """Names the script on each record, and is the last line of defence: no secret reaches a line."""

    def __init__(self, script: str, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.script = script
        # Short values would mask ordinary words; real keys are 20 characters or more.
        self.secrets = tuple(s for s in secrets if len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "***")
        if len(message) > MAX_MESSAGE_CHARS:  # a line stays readable; lists are summarized before this
            message = f"{message[:MAX_MESSAGE_CHARS]}... ({len(message) - MAX_MESSAGE_CHARS} more characters)"
        record.msg, record.args, record.script = message, None, self.script
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(script)s: %(message)s"


class _LogFile(logging.FileHandler):
    """LOG_FILE; on a full or read-only disk it says so once, steps aside, and the run goes on."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's own name
        error = sys.exc_info()[1]
        log.removeHandler(self)  # logging's default would print a traceback for every later line
        with contextlib.suppress(OSError):
            self.close()
        reason = getattr(error, "strerror", None) or type(error).__name__
        log.error("cannot write LOG_FILE %s: %s; logging to the console only", self.baseFilename, reason)


def setup_logging(script: str, config: Config | None = None, stream: Any = None) -> logging.Logger:
    """Log one line per event, UTC, to stderr (or stream) and LOG_FILE when set."""
    log.handlers.clear()
    log.setLevel(logging.INFO)
    log.propagate = False
    formatter = _UTCFormatter(LOG_FORMAT)
    prepare = _Prepare(script, config.secrets if config else ())
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)]
    problem = None
    if config and config.log_file:
        try:
            config.log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(_LogFile(config.log_file, encoding="utf-8"))
        except OSError as exc:
            problem = f"cannot open LOG_FILE {config.log_file}: {exc.strerror}; logging to the console only"
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(prepare)
        log.addHandler(handler)
    if problem:
        log.error("%s", problem)
    return log
