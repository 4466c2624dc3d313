"""A site's health is what its runs did, not what caused it. Pure: the run brings its own last health object.

Each run writes its health object twice: "running" when its turn begins, then its outcome. The next run reads
what is left: a "running" no outcome followed (the run crashed, or was killed) counts as a failed run.
"""

from __future__ import annotations

from dataclasses import dataclass

OUTCOMES = ("running", "ok", "failed")
# A gap over this many run intervals breaks a chain of healthy runs: runs were missed, or the
# bucket did not see it. Jitter of a cron minute stays well inside it.
GAP_RUNS = 2.0
# The store's Date and Last-Modified are whole seconds: a gap is measured to a second at best.
CLOCK_STEP = 1.0


@dataclass(frozen=True)
class Last:
    """This site's own health object, as the bucket holds it."""

    outcome: str  # one of OUTCOMES
    failed_runs: int  # runs in a row that failed, as of the run that wrote it
    healthy_runs: int  # runs in a row that did their job, each seen by the bucket
    interval: float | None  # seconds between this site's runs, as last measured
    run_seconds: float  # how long the run that wrote it had taken when it wrote it
    age: float | None  # seconds since it was written, by the store's clock


@dataclass(frozen=True)
class Counts:
    """Where this run starts from."""

    failed_runs: int  # runs in a row before this one that did not do their job
    healthy_runs: int  # runs in a row before this one that did, with no gap
    interval: float | None  # seconds since the run before this one started


def counts(last: Last | None) -> Counts:
    """The runs before this one, from the last health object this site wrote (None: it wrote none yet)."""
    if last is None or last.age is None:
        return Counts(0, 0, None)
    gap = last.age + last.run_seconds
    in_rhythm = last.interval is None or gap <= GAP_RUNS * last.interval + CLOCK_STEP
    if last.outcome == "running":
        return Counts(last.failed_runs + 1, 0, gap)
    if last.outcome == "failed":
        return Counts(last.failed_runs, 0, gap)
    return Counts(0, last.healthy_runs if in_rhythm else 0, gap)


def after(start: Counts, ok: bool) -> tuple[int, int]:
    """(failed_runs, healthy_runs) once this run's outcome is known."""
    return (0, start.healthy_runs + 1) if ok else (start.failed_runs + 1, 0)


def run_ok(view_ok: bool, writer: bool, published: bool | None) -> bool:
    """A run did its job: its view was whole and, as the writer, it published (or had nothing new to publish)."""
    return view_ok and (not writer or published is not False)
