"""What a process costs: a run started as cron starts it, the import floor, the resident process, py-spy's stacks."""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
# The floor a cron run is measured against, on the same machine at the same time (issue 30, section 3).
FLOOR_CODE = "import boto3, requests"


def as_cron(argv: list[str], home: Path) -> tuple[float, float, str, int]:
    """argv as cron starts it (env -i, PATH=/usr/bin:/bin, cwd /): wall s, CPU-s (its children's included),
    output, exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", *argv], capture_output=True, text=True, cwd="/"
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout + result.stderr, result.returncode


def floor_sample(home: Path) -> float:
    """CPU-s (user + sys) of `.venv/bin/python -c "import boto3, requests"`, started as a cron run is."""
    _, cpu, out, code = as_cron([str(PYTHON), "-c", FLOOR_CODE], home)
    if code != 0:
        raise RuntimeError(f"the floor failed: {out[-500:]}")
    return cpu


def spread(values: list[float], unit: str = "{:.3f}") -> str:
    """median (min to max)"""
    return f"{unit.format(statistics.median(values))} ({unit.format(min(values))} to {unit.format(max(values))})"


class Resident:
    """job.py --resident, started once as its systemd unit would: each run is read off its log, its CPU off /proc."""

    def __init__(self, env_file: Path, every: float, log: Path, home: Path) -> None:
        argv = [str(PYTHON), str(ROOT / "scripts/cli/job.py"), "--resident"]
        argv += ["--every", str(every), "--env-file", str(env_file)]
        self.log = log
        self.proc = subprocess.Popen(
            ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", *argv], cwd="/", stdout=subprocess.DEVNULL
        )
        self.last = self.cpu()

    def cpu(self) -> float:
        """The process's rusage so far: user and system time, its waited-for children's (the AWS CLI) included."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(") ", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime

    def next_run(self) -> tuple[float, float, str, int]:
        """Wait for the next run's closing line: its wall seconds, the CPU-s since the last one (the polls between
        included), its log lines and exit code."""
        before = self.log.read_text() if self.log.exists() else ""
        while True:
            time.sleep(0.05)
            if self.proc.poll() is not None:
                raise RuntimeError(f"job.py --resident exited with {self.proc.returncode}")
            new = (self.log.read_text() if self.log.exists() else "")[len(before) :]
            closing = re.search(r"run finished in ([0-9.]+)s .*exit (\d+)", new)
            if closing:
                now = self.cpu()
                cpu, self.last = now - self.last, now
                return float(closing.group(1)), cpu, new, int(closing.group(2))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


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
