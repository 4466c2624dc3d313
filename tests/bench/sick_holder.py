"""handoff.py --sick: the writing site gets sick (or freezes) at a random moment, and the other takes over.

Each try is a fresh pair of sites on one moto: both run the cron wrapper every `every` seconds. Once the
primary writes, at a random moment it gets sick (its clock 300 s ahead, its public PUTs refused, a crash in
every run) or its run is frozen mid-way (SIGSTOP of its whole session) and woken once the standby has
published. A monitor goes down at both sites at the same moment, so there is always something to publish.
Measured: the primary's last good public write to the standby's first; runs in which both wrote public
files; and the frozen writer's public PUTs that landed (HTTP 200) after the standby's first write.
"""

from __future__ import annotations

import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests")]

from support.sickness import a_monitor_goes_down, fault, refused_public_puts  # noqa: E402
from support.two_sites import Site, TwoSites, session_members  # noqa: E402

MARK = "<!-- handoff sick -->"


def clock_ahead(sites: TwoSites) -> None:
    sites.primary.wrap = ["faketime", "-f", "+300s"]


def crash(sites: TwoSites) -> None:
    fault(sites, "raise")


CASES = {"clock 300 s ahead": clock_ahead, "public PUTs refused (403)": refused_public_puts, "a crash": crash}


class Loop:
    """A site's runs every `every` seconds on a thread; `hold` pauses it, `frozen` is a run stopped mid-way."""

    def __init__(self, site: Site, every: float, offset: float) -> None:
        self.site, self.every, self.offset = site, every, offset
        self.stop, self.hold = threading.Event(), threading.Event()
        self.current = None
        self.runs: list[tuple[float, float]] = []
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        next_at = time.time() + self.offset
        while not self.stop.is_set():
            time.sleep(max(0.0, next_at - time.time()))
            next_at += self.every
            if self.hold.is_set():
                continue
            start = time.time()
            self.current = self.site.start()
            self.current.communicate(timeout=300)
            self.runs.append((start, time.time()))
            self.current = None


def doubled(loops: dict[str, Loop]) -> int:
    """Runs during which both sites' public writes landed."""
    count = 0
    for name, loop in loops.items():
        other = next(lo for n, lo in loops.items() if n != name)
        mine, theirs = loop.site.proxy.writes(), other.site.proxy.writes()
        count += sum(
            1 for s, e in loop.runs if any(s <= at <= e for at, _ in mine) and any(s <= at <= e for at, _ in theirs)
        )
    return count


def one_try(moto_url: str, root: Path, case: str, rng: random.Random, every: float) -> tuple[float, int, int]:
    sites = TwoSites(moto_url, root)
    loops: dict[str, Loop] = {}
    try:
        assert sites.primary.run().returncode == 0
        loops = {s.name: Loop(s, every, off) for s, off in zip(sites.sites, (0.0, every / 2), strict=True)}
        time.sleep(rng.uniform(every, 3 * every))
        last_good = max(at for at, _ in sites.primary.proxy.writes())
        frozen = None
        if case == "frozen writer":
            loops["fra1"].hold.set()
            a_monitor_goes_down(sites)
            while loops["fra1"].current is not None:
                time.sleep(0.05)
            frozen = sites.primary.start()
            time.sleep(rng.uniform(0.2, 2.5))  # a random moment of its run, its upload included
            for pid in session_members(frozen.pid):
                sites.primary.freeze_pid(pid)
            last_good = max([last_good, *(at for at, _ in sites.primary.proxy.writes())])
        else:
            CASES[case](sites)
            a_monitor_goes_down(sites)
        while not sites.standby.proxy.writes(last_good):
            time.sleep(0.2)
        first = sites.standby.proxy.writes(last_good)[0][0]
        stale = 0
        if frozen is not None:
            time.sleep(every)  # the standby's set is up; then the frozen writer wakes
            for pid in session_members(frozen.pid):
                sites.primary.thaw_pid(pid)
            frozen.communicate(timeout=120)
            stale = len(sites.primary.proxy.writes(first))
        return first - last_good, doubled(loops), stale
    finally:
        for loop in loops.values():
            loop.stop.set()
        for loop in loops.values():
            loop.thread.join(300)
        sites.close()


def run(moto_url: str, root: Path, tries: int, seed: int, every: float) -> tuple[str, bool]:
    """The RESULTS.md section, and whether no run had two writers and no stale PUT landed."""
    rng = random.Random(seed)
    rows, clean = [], True
    for case in [*CASES, "frozen writer"]:
        gaps, twice, stale = [], 0, 0
        for n in range(tries):
            gap, doubled_runs, landed = one_try(moto_url, root / f"{len(rows)}-{n}", case, rng, every)
            gaps.append(gap)
            twice, stale = twice + doubled_runs, stale + landed
            clean = clean and not doubled_runs and not landed
            print(f"{case}, try {n + 1}: the standby wrote {gap:.1f}s after the primary's last good write", flush=True)
        rows.append(
            f"| {case} | {tries} | {statistics.median(gaps):.1f} s | {max(gaps):.1f} s | {twice} |"
            + (f" {stale} |" if case == "frozen writer" else " – |")
        )
    section = "\n".join(
        [
            MARK,
            "## handoff.py --sick: the writer gets sick or freezes at a random moment",
            "",
            f"{tries} tries a case (seed {seed}); each a fresh pair of sites, runs every {every:g} s at each, "
            "SITE_LEASE_SECONDS=12, SITE_GRACE_RUNS=2, RUN_DEADLINE_SECONDS=5. Times: from the primary's last good "
            "public write to the standby's first.",
            "",
            "| case | tries | p50 | max | runs with two writers | stale PUTs that landed |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "A sick holder fails `SITE_GRACE_RUNS` + 1 runs, releases the lease in the next, and the standby takes",
            "it in its next run: about four runs. A frozen writer is replaced once its lease runs out (12 s + 1 s",
            "of store-clock slack + a standby run); woken after the standby published, its PUTs get 412.",
        ]
    )
    return section, clean
