#!/usr/bin/env python3
"""The one-minute cadence at scale: the cron wrapper against a 1,000-monitor replay of Uptime Kuma 2.1+.

    .venv/bin/python tests/bench/scaled.py [--monitors 1000] [--minutes 16] [--profile quiet|badges]

A replay server answers like Uptime Kuma 2.1+ with UPTIME_KUMA_STATUS_PAGE set (/metrics with ids and
1d/30d ratios, the published page listing every monitor, its incident history, 7-day badges), in
front of moto's S3. The wrapper runs as cron runs it (env -i, PATH=/usr/bin:/bin, cwd /) at each
minute boundary. Nothing in the replay changes, so every run after the first finds nothing new:
its CPU-seconds (rusage of the wrapper and all its children), Uptime Kuma requests, PUTs and uploads
are the no-change path's, but for the badge rounds and one PUBLISH_EVERY_SECONDS upload. With
--profile, one more run of job.py under py-spy (threads included), summarized on stdout; the
collapsed stacks stay in .cache/bench-scaled/profile.txt. Writes its table into tests/bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "scripts" / "dev"), str(ROOT / "scripts"), str(HERE)]

import results  # noqa: E402
from run import BADGE_TYPE, KumaServer, badge_svg, metrics_payload  # noqa: E402
from stack import Stack  # noqa: E402

from elytra_status.infra import timing  # noqa: E402

MARK = "<!-- scaled -->"
MARK_RESIDENT = "<!-- scaled resident -->"
WORK = ROOT / ".cache" / "bench-scaled"
SLUG = "bench"


def serve_21_page(kuma: KumaServer, monitors: int) -> None:
    """Uptime Kuma 2.1+ with a published page of every monitor: /metrics has 1d and 30d, badges give 7d."""
    page = {
        "config": {"slug": SLUG, "title": "Bench", "description": None, "footerText": None},
        "incidents": [],
        "publicGroupList": [
            {
                "id": 1,
                "name": "Services",
                "monitorList": [{"id": i, "name": f"Service {i}", "type": "http"} for i in range(1, monitors + 1)],
            }
        ],
        "maintenanceList": [],
    }
    kuma.routes = {
        "/metrics": ("text/plain; version=0.0.4; charset=utf-8", metrics_payload(monitors)),
        f"/api/status-page/{SLUG}": ("application/json; charset=utf-8", json.dumps(page).encode()),
        f"/api/status-page/{SLUG}/incident-history": (
            "application/json; charset=utf-8",
            json.dumps({"ok": True, "incidents": [], "hasMore": False, "nextCursor": None}).encode(),
        ),
    }
    for i in range(1, monitors + 1):
        kuma.routes[f"/api/badge/{i}/uptime/168"] = (BADGE_TYPE, badge_svg("7d", f"{99 + (i % 100) / 100:.2f}%"))


def cron_run(env_file: Path, profile: Path | None = None) -> tuple[float, float, str, int]:
    """One run as cron starts it: wall seconds, CPU-seconds of it and its children, its stdout, exit code."""
    if profile:
        # py-spy, not pyinstrument: the two sources are read in threads, which pyinstrument does not see.
        argv = [str(ROOT / ".venv/bin/py-spy"), "record", "--rate", "1000", "--threads", "--nonblocking"]
        argv += ["--format", "raw", "-o", str(profile), "--", str(ROOT / ".venv/bin/python")]
        argv += [str(ROOT / "scripts/cli/job.py")]
    else:
        argv = ["bash", str(ROOT / "scripts/generate_and_upload.sh")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={WORK}", *argv, "--env-file", str(env_file)],
        capture_output=True,
        text=True,
        cwd="/",
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout + result.stderr, result.returncode


class Resident:
    """job.py --resident, started once as its systemd unit would: each run is read off its log and /proc."""

    def __init__(self, env_file: Path, every: float) -> None:
        argv = [str(ROOT / ".venv/bin/python"), str(ROOT / "scripts/cli/job.py"), "--resident"]
        argv += ["--every", str(every), "--env-file", str(env_file)]
        self.log = WORK / "status.log"
        self.proc = subprocess.Popen(
            ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={WORK}", *argv], cwd="/", stdout=subprocess.DEVNULL
        )
        self.cpu = self._cpu()

    def _cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(") ", 1)[1].split()
        ticks = sum(int(x) for x in fields[11:15])  # utime, stime, and the waited-for children's (the AWS CLI)
        return ticks / os.sysconf("SC_CLK_TCK")

    def next_run(self) -> tuple[float, float, str, int]:
        """Wait for the next run's closing line: its wall seconds, CPU-seconds, log lines and exit code."""
        before = self.log.read_text() if self.log.exists() else ""
        while True:
            time.sleep(0.05)
            now = self.log.read_text() if self.log.exists() else ""
            new = now[len(before) :]
            closing = re.search(r"run finished in ([0-9.]+)s .*exit (\d+)", new)
            if closing:
                cpu, self.cpu = self._cpu() - self.cpu, self._cpu()
                return float(closing.group(1)), cpu, new, int(closing.group(2))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


