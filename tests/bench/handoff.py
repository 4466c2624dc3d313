#!/usr/bin/env python3
"""Two sites under kills: the writing site is killed at a random moment and restored, again and again.

    .venv/bin/python tests/bench/handoff.py [--kills 6] [--every 5] [--lease 15]
    .venv/bin/python tests/bench/handoff.py --sick 10     # the sick-holder cases and the frozen writer

Two stand-in Uptime Kumas, two generators (their own settings, state and lock) and one moto, each
site behind a logging proxy of its own. Each site runs the cron wrapper every --every seconds. At a
random moment the site writing the public files is killed (its run SIGKILLed mid-way, its runs
stopped) until the other site writes; then it comes back. Prints, and writes into RESULTS.md: the time
from the old site's last public write to the new site's first (p50 and max), the runs during which
the other site also wrote public files (must be 0), and each site's PUTs, scaled to an hour of runs
every minute. The lease and deadline are short so the handoffs come in seconds, not minutes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "scripts" / "dev"), str(ROOT / "scripts"), str(ROOT / "tests"), str(HERE)]

import results  # noqa: E402

from support.servers import MotoServer  # noqa: E402
from support.two_sites import Site, TwoSites, session_members  # noqa: E402

MARK = "<!-- handoff -->"


class Runner:
    """One site's runs every `every` seconds, on its own thread; it can be killed and brought back."""

    def __init__(self, site: Site, every: float, offset: float) -> None:
        self.site, self.every, self.offset = site, every, offset
        self.alive = threading.Event()
        self.alive.set()
        self.stop = threading.Event()
        self.current = None
        self.runs: list[tuple[float, float]] = []  # (start, end) of each run that finished
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        next_at = time.time() + self.offset
        while not self.stop.is_set():
            time.sleep(max(0.0, next_at - time.time()))
            next_at += self.every
            if not self.alive.is_set():
                continue
            start = time.time()
            self.current = self.site.start()
            self.current.communicate(timeout=120)
            if self.current.returncode != -signal.SIGKILL and self.alive.is_set():
                self.runs.append((start, time.time()))
            self.current = None

    def kill(self) -> None:
        self.alive.clear()
        proc = self.current
        if proc is not None:
            for pid in session_members(proc.pid):
                try:
                    import os

                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def writer_now(sites: TwoSites) -> str | None:
    try:
        return sites.public()["site"]
    except Exception:  # noqa: BLE001 - nothing published yet
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between a site's runs")
    parser.add_argument("--lease", type=int, default=15, help="SITE_LEASE_SECONDS")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--sick", type=int, default=0, metavar="TRIES", help="the sick-holder cases instead")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="bench-handoff-"))
    moto = MotoServer(root / "moto.log")
    if args.sick:
        import sick_holder

        try:
            section, clean = sick_holder.run(moto.url, root, args.sick, args.seed, every=3.0)
        finally:
            moto.stop()
        print(section)
        results.write_section(sick_holder.MARK, section)
        shutil.rmtree(root, ignore_errors=True)
        return 0 if clean else 1
    sites = TwoSites(moto.url, root)
    for site in sites.sites:
        site.write_settings(SITE_LEASE_SECONDS=str(args.lease))
    runners = {
        s.name: Runner(s, args.every, offset) for s, offset in zip(sites.sites, (0.0, args.every / 2), strict=True)
    }
    began = time.time()
    gaps: list[float] = []
    lease_gaps: list[float] = []
    try:
        for runner in runners.values():
            runner.thread.start()
        while writer_now(sites) is None:
            time.sleep(0.5)
        for kill in range(args.kills):
            time.sleep(rng.uniform(2 * args.every, 5 * args.every))  # a random moment in the writer's life
            old = writer_now(sites)
            other = next(name for name in runners if name != old)
            runners[old].kill()
            killed_at = time.time()
            while not runners[other].site.proxy.writes(killed_at):
                if time.time() - killed_at > args.lease * 4 + 60:
                    raise SystemExit(f"kill {kill + 1}: {other} never took over")
                time.sleep(0.2)
            old_writes = runners[old].site.proxy.writes()
            last_old = max(at for at, _ in old_writes)
            first_new = runners[other].site.proxy.writes(killed_at)[0][0]
            gaps.append(first_new - last_old)
            renewals = [at for at, path in runners[old].site.proxy.writes(public=False) if path.endswith("lease.json")]
            lease_gaps.append(first_new - max(renewals))
            print(f"kill {kill + 1}: {old} killed, {other} wrote {first_new - last_old:.1f}s after {old}'s last write")
            runners[old].alive.set()  # it comes back, and may take the lease back later
    finally:
        for runner in runners.values():
            runner.stop.set()
            runner.alive.clear()
        for runner in runners.values():
            runner.thread.join(120)
    elapsed = time.time() - began
    doubled = 0
    for name, runner in runners.items():
        other = next(r for n, r in runners.items() if n != name)
        mine = runner.site.proxy.writes()
        for start, end in runner.runs:
            if any(start <= at <= end for at, _ in mine) and any(
                start <= at <= end for at, _ in other.site.proxy.writes()
            ):
                doubled += 1
    rows = []
    for name, runner in runners.items():
        puts = [e for e in runner.site.proxy.log if e[1] == "PUT"]
        public = [e for e in puts if "/.sites/" not in e[2]]
        per_run = len(puts) / max(1, len(runner.runs))
        private = (len(puts) - len(public)) / max(1, len(runner.runs))
        rows.append(
            f"| {name} ({runner.site.role}) | {len(runner.runs)} | {len(public)} | {len(puts) - len(public)} |"
            f" {per_run:.2f} | {per_run * 60:.0f} | {private * 60:.0f} |"
        )
    section = "\n".join(
        [
            MARK,
            "## handoff.py: two sites, the writer killed at random moments",
            "",
            f"{args.kills} kills over {elapsed / 60:.1f} minutes; runs every {args.every:g} s at each site, "
            f"SITE_LEASE_SECONDS={args.lease}, RUN_DEADLINE_SECONDS=5, UPLOAD_TIMEOUT_SECONDS=5 (seed {args.seed}).",
            "",
            "| measure | value |",
            "| --- | ---: |",
            f"| old site's last public write to the new site's first, p50 | {statistics.median(gaps):.1f} s |",
            f"| the same, max | {max(gaps):.1f} s |",
            f"| old site's last lease renewal to the new site's first public write, p50"
            f" | {statistics.median(lease_gaps):.1f} s |",
            f"| the same, max | {max(lease_gaps):.1f} s |",
            f"| runs during which the other site also wrote public files | {doubled} |",
            "",
            "| site | runs | public PUTs | lease and health PUTs | PUTs a run | PUTs an hour at one run a minute"
            " | of which lease and health |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "The first gap also holds the time the old writer lived on after its last upload (it uploads on a",
            "change or every PUBLISH_EVERY_SECONDS). The second is the lease, a second of store-clock slack and",
            "up to one run of the new site. The public PUTs are inflated by the handoffs: each new writer",
            "uploads the whole set; a quiet hour costs a writer its uploads every",
            "PUBLISH_EVERY_SECONDS plus two private PUTs a run.",
        ]
    )
    print(section)
    results.write_section(MARK, section)
    sites.close()
    moto.stop()
    shutil.rmtree(root, ignore_errors=True)
    return 0 if doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
