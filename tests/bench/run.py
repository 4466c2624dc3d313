#!/usr/bin/env python3
"""Benchmark one cron cycle at scale, beside a peer (pythonkuma) and the floors (bare aws, curl, imports).

    .venv/bin/python tests/bench/run.py [--monitors 1000] [--objects 100000] [--repeat 5]

Prints one table and writes it to tests/bench/RESULTS.md. A script, not a test: nothing here fails
a build; the targets are read off its output.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
CAPTURE = ROOT / "tests/fixtures/kuma/2.5.3/metrics_apikey.txt"
WORK = ROOT / ".cache" / "bench"
PEER_VENV = WORK / "peer-venv"
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "scripts/dev")]
from stack import free_port  # noqa: E402

sys.path.insert(0, str(HERE))
import results  # noqa: E402

API_KEY = "uk1_bench-key"
STATUS_BUCKET = "bench-status"
# One bucket per layout: moto scans every key of a bucket on each listing, whatever the prefix,
# so a shared bucket would charge each layout for the other's objects.
BUCKETS = {"flat/": "bench-flat", "dated/%Y/%m/%d/": "bench-dated"}


# --- payloads ---------------------------------------------------------------------------


def metrics_payload(monitors: int, with_ids: bool = True, with_ratios: bool = True) -> bytes:
    """/metrics of N monitors in the captured 2.5.3 format: tags first, ids, "null" fields, the rest verbatim."""
    raw = CAPTURE.read_bytes().decode().split("\r\n\r\n", 1)[1]
    rest = [ln for ln in raw.splitlines() if not ln.startswith(("monitor_", "# HELP monitor_", "# TYPE monitor_"))]
    rng = random.Random(monitors)
    families: dict[str, list[str]] = {
        name: []
        for name in (
            "monitor_cert_days_remaining",
            "monitor_cert_is_valid",
            "monitor_uptime_ratio",
            "monitor_response_time_seconds",
            "monitor_response_time",
            "monitor_status",
        )
    }
    for i in range(1, monitors + 1):
        tag = 'env="prod",' if i % 3 == 0 else ""
        ident = f'monitor_id="{i}",' if with_ids else ""
        labels = (
            f'{tag}{ident}monitor_name="Service {i}",monitor_type="http",'
            f'monitor_url="https://svc-{i}.example.internal/health",monitor_hostname="null",monitor_port="null"'
        )
        state = 0 if i % 97 == 0 else 2 if i % 101 == 0 else 3 if i == 7 else 1
        if with_ratios:
            for window in ("1d", "30d", "365d"):
                families["monitor_uptime_ratio"].append(
                    f'monitor_uptime_ratio{{{labels},window="{window}"}} {1 - rng.random() / 200}'
                )
                families["monitor_response_time_seconds"].append(
                    f'monitor_response_time_seconds{{{labels},window="{window}"}} {rng.random() / 50}'
                )
        families["monitor_response_time"].append(f"monitor_response_time{{{labels}}} {rng.randint(1, 90)}")
        families["monitor_status"].append(f"monitor_status{{{labels}}} {state}")
    out = []
    for name, lines in families.items():
        if lines or name.startswith("monitor_cert"):
            out += [f"# HELP {name} {name}", f"# TYPE {name} gauge", *lines, ""]
    return ("\n".join(out + rest) + "\n").encode()


# As Uptime Kuma sends it (captures/2.5.3/badge_1_uptime_7d.txt).
BADGE_TYPE = "image/svg+xml; charset=utf-8"


def badge_svg(label: str, value: str) -> bytes:
    text = f"Uptime ({label}): {value}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{text}"><title>{text}</title></svg>'.encode()
    )


class KumaServer:
    """Serves a generated Uptime Kuma on loopback and counts the requests it gets."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.count = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle on, each keep-alive answer waits
            # out the client's delayed ACK (40 ms), which no real Uptime Kuma does.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802
                server.count += 1
                kind, body = server.routes.get(self.path.split("?")[0], ("text/plain", b"not found"))
                self.send_response(200 if self.path.split("?")[0] in server.routes else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def serve_21(self, monitors: int) -> None:
        self.routes = {"/metrics": ("text/plain; version=0.0.4; charset=utf-8", metrics_payload(monitors))}

    def serve_123(self, monitors: int) -> None:
        """The 1.23-era API: names only on /metrics, a status page, its heartbeat, and badges."""
        page = {
            "config": {"slug": "bench"},
            "publicGroupList": [
                {
                    "name": "All",
                    "monitorList": [{"id": i, "name": f"Service {i}", "type": "http"} for i in range(1, monitors + 1)],
                }
            ],
            "maintenanceList": [],
        }
        beats = {"heartbeatList": {}, "uptimeList": {f"{i}_24": 0.999 for i in range(1, monitors + 1)}}
        self.routes = {
            "/metrics": ("text/plain; version=0.0.4", metrics_payload(monitors, with_ids=False, with_ratios=False)),
            "/api/status-page/bench": ("application/json", json.dumps(page).encode()),
            "/api/status-page/heartbeat/bench": ("application/json", json.dumps(beats).encode()),
        }
        for i in range(1, monitors + 1):
            for hours in (24, 168, 720):
                self.routes[f"/api/badge/{i}/uptime/{hours}"] = (BADGE_TYPE, badge_svg(f"{hours}h", "99.95%"))


# --- S3 ----------------------------------------------------------------------------------


def serve_s3(port: int, objects: int) -> None:
    """moto's S3 server in this process, seeded straight into its backend: 100,000 PUTs over HTTP take minutes."""
    from moto.s3.models import s3_backends
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=True)
    server.start()
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",
    )
    for bucket in (*BUCKETS.values(), STATUS_BUCKET):
        client.create_bucket(Bucket=bucket)
    backend = next(iter(s3_backends.values()))["aws"]
    now = datetime.now(UTC)
    for i in range(objects):
        backend.put_object(BUCKETS["flat/"], f"flat/backup-{i:06d}.tar.gz", b"x")
    # The same count, date-partitioned: one partition a day, going back as far as it takes.
    per_day = max(objects // 1000, 1)
    for i in range(objects):
        day = now - timedelta(days=i // per_day)
        backend.put_object(BUCKETS["dated/%Y/%m/%d/"], day.strftime(f"dated/%Y/%m/%d/backup-{i:06d}.tar.gz"), b"x")
    print("ready", flush=True)
    threading.Event().wait()


class S3Process:
    def __init__(self, objects: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = WORK / "s3.log"
        self._log = open(self.log, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-s3", str(self.port), "--objects", str(objects)],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        for line in self.proc.stdout:  # blocks until seeded: the process says so
            if line.strip() == "ready":
                return
        raise RuntimeError(f"S3 server did not start: {self.log.read_text()[-2000:]}")

    def requests(self) -> int:
        return sum(1 for ln in self.log.read_text().splitlines() if '"GET /' in ln or '"PUT /' in ln or '"HEAD /' in ln)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self._log.close()


# --- measuring ----------------------------------------------------------------------------


def run_timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Wall time, peak RSS in MB (the process and its children) and exit code of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss // 1024, proc.returncode


class Row:
    def __init__(self, name: str, times: list[float], requests: float | None = None, rss: int | None = None) -> None:
        self.name, self.times, self.requests, self.rss = name, times, requests, rss
        self.median = statistics.median(times)
        self.note = ""


def repeat(
    n: int, fn: Callable[[], tuple[float, int, int]], counter: Callable[[], int] | None = None
) -> tuple[list[float], int, float | None]:
    times, peak, before = [], 0, counter() if counter else 0
    for _ in range(n):
        elapsed, rss, code = fn()
        if code not in (0, 3):
            raise RuntimeError(f"a measured command failed with exit code {code}")
        times.append(elapsed)
        peak = max(peak, rss)
    requests = (counter() - before) / n if counter else None
    return times, peak, requests


PROBE_KUMA = """
import json, sys, time
sys.path.insert(0, {cli!r})
from elytra_status.infra import logs, settings
from elytra_status.kuma import read as uptime_kuma_client
values = {{"UPTIME_KUMA_URL": {url!r}, "UPTIME_KUMA_API_KEY": {key!r}, "UPTIME_KUMA_STATUS_PAGE": {slug!r}}}
config = settings.parse_config(values)
logs.setup_logging("bench", config, open("/dev/null", "w"))
times = []
for _ in range({n} + 1):
    t = time.perf_counter(); report = uptime_kuma_client.read_kuma(config); times.append(time.perf_counter() - t)
assert len(report.monitors) > 0
print(json.dumps(times[1:]))
"""

PROBE_PEER = """
import asyncio, json, time, aiohttp
from pythonkuma import UptimeKuma
async def main():
    times = []
    for _ in range({n} + 1):
        t = time.perf_counter()
        async with aiohttp.ClientSession() as session:
            monitors = await UptimeKuma(session, {url!r}, {key!r}).metrics()
        times.append(time.perf_counter() - t)
    assert len(monitors) > 0
    print(json.dumps(times[1:]))
asyncio.run(main())
"""


def probe(python: Path, code: str) -> list[float]:
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout)


def ensure_peer() -> Path | None:
    """pythonkuma needs Python 3.12+: a venv of its own, from the first 3.12+ interpreter found."""
    python = PEER_VENV / "bin" / "python"
    if python.exists():
        return python
    for candidate in (
        "python3.13",
        "python3.12",
        *sorted(map(str, Path("/root/.pyenv/versions").glob("3.1[2-9]*/bin/python3"))),
    ):
        found = shutil.which(candidate) or (candidate if Path(candidate).exists() else None)
        if found and subprocess.run([found, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"]).returncode == 0:
            subprocess.run([found, "-m", "venv", str(PEER_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "pythonkuma"], check=True)
            return python
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=("kuma", "backups", "cycle"), help="one group; RESULTS.md untouched")
    parser.add_argument("--serve-s3", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_s3:
        serve_s3(args.serve_s3, args.objects)
        return 0

    WORK.mkdir(parents=True, exist_ok=True)
    n = args.repeat
    rows: list[Row] = []
    kuma = KumaServer()
    print(f"seeding S3 with {args.objects} objects under flat/ and under dated/%Y/%m/%d/ ...", file=sys.stderr)
    s3 = S3Process(args.objects)
    try:
        if args.only in (None, "kuma"):
            rows += bench_kuma(kuma, args.monitors, n)
        if args.only in (None, "backups"):
            rows += bench_backups(s3, args.objects, n)
        if args.only in (None, "cycle"):
            rows += bench_cycle(kuma, s3, args.monitors, n)
    finally:
        s3.stop()
        kuma.httpd.shutdown()
    table = render(rows, args)
    print(table)
    if args.only is None:
        results.write_section("<!-- run.py -->", "<!-- run.py -->\n" + table)
    return 0


def bench_kuma(kuma: KumaServer, monitors: int, n: int) -> list[Row]:
    rows = []
    cli = str(ROOT / "scripts")
    for size in sorted({100, monitors}):
        kuma.serve_21(size)
        before = kuma.count
        times = probe(VENV_BIN / "python", PROBE_KUMA.format(cli=cli, url=kuma.url, key=API_KEY, slug="", n=n))
        rows.append(Row(f"Kuma 2.1+ fetch+parse, {size} monitors (ours)", times, (kuma.count - before) / (n + 1)))
    ours = rows[-1]
    peer_python = ensure_peer()
    if peer_python:
        before = kuma.count
        times = probe(peer_python, PROBE_PEER.format(url=kuma.url, key=API_KEY, n=n))
        peer = Row(f"Kuma 2.1+ fetch+parse, {monitors} monitors (pythonkuma)", times, (kuma.count - before) / (n + 1))
        ours.note = f"ours/peer {ours.median / peer.median:.2f} (target <= 0.5)"
        rows.append(peer)
    curl = shutil.which("curl")
    if curl:
        times, _, _ = repeat(
            n, lambda: run_timed([curl, "-s", "-o", "/dev/null", "-u", f":{API_KEY}", f"{kuma.url}/metrics"])
        )
        rows.append(Row(f"floor: curl /metrics, {monitors} monitors", times, 1))
    kuma.serve_123(100)
    before = kuma.count
    times = probe(VENV_BIN / "python", PROBE_KUMA.format(cli=cli, url=kuma.url, key=API_KEY, slug="bench", n=n))
    rows.append(
        Row("Kuma 1.23 with status page and badges, 100 monitors (ours)", times, (kuma.count - before) / (n + 1))
    )
    return rows


def settings_file(kuma: KumaServer, s3: S3Process, prefix: str) -> Path:
    values = {
        "UPTIME_KUMA_URL": kuma.url,
        "UPTIME_KUMA_API_KEY": API_KEY,
        "SPACES_ENDPOINT": s3.url,
        "SPACES_ACCESS_KEY": "bench",
        "SPACES_SECRET_KEY": "bench-secret",
        "STATUS_BUCKET": STATUS_BUCKET,
        "BACKUP_BUCKET": BUCKETS[prefix],
        "BACKUP_PREFIX": prefix,
        "OUTPUT_FILE": str(WORK / "status.json"),
        "LOG_FILE": str(WORK / "bench.log"),
        "RUN_DEADLINE_SECONDS": "300",
        "HTTP_TIMEOUT_SECONDS": "60",
    }
    path = WORK / f"bench-{prefix.split('/')[0]}.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


def aws_env() -> dict[str, str]:
    return {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "HOME": str(WORK),
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
    }


def bench_backups(s3: S3Process, objects: int, n: int) -> list[Row]:
    rows = []
    kuma_stub = KumaServer()  # backup_checker.py needs no Kuma; settings_file wants a URL
    for prefix in ("dated/%Y/%m/%d/", "flat/"):
        env_file = settings_file(kuma_stub, s3, prefix)
        argv = [
            str(VENV_BIN / "python"),
            str(ROOT / "scripts/cli/backup_checker.py"),
            "--json",
            "--env-file",
            str(env_file),
        ]
        times, rss, requests = repeat(n, lambda a=argv: run_timed(a, {"PATH": "/usr/bin:/bin"}), s3.requests)
        rows.append(Row(f"backup_checker.py, {objects} objects, {prefix}", times, requests, rss))
    flat = rows[-1]
    argv = [
        str(VENV_BIN / "aws"),
        "s3api",
        "list-objects-v2",
        "--bucket",
        BUCKETS["flat/"],
        "--prefix",
        "flat/",
        "--endpoint-url",
        s3.url,
        "--query",
        "length(Contents)",
    ]
    times, rss, requests = repeat(n, lambda: run_timed(argv, aws_env()), s3.requests)
    floor = Row(f"floor: aws s3api list-objects-v2, {objects} objects, flat/", times, requests, rss)
    flat.note = f"ours/floor {flat.median / floor.median:.2f} (target <= 1.2)"
    kuma_stub.httpd.shutdown()
    return [*rows, floor, server_time_of_dated_listing(s3, n)]


def server_time_of_dated_listing(s3: S3Process, n: int) -> Row:
    """The S3 server's own share: the same partition listings as bare, sequential curls."""
    from elytra_status.backups.check import expand_prefix

    prefix = "dated/%Y/%m/%d/"
    urls = [f"{s3.url}/{BUCKETS[prefix]}?list-type=2&prefix={p}" for p in expand_prefix(prefix, datetime.now(UTC), 25)]
    curl = shutil.which("curl") or "curl"
    times, _, requests = repeat(n, lambda: run_timed([curl, "-s", "-o", "/dev/null", *urls]), s3.requests)
    return Row(f"floor: curl of the same {len(urls)} partition listings (server time)", times, requests)


def bench_cycle(kuma: KumaServer, s3: S3Process, monitors: int, n: int) -> list[Row]:
    kuma.serve_21(monitors)
    env_file = settings_file(kuma, s3, "dated/%Y/%m/%d/")
    cron = [
        "env",
        "-i",
        "PATH=/usr/bin:/bin",
        f"HOME={WORK}",
        "bash",
        str(ROOT / "scripts/generate_and_upload.sh"),
        "--env-file",
        str(env_file),
    ]
    times, _, requests = repeat(n, lambda: run_timed(cron), s3.requests)
    cycle = Row(f"full cycle: generate_and_upload.sh, {monitors} monitors, dated/", times, requests)
    job = [str(VENV_BIN / "python"), str(ROOT / "scripts/cli/job.py"), "--env-file", str(env_file)]
    _, job_rss, _ = repeat(1, lambda: run_timed(job, {"PATH": "/usr/bin:/bin", "HOME": str(WORK)}))
    cycle.rss = job_rss
    status = [str(VENV_BIN / "python"), str(ROOT / "scripts/cli/status.py"), "--env-file", str(env_file)]
    times, rss, _ = repeat(n, lambda: run_timed(status, {"PATH": "/usr/bin:/bin"}))
    status_row = Row(f"status.py alone, {monitors} monitors, dated/", times, None, rss)
    status_row.note = "target median <= 0.6 s"
    cp = [
        str(VENV_BIN / "aws"),
        "s3",
        "cp",
        str(WORK / "status.json"),
        f"s3://{STATUS_BUCKET}/floor.json",
        "--endpoint-url",
        s3.url,
        "--acl",
        "public-read",
        "--content-type",
        "application/json",
        "--only-show-errors",
    ]
    cp_times, cp_rss, _ = repeat(n, lambda: run_timed(cp, aws_env()))
    imports = [str(VENV_BIN / "python"), "-c", "import boto3, requests"]
    imp_times, imp_rss, _ = repeat(n, lambda: run_timed(imports, {"PATH": "/usr/bin:/bin"}))
    floor = Row(
        "floor: aws s3 cp + python -c 'import boto3, requests'",
        [a + b for a, b in zip(sorted(cp_times), sorted(imp_times), strict=True)],
        None,
        max(cp_rss, imp_rss),
    )
    cycle.note = f"ours/floor {cycle.median / floor.median:.2f} (target <= 1.2)"
    return [
        cycle,
        status_row,
        Row("floor part: aws s3 cp alone", cp_times, None, cp_rss),
        Row("floor part: python -c 'import boto3, requests'", imp_times, None, imp_rss),
        floor,
    ]


def render(rows: list[Row], args: argparse.Namespace) -> str:
    head = (
        f"Benchmark of {datetime.now(UTC):%Y-%m-%d %H:%M}Z on {os.cpu_count()} cores, Python {sys.version.split()[0]}: "
        f"`.venv/bin/python tests/bench/run.py --monitors {args.monitors} --objects {args.objects}"
        f" --repeat {args.repeat}`\n\n"
        "| measure | median s | min s | max s | requests/run | peak RSS MB | ratio |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |\n"
    )
    lines = [
        f"| {r.name} | {r.median:.3f} | {min(r.times):.3f} | {max(r.times):.3f} | "
        f"{'' if r.requests is None else f'{r.requests:g}'} | {'' if r.rss is None else r.rss} | {r.note} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