def expire_badges(state_file: Path) -> None:
    """Every kept badge 301 s old: the next run asks them all again."""
    state = json.loads(state_file.read_text())
    old = timing.iso_z(datetime.now(UTC) - timedelta(seconds=301))
    state["kuma"]["badges"] = {key: [entry[0], old] for key, entry in state["kuma"]["badges"].items()}
    state_file.write_text(json.dumps(state))


def summarize(profile: Path, top: int = 30) -> str:
    """py-spy's collapsed stacks as two lists: where the time goes (inclusive) and where it is spent (self)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")[1:]]  # the thread name goes
        total += int(count)
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + int(count)
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + int(count)

    def rows(table: dict[str, int]) -> list[str]:
        ranked = sorted(table.items(), key=lambda item: -item[1])[:top]
        return [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in ranked]

    return "\n".join(
        [f"{total} samples at 1 kHz (active only)", "inclusive:", *rows(inclusive), "self:", *rows(own)[:15]]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--minutes", type=int, default=16, help="runs, one at each minute boundary")
    parser.add_argument("--interval", type=float, default=60, help="seconds between runs (60: as cron)")
    parser.add_argument(
        "--profile",
        choices=("quiet", "badges"),
        help="then profile one run of job.py: one with nothing to fetch, or one whose badges all expired",
    )
    parser.add_argument("--resident", action="store_true", help="measure job.py --resident (systemd) instead")
    args = parser.parse_args()
    Stack(WORK).stop_all()
    shutil.rmtree(WORK, ignore_errors=True)
    stack = Stack(WORK)
    kuma = KumaServer()
    serve_21_page(kuma, args.monitors)
    try:
        stack.start_s3()
        stack.seed_s3()
        env_file = stack.write_env(
            WORK / "bench.env",
            UPTIME_KUMA_URL=kuma.url,
            UPTIME_KUMA_API_KEY="uk1_bench-key",
            UPTIME_KUMA_STATUS_PAGE=SLUG,
            MONITOR_IDS="",
            CRITICAL_MONITOR_IDS="",
        )
        runs = []
        resident = Resident(env_file, args.interval) if args.resident else None
        for n in range(args.minutes):
            if resident:
                asked, puts = kuma.count, stack.log_text("s3").count('"PUT /')
                wall, cpu, out, code = resident.next_run()
            elif args.interval >= 60:
                time.sleep(60 - time.time() % 60)  # the minute boundary, as cron starts it
            elif n:
                time.sleep(args.interval)
            if not resident:
                asked, puts = kuma.count, stack.log_text("s3").count('"PUT /')
                wall, cpu, out, code = cron_run(env_file)
            runs.append(
                {
                    "wall": wall,
                    "cpu": cpu,
                    "code": code,
                    "kuma": kuma.count - asked,
                    "puts": stack.log_text("s3").count('"PUT /') - puts,
                    "uploaded": "unchanged since" not in out,
                }
            )
            print(json.dumps({"run": n + 1, **{k: round(v, 3) for k, v in runs[-1].items()}}), flush=True)
        if resident:
            resident.stop()
        if args.profile:
            if args.profile == "badges":
                expire_badges(WORK / "state.json")
            _, cpu, out, code = cron_run(env_file, profile=WORK / "profile.txt")
            print(f"profiled {args.profile} run: exit {code}, {cpu:.2f} CPU-s with py-spy attached")
            print(summarize(WORK / "profile.txt"))
    finally:
        stack.stop_all()
        kuma.httpd.shutdown()
    section = report(runs, args)
    results.write_section(MARK_RESIDENT if args.resident else MARK, section)
    print(section)
    return 0


def report(runs: list[dict], args: argparse.Namespace) -> str:
    """The table, and an hour of cron built from the measured parts: 60 runs, 12 badge rounds, 6 uploads."""
    later = runs[1:] or runs
    quiet = [r for r in later if not r["uploaded"] and r["kuma"] <= 3]
    badges = [r for r in later if not r["uploaded"] and r["kuma"] > 3]
    uploads = [r for r in later if r["uploaded"]]
    base = statistics.median([r["cpu"] for r in quiet]) if quiet else float("nan")
    fetched = sum(r["kuma"] - 3 for r in badges)
    per_badge = sum(r["cpu"] - base for r in badges) / fetched if fetched else float("nan")
    per_upload = statistics.mean([r["cpu"] - base - (r["kuma"] - 3) * per_badge for r in uploads] or [float("nan")])
    # Each monitor's 7-day badge is asked at most once every BADGE_CACHE_SECONDS (300 s): 12 times an
    # hour at most (on minute boundaries it comes to once in 6 minutes).
    hour = 60 * base + 12 * args.monitors * per_badge + 6 * per_upload
    minutes = len(runs) * max(args.interval, 1) / 60

    def row(name: str, values: list[float], unit: str = "{:.2f}") -> str:
        if not values:
            return f"| {name} | none | | |"
        return (
            f"| {name} | {unit.format(statistics.median(values))} | {unit.format(min(values))}"
            f" | {unit.format(max(values))} |"
        )

    lines = [
        "| measure (runs after the first) | median | min | max |",
        "| --- | ---: | ---: | ---: |",
        row(f"CPU-seconds, run with nothing to fetch or upload ({len(quiet)} runs)", [r["cpu"] for r in quiet]),
        row(f"CPU-seconds, run that fetched expired badges ({len(badges)} runs)", [r["cpu"] for r in badges]),
        row(f"CPU-seconds, run that uploaded ({len(uploads)} runs)", [r["cpu"] for r in uploads]),
        row("wall seconds a run", [r["wall"] for r in later]),
        row("Uptime Kuma requests a run", [r["kuma"] for r in later], "{:.0f}"),
        "",
        f"- CPU-seconds an hour, built from the parts: **{hour:.1f}** (target <= 36) ="
        f" 60 runs x {base:.3f} + 12 x {args.monitors} badges x {per_badge * 1000:.2f} ms"
        f" + 6 uploads (PUBLISH_EVERY_SECONDS) x {per_upload:.2f} s over a no-change run",
        f"- CPU-seconds an hour at this run's own mix (mean x 60): {statistics.mean(r['cpu'] for r in later) * 60:.1f}",
        f"- Uptime Kuma requests a minute, mean over {len(runs)} runs: "
        f"**{sum(r['kuma'] for r in runs) / minutes:.1f}** (1 /metrics, the page, its incident history,"
        f" and each monitor's 7-day badge once in 5 minutes: 3 + {args.monitors}/5 = {3 + args.monitors / 5:.0f})",
        f"- uploads: {len(uploads)} of {len(later)} later runs;"
        f" S3 PUTs: {sum(r['puts'] for r in runs)}, {sum(r['puts'] for r in later)} of them after the first run",
        f"- exit codes: {sorted({r['code'] for r in runs})}",
    ]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = f".venv/bin/python tests/bench/scaled.py --monitors {args.monitors} --minutes {args.minutes}"
    command += " --resident" if args.resident else ""
    mode = "resident process (systemd)" if args.resident else "cron"
    return (
        f"{MARK_RESIDENT if args.resident else MARK}\n"
        f"## One-minute cadence at scale, {mode} ({stamp}, {args.monitors} monitors, 2.1+ replay, page set)\n\n"
        f"`{command}`\n\n" + "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    sys.exit(main())
