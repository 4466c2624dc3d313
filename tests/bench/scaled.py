#!/usr/bin/env python3
"""The one-minute cadence at scale: the cron wrapper against a 1,000-monitor replay of Uptime Kuma 2.1+.

    .venv/bin/python tests/bench/scaled.py [--monitors 1000] [--minutes 16] [--resident] [--profile quiet|badges]

A replay server answers like Uptime Kuma 2.1+ with UPTIME_KUMA_STATUS_PAGE set (/metrics with ids and
1d/30d ratios, the published page listing every monitor, its incident history, 7-day badges), in
front of moto's S3. The wrapper runs as cron runs it (env -i, PATH=/usr/bin:/bin, cwd /) at each
minute boundary. Nothing in the replay changes, so every run after the first finds nothing new:
its CPU-seconds (rusage of the wrapper and all its children), Uptime Kuma requests, PUTs and uploads
are the no-change path's, but for the badge rounds, the backup relisting (both every 5 minutes) and
one PUBLISH_EVERY_SECONDS upload. Each no-change run's CPU is also given as a ratio to a floor taken
in the same run: `python -c "import boto3, requests"` in the venv, started the same way, once a minute at
the half minute (as idle before it as a run is at its minute), the median. --resident measures
job.py --resident instead, with POLL_SECONDS 10: its CPU-s in a quiet hour (the process's rusage from
the end of its first run to the end of its last, scaled to an hour), Uptime Kuma requests a minute
and S3 PUTs an hour. With --profile, one more run of job.py under py-spy (threads included),
summarized on stdout; the collapsed stacks stay in .cache/bench-scaled/profile.txt. Writes its table
into tests/bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "scripts" / "dev"), str(ROOT / "scripts"), str(HERE)]

import cost  # noqa: E402
import results  # noqa: E402
from run import BADGE_TYPE, KumaServer, badge_svg, metrics_payload  # noqa: E402
from stack import BACKUP_BUCKET, Stack  # noqa: E402

from elytra_status.infra import timing  # noqa: E402

MARK = "<!-- scaled -->"
MARK_RESIDENT = "<!-- scaled resident -->"
WORK = ROOT / ".cache" / "bench-scaled"
SLUG = "bench"
POLL_SECONDS = 10
FLOOR_SAMPLES = 5
# A run with nothing to fetch asks Uptime Kuma three things: /metrics, the page and its incident history.
RUN_REQUESTS = 3


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
    """One run as cron starts it: wall seconds, CPU-seconds of it and its children, its output, exit code."""
    if profile:
        # py-spy, not pyinstrument: the two sources are read in threads, which pyinstrument does not see.
        argv = [str(ROOT / ".venv/bin/py-spy"), "record", "--rate", "1000", "--threads", "--nonblocking"]
        argv += ["--format", "raw", "-o", str(profile), "--", str(cost.PYTHON), str(ROOT / "scripts/cli/job.py")]
    else:
        argv = ["bash", str(ROOT / "scripts/generate_and_upload.sh")]
    return cost.as_cron([*argv, "--env-file", str(env_file)], WORK)


def expire_badges(state_file: Path) -> None:
    """Every kept badge 301 s old: the next run asks them all again."""
    state = json.loads(state_file.read_text())
    old = timing.iso_z(datetime.now(UTC) - timedelta(seconds=301))
    state["kuma"]["badges"] = {key: [entry[0], old] for key, entry in state["kuma"]["badges"].items()}
    state_file.write_text(json.dumps(state))


def counters(stack: Stack, kuma: KumaServer, resident: cost.Resident | None = None) -> dict[str, float]:
    """What has happened so far: Uptime Kuma requests, S3 PUTs, backup listings; the resident's CPU and time."""
    s3_log = stack.log_text("s3")
    found = {"kuma": kuma.count, "puts": s3_log.count('"PUT /'), "lists": s3_log.count(f'"GET /{BACKUP_BUCKET}')}
    return {**found, "cpu": resident.cpu(), "at": time.monotonic()} if resident else found


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
    runs: list[dict] = []
    floors: list[float] = []
    window: dict[str, float] = {}
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
            POLL_SECONDS=str(POLL_SECONDS),
        )
        resident = cost.Resident(env_file, args.interval, WORK / "status.log", WORK) if args.resident else None
        for n in range(args.minutes):
            if resident:
                before = counters(stack, kuma)
                wall, cpu, out, code = resident.next_run()
            else:
                if args.interval >= 60:
                    time.sleep(60 - time.time() % 60)  # the minute boundary, as cron starts it
                elif n:
                    time.sleep(args.interval)
                before = counters(stack, kuma)
                wall, cpu, out, code = cron_run(env_file)
            now = counters(stack, kuma, resident)
            # One PUT is status.json confirmed; a run that put more uploaded the set.
            moved = {k: now[k] - before[k] for k in ("kuma", "puts", "lists")}
            runs.append({"wall": wall, "cpu": cpu, "code": code, **moved, "uploaded": moved["puts"] > 1})
            runs[-1]["relisted"] = moved["lists"] > 0
            print(json.dumps({"run": n + 1, **{k: round(v, 3) for k, v in runs[-1].items()}}), flush=True)
            if resident:  # the quiet hour is measured from the end of the first run, which published everything
                window.setdefault("start", now)
                window["end"] = now
            if not resident and args.interval >= 60:
                # Half a minute later, as idle as the run was at its minute: a floor taken warm, right after
                # the run loaded Python, would be cheaper than the cron runs it is compared with.
                time.sleep(max(0.0, 30 - time.time() % 60))
                floors.append(cost.floor_sample(WORK))
            elif len(floors) < FLOOR_SAMPLES:
                floors.append(cost.floor_sample(WORK))
        if resident:
            resident.stop()
        floors += [cost.floor_sample(WORK) for _ in range(FLOOR_SAMPLES - len(floors))]
        print(json.dumps({"floor": [round(f, 3) for f in floors]}), flush=True)
        if args.profile:
            if args.profile == "badges":
                expire_badges(WORK / "state.json")
            _, cpu, out, code = cron_run(env_file, profile=WORK / "profile.txt")
            print(f"profiled {args.profile} run: exit {code}, {cpu:.2f} CPU-s with py-spy attached")
            print(cost.summarize(WORK / "profile.txt"))
    finally:
        stack.stop_all()
        kuma.httpd.shutdown()
    section = report(runs, args, floors, window)
    results.write_section(MARK_RESIDENT if args.resident else MARK, section)
    print(section)
    return 0


