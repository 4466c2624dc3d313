#!/usr/bin/env python3
"""Time to truth on the live stack: how long from Uptime Kuma's beat to the public file saying so.

Starts the local stack (real Uptime Kuma from npm, monitors checking every 20 s, moto), runs the cron
wrapper the way cron does at each minute boundary, flips a target down and up --flips times (8),
each state held a random 90 to 100 s (about 15 minutes in all), and measures for each flip the time
from Uptime Kuma's beat (its heartbeat list gives the time) to the first public GET of status.json
that shows it while the state still holds; a flip never shown while it held is counted as missed.
Prints, and writes into tests/bench/RESULTS.md, p50/p95/max, the CPU-seconds of every run (rusage),
Uptime Kuma requests a run (counted by a proxy in front of it) and PUTs an hour, beside the
10-minute cadence's figures computed from the same run. A script, not a test: no build fails on its numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "scripts" / "dev"), str(ROOT / "scripts"), str(ROOT / "tests" / "bench")]

import requests  # noqa: E402
import results  # noqa: E402
from stack import STATUS_BUCKET, Stack, free_port  # noqa: E402

MARK = "<!-- time to truth -->"
HOLD_SECONDS = 90


class CountingProxy:
    """Forwards every request to Uptime Kuma and counts them: the client's requests, as Kuma sees them."""

    def __init__(self, target: str) -> None:
        self.count = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                proxy.count += 1
                upstream = requests.get(
                    target + self.path, headers={"Authorization": self.headers.get("Authorization", "")}, timeout=15
                )
                self.send_response(upstream.status_code)
                for name in ("Content-Type", "WWW-Authenticate"):  # send_response writes its own Date
                    if name in upstream.headers:
                        self.send_header(name, upstream.headers[name])
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def first_beat(stack: Stack, monitor_id: int, status: int, since: float) -> float | None:
    """The time of Uptime Kuma's first beat with status at or after since (its heartbeat list, oldest first)."""
    beats = requests.get(f"{stack.kuma_url}/api/status-page/heartbeat/elytra", timeout=5).json()["heartbeatList"]
    for beat in beats.get(str(monitor_id)) or []:
        at = datetime.fromisoformat(beat["time"]).replace(tzinfo=UTC).timestamp()
        if beat["status"] == status and at >= since - 1:
            return at
    return None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flips", type=int, default=8)
    args = parser.parse_args()
    workdir = ROOT / ".cache" / "bench-ttt"
    Stack(workdir).stop_all()  # a stack left over from an interrupted run
    shutil.rmtree(workdir, ignore_errors=True)  # a new Uptime Kuma database, a new state
    stack = Stack(workdir)
    stack.start_all()
    proxy = CountingProxy(stack.kuma_url)
    ids = stack.state.monitor_ids
    env_file = stack.write_env(
        ROOT / ".cache" / "bench-ttt" / "bench.env",
        UPTIME_KUMA_URL=proxy.url,
        MONITOR_IDS=f"{ids['API']},{ids['Web']},{ids['Worker']}",
        CRITICAL_MONITOR_IDS=str(ids["API"]),
        STATE_FILE=str(ROOT / ".cache" / "bench-ttt" / "state.json"),
    )
    public = f"{stack.s3_url}/{STATUS_BUCKET}/status.json"
    stop = threading.Event()
    seen: list[tuple[float, str]] = []  # (wall time, platform_status) of every public GET

    def watch() -> None:
        while not stop.is_set():
            with contextlib.suppress(requests.RequestException, ValueError, KeyError):
                seen.append((time.time(), requests.get(public, timeout=2).json()["platform_status"]))
            time.sleep(0.5)

    flips: list[dict] = []

    flipped = threading.Event()

    def flip() -> None:
        # Each state holds 90 to 100 s, longer than the 90 s target: a flip not shown while it
        # held is a miss, not a late match against the next flip of the same direction.
        up = True
        for _ in range(args.flips):
            time.sleep(random.uniform(HOLD_SECONDS, HOLD_SECONDS + 10))
            up = not up
            stack.set_target(2, up=up)  # Worker
            flips.append({"at": time.time(), "up": up, "beat": None})
        flipped.set()

    runs: list[dict] = []
    threading.Thread(target=watch, daemon=True).start()
    threading.Thread(target=flip, daemon=True).start()
    started_at = time.time()
    puts_before = stack.log_text("s3").count('"PUT /')
    # Until the last flip has had 130 s to show, within 16 minutes whatever happens.
    while time.time() < started_at + 16 * 60 and not (flipped.is_set() and time.time() > flips[-1]["at"] + 130):
        time.sleep(60 - time.time() % 60)  # the next minute boundary, as cron starts it
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        requests_before, started = proxy.count, time.time()
        result = subprocess.run(
            [
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
                f"HOME={stack.workdir}",
                "bash",
                str(ROOT / "scripts/generate_and_upload.sh"),
                "--env-file",
                str(env_file),
            ],
            capture_output=True,
            text=True,
            cwd="/",
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(
            {
                "start": started,
                "seconds": time.time() - started,
                "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                "kuma_requests": proxy.count - requests_before,
                "uploaded": "unchanged since" not in result.stdout,
                "code": result.returncode,
            }
        )
        # Each flip's beat, once Uptime Kuma has it.
        for item in flips:
            if item["beat"] is None:
                item["beat"] = first_beat(stack, ids["Worker"], 1 if item["up"] else 0, item["at"])
    time.sleep(5)
    stop.set()
    stack.set_target(2, up=True)
    puts = stack.log_text("s3").count('"PUT /') - puts_before
    minutes = (time.time() - started_at) / 60
    hours = minutes / 60
    latencies, old_latencies, missed = [], [], 0
    median_run = statistics.median(r["seconds"] for r in runs)
    for n, item in enumerate(flips):
        if item["beat"] is None:
            continue
        expected = "operational" if item["up"] else "degraded"
        until = flips[n + 1]["beat"] or flips[n + 1]["at"] if n + 1 < len(flips) else float("inf")
        shown = next((t for t, status in seen if item["beat"] <= t < until and status == expected), None)
        missed += shown is None
        if shown is not None:
            latencies.append(shown - item["beat"])
            next_ten = (int(item["beat"] // 600) + 1) * 600
            old_latencies.append(next_ten + median_run - item["beat"])
    stack.stop_all()
    cpu = [r["cpu"] for r in runs]
    asked = [r["kuma_requests"] for r in runs]
    # The 10-minute cadence uploaded every run: its runs cost what this run's uploading ones did.
    upload_cpu = statistics.mean([r["cpu"] for r in runs if r["uploaded"]] or cpu)
    table = [
        "| measure | 1-minute cadence (measured) | 10-minute cadence (from the same run) | target |",
        "| --- | ---: | ---: | --- |",
        f"| flips measured | {len(latencies)} of {len(flips)} | {len(old_latencies)} | at least 8 |",
        f"| flips not shown while they held | {missed} | | 0 |",
        f"| beat -> public, p50 s | {statistics.median(latencies):.1f} | {statistics.median(old_latencies):.1f} | |"
        if latencies
        else "| beat -> public | no flip measured | | |",
        f"| beat -> public, p95 s | {percentile(latencies, 95):.1f} | {percentile(old_latencies, 95):.1f} | <= 90 |"
        if latencies
        else "",
        f"| beat -> public, max s | {max(latencies):.1f} | {max(old_latencies):.1f} | <= 120 |" if latencies else "",
        f"| CPU-seconds a run, mean (max) | {statistics.mean(cpu):.2f} ({max(cpu):.2f}) | | |",
        f"| CPU-seconds an hour | {statistics.mean(cpu) * 60:.1f} | {upload_cpu * 6:.1f} | <= 36 (1% of a core) |",
        f"| Uptime Kuma requests a run, mean (max) | {statistics.mean(asked):.1f} ({max(asked)}) | | bounded |",
        f"| runs that uploaded | {sum(r['uploaded'] for r in runs)} of {len(runs)} | | |",
        f"| S3 PUTs an hour (all objects) | {puts / hours:.0f} | {6 * 13} | <= 6 per object when nothing changes |",
    ]
    text = "\n".join(line for line in table if line)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"{MARK}\n## Time to truth ({stamp}, {minutes:.0f} minutes, 5 monitors, live stack)\n\n"
        f"`.venv/bin/python tests/bench/time_to_truth.py --flips {args.flips}`\n\n{text}\n"
    )
    results.write_section(MARK, section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
