"""Time: this machine's clock in UTC, HTTP dates, and the run's deadline."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from elytra_status.infra.http_session import request_timeout


class DeadlineExceeded(Exception):
    """The run's deadline (RUN_DEADLINE_SECONDS) has passed."""


def lease_clock() -> float:
    """Seconds on a clock that keeps counting while the machine sleeps or the process is stopped.

    A lease is counted on it: a writer frozen past its lease sees the time it lost when it wakes.
    """
    return time.clock_gettime(time.CLOCK_BOOTTIME) if hasattr(time, "CLOCK_BOOTTIME") else time.monotonic()


# Past this, this machine's clock and a server's Date disagree too much to date a file or age a backup.
MAX_CLOCK_SKEW_SECONDS = 60.0


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_z(moment: datetime) -> str:
    """UTC ISO 8601 with Z, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_z(stamp: str) -> datetime:
    """The inverse of iso_z (and of Statuspage's millisecond form): an aware UTC datetime."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP Date header as an aware datetime; None when absent or malformed."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # "-0000" (or a zone lost in two joined headers) parses naive: HTTP dates are GMT.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Deadline:
    """A point on the monotonic clock that every network call is bounded by."""

    end: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def timeout(self, seconds: float) -> tuple[float, float]:
        """(connect, read) timeouts, both cut to what is left; raise once nothing is."""
        left = self.remaining()
        if left <= 0.05:
            raise DeadlineExceeded("the run deadline passed")
        return request_timeout(min(seconds, left))
