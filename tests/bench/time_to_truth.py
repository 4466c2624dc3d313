#!/usr/bin/env python3
"""Time to truth on the live stack, cron and resident side by side: Uptime Kuma's beat to the public file.

The local stack (real Uptime Kuma from npm, moto) and four generators, each its own settings, state and
folder in one bucket: for each channel (Web, Worker; each beside API, critical and always up) a cron one
(the wrapper at each minute boundary) and a resident one (`job.py --resident`), so every flip is timed in
both modes. The channels flip down and up in turn, each state held 90 to 100 s, phases staggered at
random. Writes p50/p95/max, CPU-s and PUTs an hour into RESULTS.md. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "scripts" / "dev"), str(ROOT / "scripts"), str(ROOT / "tests" / "bench")]

import kuma_live  # noqa: E402
import results  # noqa: E402
from stack import STATUS_BUCKET, Stack, wait_for  # noqa: E402
from time_to_truth_parts import Beats, CountingProxy, percentile, public, watch  # noqa: E402

MARK = "<!-- time to truth -->"
MODES = ("cron", "resident")
CHANNELS = {"Web": 1, "Worker": 2}  # monitor name -> the stack's HTTP target it checks
HOLD_SECONDS = (90.0, 100.0)  # over cron's worst case (a 20 s beat interval + 60 s + a run) so none is lost
GET_EVERY = 0.5  # seconds between public GETs of each generator's status.json
WORK = ROOT / ".cache" / "bench-ttt"
RUN_LINE = re.compile(r"run finished in [0-9.]+s .*exit (\d+)")


@dataclass
class Generator:
    mode: str
    channel: str
    folder: Path
    env_file: Path
    url: str  # its public status.json
    seen: list[tuple[float, str]] = field(default_factory=list)  # (time of the answer, platform_status)
    cpu: list[tuple[float, float]] = field(default_factory=list)  # cron: (start, CPU-s) of each run
    proc: subprocess.Popen | None = None  # resident: the process
    marks: dict[str, float] = field(default_factory=dict)  # at the window's start and end: CPU-s, log size

    @property
    def name(self) -> str:
        return f"{self.mode}-{self.channel.lower()}"

    def argv(self, *extra: str) -> list[str]:
        """As cron or systemd starts it: a bare environment, the venv's Python, another working folder."""
        return ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={WORK}", *extra, "--env-file", str(self.env_file)]

    def log(self) -> str:
        path = self.folder / "status.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def proc_cpu(self) -> float:
        """The resident process's CPU-s so far, its waited-for children (the AWS CLI) included."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(") ", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def make_generators(stack: Stack, proxies: dict[str, CountingProxy]) -> list[Generator]:
    ids = stack.state.monitor_ids
    gens = []
    for mode in MODES:
        for channel in CHANNELS:
            folder = WORK / f"{mode}-{channel.lower()}"
            folder.mkdir(parents=True)
            key = f"{folder.name}/status.json"
            env_file = stack.write_env(
                folder / "bench.env",
                UPTIME_KUMA_URL=proxies[mode].url,
                MONITOR_IDS=f"{ids['API']},{ids[channel]}",
                CRITICAL_MONITOR_IDS=str(ids["API"]),
                STATUS_BUCKET_KEY=key,
                STATUS_PUBLIC_URL=f"{stack.s3_url}/{STATUS_BUCKET}/{key}",
                OUTPUT_FILE=str(folder / "status.json"),
                LOG_FILE=str(folder / "status.log"),
                BUNDLE_DIR=str(folder / "public"),
                STATE_FILE=str(folder / "state.json"),
            )
            gens.append(Generator(mode, channel, folder, env_file, f"{stack.s3_url}/{STATUS_BUCKET}/{key}"))
    return gens


def cron_run(gen: Generator) -> None:
    """One run of the cron wrapper; its CPU-s from wait4, so runs side by side are told apart."""
    started = time.time()
    with open(gen.folder / "cron.out", "ab") as out:
        proc = subprocess.Popen(
            gen.argv("bash", str(ROOT / "scripts/generate_and_upload.sh")), stdout=out, stderr=out, cwd="/"
        )
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    gen.cpu.append((started, usage.ru_utime + usage.ru_stime))


def cron_round(gens: list[Generator]) -> None:
    threads = [threading.Thread(target=cron_run, args=(g,)) for g in gens if g.mode == "cron"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def flipper(stack: Stack, channel: str, offset: float, count: int, flips: list[dict], stop: threading.Event) -> None:
    """count flips of one channel, DOWN first; each state held HOLD_SECONDS, the last one too."""
    stop.wait(offset)
    up = True
    for _ in range(count):
        if stop.is_set():
            return
        up = not up
        stack.set_target(CHANNELS[channel], up=up)
        item = {"channel": channel, "up": up, "at": time.time(), "beat": None, "held_until": None}
        flips.append(item)
        stop.wait(random.uniform(*HOLD_SECONDS))
        item["held_until"] = time.time()


def latencies(gen: Generator, flips: list[dict]) -> tuple[list[float], int]:
    """This generator's beat -> public times for its channel's flips, and how many it never showed."""
    mine = [f for f in flips if f["channel"] == gen.channel]
    times, missed = [], 0
    for n, item in enumerate(mine):
        if item["beat"] is None:
            continue
        after = mine[n + 1] if n + 1 < len(mine) else None
        # The state holds in Uptime Kuma from its beat to the next flip's (the last: to the end of its hold).
        until = (after["beat"] or after["at"]) if after else item["held_until"]
        expected = "operational" if item["up"] else "degraded"
        shown = next((t for t, status in gen.seen if item["beat"] <= t < until and status == expected), None)
        item[gen.name] = None if shown is None else round(shown - item["beat"], 2)
        missed += shown is None
        times += [] if shown is None else [shown - item["beat"]]
    return times, missed


def summarize(gens: list[Generator], flips: list[dict], proxies: dict, hours: float, puts: dict) -> dict:
    out = {}
    for mode in MODES:
        mine = [g for g in gens if g.mode == mode]
        times, missed = [], 0
        for gen in mine:
            got, lost = latencies(gen, flips)
            times, missed = times + got, missed + lost
        logs = [g.log()[int(g.marks["log"]) : int(g.marks["log_end"])] for g in mine]
        codes = [int(c) for text in logs for c in RUN_LINE.findall(text)]
        quiet = sum(text.count("unchanged since") for text in logs)
        if mode == "cron":
            cpu = sum(c for g in mine for start, c in g.cpu if start >= g.marks["start"])
        else:
            cpu = sum(g.marks["cpu_end"] - g.marks["cpu"] for g in mine)
        per_hour = len(mine) * hours
        out[mode] = {
            "times": times,
            "missed": missed,
            "cpu_hour": cpu / per_hour,
            "puts_hour": sum(puts[g.name] for g in mine) / per_hour,
            "kuma_minute": proxies[mode].since_mark() / per_hour / 60,
            "runs": f"{len(codes) / per_hour:.0f} ({(len(codes) - quiet) / per_hour:.0f})",
            "codes": ", ".join(map(str, sorted(set(codes)))),
        }
    return out


def table(stats: dict, flips: list[dict]) -> str:
    down = sum(not f["up"] for f in flips)
    beats = sum(f["beat"] is not None for f in flips)

    def row(label: str, key: Callable[[dict], object], target: str = "") -> str:
        return f"| {label} | {key(stats['cron'])} | {key(stats['resident'])} | {target} |"

    def fig(fn: Callable[[list[float]], float]) -> Callable[[dict], str]:
        return lambda s: f"{fn(s['times']):.1f}" if s["times"] else "–"

    return "\n".join(
        [
            "| measure | cron (each minute) | resident (POLL_SECONDS 10) | target |",
            "| --- | ---: | ---: | --- |",
            f"| flips made (DOWN, UP), with a beat | {len(flips)} ({down}, {len(flips) - down}), {beats} | the same "
            "| at least 20 a mode |",
            row("flips shown", lambda s: f"{len(s['times'])} of {beats}"),
            row("flips not shown while they held", lambda s: s["missed"], "0"),
            row("beat -> public, p50 s", fig(statistics.median)),
            row("beat -> public, p95 s", fig(lambda t: percentile(t, 95)), "resident <= 20; cron <= 90"),
            row("beat -> public, max s", fig(max), "cron <= 120"),
            row("CPU-seconds an hour, a generator", lambda s: f"{s['cpu_hour']:.1f}"),
            row("full runs an hour (of them uploading the set)", lambda s: s["runs"]),
            row("S3 PUTs an hour, a generator", lambda s: f"{s['puts_hour']:.0f}"),
            row("Uptime Kuma requests a minute, a generator", lambda s: f"{s['kuma_minute']:.1f}", "bounded"),
            row("exit codes of the runs", lambda s: s["codes"]),
        ]
    )


def measure(stack: Stack, gens: list[Generator], proxies: dict, each: int, stop: threading.Event) -> dict:
    """Flip the channels and run cron at each minute boundary; the window is whole minutes, cron's rounds."""
    beats, flips = Beats(stack), []
    time.sleep(60 - time.time() % 60)
    s3_log, started, load = len(stack.log_text("s3")), time.time(), os.getloadavg()[0]
    for gen in gens:
        gen.marks = {"start": started, "log": len(gen.log()), "cpu": gen.proc_cpu() if gen.proc else 0.0}
    for proxy in proxies.values():
        proxy.mark()
    threading.Thread(target=watch, args=(gens, GET_EVERY, stop), daemon=True).start()
    threading.Thread(target=beats.collect, args=(stop,), daemon=True).start()
    # Staggered: the first channel starts in the first half of a hold, the second in the second half.
    offsets = [(k + random.random()) * HOLD_SECONDS[0] / len(CHANNELS) for k in range(len(CHANNELS))]
    flippers = [
        threading.Thread(target=flipper, args=(stack, channel, offset, each, flips, stop))
        for channel, offset in zip(CHANNELS, offsets, strict=True)
    ]
    for thread in flippers:
        thread.start()
    print(f"[ttt] {each} flips a channel, {len(CHANNELS)} channels: about {each * 95 / 60 + 2:.0f} minutes")
    cron_round(gens)
    while any(t.is_alive() for t in flippers):
        time.sleep(60 - time.time() % 60)  # the next minute boundary, as cron starts it
        cron_round(gens)
    time.sleep(60 - time.time() % 60)
    ended = time.time()
    for gen in gens:
        gen.marks |= {"log_end": len(gen.log()), "cpu_end": gen.proc_cpu() if gen.proc else 0.0}
    for proxy in proxies.values():
        proxy.freeze()
    put_lines = [line for line in stack.log_text("s3")[s3_log:].splitlines() if '"PUT /' in line]
    beats.fetch()
    for item in flips:
        after = [f["at"] for f in flips if f["channel"] == item["channel"] and f["at"] > item["at"]]
        monitor, status = stack.state.monitor_ids[item["channel"]], 1 if item["up"] else 0
        item["beat"] = beats.first(monitor, status, item["at"], min(after, default=ended))
    return {
        "flips": flips,
        "hours": (ended - started) / 3600,
        "load": (load, os.getloadavg()[0]),
        "puts": {g.name: sum(f"/{STATUS_BUCKET}/{g.name}/" in line for line in put_lines) for g in gens},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flips", type=int, default=24, help="flips a mode, DOWN and UP (24: about 22 minutes)")
    args = parser.parse_args()
    each = 2 * math.ceil(args.flips / (2 * len(CHANNELS)))  # a channel's flips, even: it ends up, as it began
    Stack(WORK).stop_all()  # a stack left over from an interrupted run
    shutil.rmtree(WORK, ignore_errors=True)  # a new Uptime Kuma database, new states
    stack = Stack(WORK)
    gens: list[Generator] = []
    stop = threading.Event()
    try:
        stack.start_all()
        proxies = {mode: CountingProxy(stack.kuma_url) for mode in MODES}
        gens = make_generators(stack, proxies)
        for gen in gens:
            if gen.mode == "resident":
                argv = gen.argv(str(ROOT / ".venv/bin/python"), str(ROOT / "scripts/cli/job.py"), "--resident")
                gen.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
        cron_round(gens)  # the first runs: a whole set each, before the window
        wait_for(lambda: all(public(g.url) == "operational" for g in gens), 120, "the first public status.json of each")
        run = measure(stack, gens, proxies, each, stop)
    finally:
        stop.set()
        for gen in gens:
            if gen.proc:
                gen.proc.terminate()
                gen.proc.wait(60)
        stack.stop_all()
    flips, hours = run["flips"], run["hours"]
    stats = summarize(gens, flips, proxies, hours, run["puts"])
    (WORK / "flips.json").write_text(json.dumps(flips, indent=1))
    every = hours * 3600 / max(1, len(flips) / len(CHANNELS))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"{MARK}\n## Time to truth, cron and resident ({stamp}, {hours * 60:.0f} minutes measured, live stack)\n\n"
        f"`.venv/bin/python tests/bench/time_to_truth.py --flips {args.flips}`\n\n"
        f"Uptime Kuma {kuma_live.VERSION} from npm checks every 20 s. Web and Worker are flipped in turn, each state"
        f" held {HOLD_SECONDS[0]:.0f} to {HOLD_SECONDS[1]:.0f} s, their phases staggered at random; each is read by"
        " a cron and a resident generator (with API, critical, always up), so every flip is timed in both modes:"
        " from its beat in Uptime Kuma's heartbeat list to the first public GET of that generator's status.json"
        f" (one every {GET_EVERY:g} s) that shows it while the state holds. CPU: each cron run's rusage, each"
        " resident process's /proc, the AWS CLI included; PUTs from moto's log; Uptime Kuma requests through a"
        " counting proxy. The hour figures are a generator's at this run's rate, a flip of its channel every"
        f" {every:.0f} s, not a quiet hour's (`scaled.py`). Load average at start and end:"
        f" {run['load'][0]:.1f}, {run['load'][1]:.1f} on {os.cpu_count()} cores.\n\n"
        f"{table(stats, flips)}\n"
    )
    for mode in MODES:
        print(f"[ttt] {mode}: " + " ".join(f"{t:.1f}" for t in sorted(stats[mode]["times"])))
    results.write_section(MARK, section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