def report(runs: list[dict], args: argparse.Namespace, floors: list[float], window: dict[str, dict]) -> str:
    """The table, the ratio to the floor, and an hour: for cron built from the measured parts (60 runs,
    12 badge rounds, 6 uploads), for the resident process measured."""
    later = runs[1:] or runs
    # Between two resident runs come its quiet polls of /metrics, one each POLL_SECONDS (one more when a poll
    # lands on the other side of a closing line).
    polls = round(args.interval / POLL_SECONDS) if args.resident else 0
    unchanged = [r for r in later if not r["uploaded"] and not r["relisted"]]
    quiet = [r for r in unchanged if r["kuma"] <= RUN_REQUESTS + polls + min(polls, 1)]
    badges = [r for r in later if not r["uploaded"] and r not in quiet]
    uploads = [r for r in later if r["uploaded"]]
    floor = statistics.median(floors)
    base = statistics.median([r["cpu"] for r in quiet]) if quiet else float("nan")
    fetched = sum(r["kuma"] - RUN_REQUESTS - polls for r in badges)
    per_badge = sum(r["cpu"] - base for r in badges) / fetched if fetched else float("nan")
    per_upload = statistics.mean(
        [r["cpu"] - base - (r["kuma"] - RUN_REQUESTS - polls) * per_badge for r in uploads] or [float("nan")]
    )
    minutes = len(runs) * max(args.interval, 1) / 60

    def row(name: str, values: list[float], unit: str = "{:.2f}") -> str:
        if not values:
            return f"| {name} | none | | |"
        return (
            f"| {name} | {unit.format(statistics.median(values))} | {unit.format(min(values))}"
            f" | {unit.format(max(values))} |"
        )

    what = "from one run's end to the next, the polls between included" if args.resident else "a run"
    # The resident's runs pay no start and no imports: the ratio to the floor is cron's.
    ratio = (
        []
        if args.resident
        else [
            row(
                f"**no-change run / floor** ({len(unchanged)} runs neither uploading nor relisting; target <= 1.0)",
                [r["cpu"] / floor for r in unchanged],
            )
        ]
    )
    lines = [
        f"| measure (runs after the first; CPU-seconds {what}) | median | min | max |",
        "| --- | ---: | ---: | ---: |",
        row(f"CPU-seconds, nothing to fetch or upload ({len(quiet)} runs)", [r["cpu"] for r in quiet]),
        row(
            f"CPU-seconds, fetched expired badges or relisted backups ({len(badges)} runs)", [r["cpu"] for r in badges]
        ),
        row(f"CPU-seconds, uploaded the set ({len(uploads)} runs)", [r["cpu"] for r in uploads]),
        row(f'floor: CPU-seconds of `python -c "{cost.FLOOR_CODE}"` ({len(floors)} times)', floors, "{:.3f}"),
        *ratio,
        row("wall seconds a run", [r["wall"] for r in later]),
        row("Uptime Kuma requests a run", [r["kuma"] for r in later], "{:.0f}"),
        "",
    ]
    if args.resident and window.get("end", {}).get("at", 0) > window.get("start", {}).get("at", 0):
        start, end = window["start"], window["end"]
        seconds = end["at"] - start["at"]
        lines += [
            f"- measured over {seconds / 60:.1f} minutes after the first run, POLL_SECONDS {POLL_SECONDS}:",
            f"  CPU-seconds in a quiet hour: **{(end['cpu'] - start['cpu']) * 3600 / seconds:.1f}** (target <= 36;"
            " the process's rusage, the AWS CLI's included, scaled to an hour)",
            f"- Uptime Kuma requests a minute: **{(end['kuma'] - start['kuma']) * 60 / seconds:.1f}**"
            f" ({60 // POLL_SECONDS} polls of /metrics, a run's 3, and each monitor's 7-day badge once in 5 minutes)",
            f"- S3 PUTs an hour: **{(end['puts'] - start['puts']) * 3600 / seconds:.0f}**",
        ]
    else:
        hour = 60 * base + 12 * args.monitors * per_badge + 6 * per_upload
        # Each monitor's 7-day badge is asked at most once every BADGE_CACHE_SECONDS (300 s): 12 times an
        # hour at most (on minute boundaries it comes to once in 6 minutes).
        lines += [
            f"- CPU-seconds an hour, built from the parts: **{hour:.1f}** (target <= 36) ="
            f" 60 runs x {base:.3f} + 12 x {args.monitors} badges x {per_badge * 1000:.2f} ms"
            f" + 6 uploads (PUBLISH_EVERY_SECONDS) x {per_upload:.2f} s over a no-change run",
            "- CPU-seconds an hour at this run's own mix (mean x 60):"
            f" {statistics.mean(r['cpu'] for r in later) * 60:.1f}",
            f"- Uptime Kuma requests a minute, mean over {len(runs)} runs: "
            f"**{sum(r['kuma'] for r in runs) / minutes:.1f}** (1 /metrics, the page, its incident history,"
            f" and each monitor's 7-day badge once in 5 minutes: 3 + {args.monitors}/5 = {3 + args.monitors / 5:.0f})",
        ]
    lines += [
        f"- uploads: {len(uploads)} of {len(later)} later runs; backup relistings: {sum(r['relisted'] for r in later)};"
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
