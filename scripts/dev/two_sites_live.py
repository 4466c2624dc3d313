#!/usr/bin/env python3
"""One truth from every site, live: two real Uptime Kumas (npm), two generators, one moto, two handoffs, on loopback.

Each site has its own Uptime Kuma, data folder, ports and HTTP targets, seeded with the same monitor names
and status page slug; the same incident and maintenance window are posted on both. "Worker" checks a target
that is down at ams3 and up at fra1. The cron wrapper of each site runs in rounds (one after the other: moto
lets two conditional PUTs of one key both win); fra1 stops running until ams3 writes, then comes back and
takes the lease back. From the public files it checks one id per incident and window, no duplicate feed
entry, and the split verdict, and prints the figures. Stops everything it started, also on failure.

    .venv/bin/python scripts/dev/two_sites_live.py   # exit 0: every check held
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import kuma_live
from stack import DEFAULT_WORKDIR, MONITORS, ROOT, SLUG, STATUS_BUCKET, Stack, say

WORKDIR = DEFAULT_WORKDIR.parent / "two-sites-live"
SITES = (("fra1", "primary"), ("ams3", "standby"))
SPLIT, SPLIT_TARGET = "Worker", 2  # the monitor down at ams3 only, and its target's index
BOTH_DOWN = "Legacy service"  # checks a closed port at both sites; on the page, not selected
INCIDENT, WINDOW = "Object storage degraded", "Database upgrade"
ROUND_SECONDS = 3.0  # a round starts at most this often: the sites' "every minute", under a 12 s lease
SETTINGS = {
    "SITE_LEASE_SECONDS": "12",
    "RUN_DEADLINE_SECONDS": "5",
    "UPLOAD_TIMEOUT_SECONDS": "5",
    "HTTP_TIMEOUT_SECONDS": "3",
    "SITE_HOLD_SECONDS": "0",
}


class Site:
    """One site: its stack (Uptime Kuma, targets; fra1's also moto), settings file and runs."""

    def __init__(self, name: str, role: str) -> None:
        self.name, self.role = name, role
        self.stack = Stack(WORKDIR / name)
        self.env_file = self.stack.workdir / "site.env"
        self.codes: list[int] = []

    def write_env(self) -> None:
        # BOTH_DOWN stays on the page but out of the platform's status, so the split is a change the feed tells.
        ids = self.stack.state.monitor_ids
        selected = ",".join(str(ids[m["name"]]) for m in MONITORS if not m.get("paused") and m["name"] != BOTH_DOWN)
        settings = {**SETTINGS, "MONITOR_IDS": selected}
        self.stack.write_env(self.env_file, SITE_NAME=self.name, SITE_ROLE=self.role, **settings)

    def run(self) -> int:
        """One run of the cron wrapper as cron starts it (env -i, bare PATH, cwd /)."""
        home = self.stack.workdir / "home"
        home.mkdir(exist_ok=True)
        wrapper = [
            *("env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", "bash"),
            *(str(ROOT / "scripts/generate_and_upload.sh"), "--env-file", str(self.env_file)),
        ]
        done = subprocess.run(wrapper, cwd="/", capture_output=True, text=True, timeout=120)
        with (self.stack.workdir / "runs.log").open("a") as log:
            log.write(done.stdout + done.stderr)
        self.codes.append(done.returncode)
        return done.returncode

    def log(self) -> str:
        return self.stack.log_text("status")


def post_events(site: Site, skew: bool) -> dict[str, Any]:
    """The same incident and maintenance window on this site's page; skew: burn native ids first."""
    with kuma_live.admin(site.stack) as call:
        page_id = call("getStatusPage", SLUG)["config"]["id"]
        if skew:  # so the two Uptime Kumas number the same things apart, as two real ones do
            call("postIncident", SLUG, {"title": "Earlier", "content": "old", "style": "info"})
            call("unpinIncident", SLUG)
            call("addMaintenance", window("Earlier window", active=False))
        incident = call("postIncident", SLUG, {"title": INCIDENT, "content": "Uploads fail.", "style": "danger"})
        maintenance_id = call("addMaintenance", window(WINDOW, active=True))["maintenanceID"]
        call("addMaintenanceStatusPage", maintenance_id, [{"id": page_id}])  # also clears the page's cache
    return {"incident": incident["incident"]["id"], "maintenance": maintenance_id}


def window(title: str, active: bool) -> dict[str, Any]:
    """A manual maintenance window (under way while active), on no monitor: it is shown, it hides nothing."""
    return {
        "title": title,
        "description": "Short write pauses.",
        "strategy": "manual",
        "active": active,
        "intervalDay": 1,
        "timezoneOption": "UTC",
        "dateRange": [],
        "cron": "30 3 * * *",
        "durationMinutes": 60,
        "timeRange": [{"hours": 2, "minutes": 0}, {"hours": 3, "minutes": 0}],
        "weekdays": [],
        "daysOfMonth": [],
    }


def spare_monitor() -> dict[str, Any]:
    """A paused monitor on no page, added before the seeded ones only to move ams3's ids."""
    return kuma_live.http_monitor("Spare", "http://127.0.0.1:9/", 60, False)


def start(sites: list[Site]) -> dict[str, dict[str, Any]]:
    """moto (in fra1's stack, shared), then per site targets, Uptime Kuma, monitors, page and events."""
    fra1, ams3 = sites
    fra1.stack.start_s3()
    fra1.stack.seed_s3()
    for field in ("s3_port", "secret_key", "access_key"):
        setattr(ams3.stack.state, field, getattr(fra1.stack.state, field))
    say(f"moto on {fra1.stack.s3_url}")
    native = {}
    for site in sites:
        site.stack.start_targets()
        site.stack.start_kuma()
        if site.name == "ams3":  # a spare monitor first: ams3's monitor ids differ from fra1's
            with kuma_live.admin(site.stack) as call:
                call("add", spare_monitor())
        site.stack.seed_kuma()
        native[site.name] = {"monitors": dict(site.stack.state.monitor_ids)}
        native[site.name].update(post_events(site, skew=site.name == "ams3"))
        site.write_env()
        say(f"{site.name}: Uptime Kuma on {site.stack.kuma_url}, native ids {native[site.name]}")
    for site in sites:
        site.stack.wait_for_first_beats()
    return native


class Bucket:
    """The public files as anyone reads them (anonymous GET), and the private lease through the S3 API."""

    def __init__(self, stack: Stack) -> None:
        self.stack, self.base = stack, f"{stack.s3_url}/{STATUS_BUCKET}"

    def text(self, key: str) -> str:
        import requests

        answer = requests.get(f"{self.base}/{key}", timeout=5)
        answer.raise_for_status()
        return answer.text

    def json(self, key: str) -> dict[str, Any]:
        return json.loads(self.text(key))

    def writer(self) -> str | None:
        try:
            return self.json("status.json").get("site")
        except Exception:  # noqa: BLE001 - nothing published yet
            return None

    def holder(self) -> str | None:
        try:
            body = self.stack.s3().get_object(Bucket=STATUS_BUCKET, Key=".sites/lease.json")["Body"].read()
        except Exception:  # noqa: BLE001 - no lease yet
            return None
        return json.loads(body).get("site")

    def component(self, name: str) -> dict[str, Any]:
        return next(c for c in self.json("api/v2/components.json")["components"] if c["name"] == name)

    def snapshot(self) -> dict[str, Any]:
        """Every id readers see, the feed as feedparser reads it, and the split as published."""
        import feedparser

        summary = self.json("api/v2/summary.json")
        incidents = self.json("api/v2/incidents.json")["incidents"]
        windows = self.json("api/v2/scheduled-maintenances.json")["scheduled_maintenances"]
        feed = feedparser.parse(self.text("history.atom").encode())
        pages = self.stack.s3().list_objects_v2(Bucket=STATUS_BUCKET, Prefix="incidents/").get("Contents", [])
        split = self.component(SPLIT)
        return {
            "writer": self.writer(),
            "platform": self.json("status.json")["platform_status"],
            "incident ids": sorted({i["id"] for i in incidents if i["name"] == INCIDENT}),
            "window ids": sorted({m["id"] for m in windows if m["name"] == WINDOW}),
            "components": [c["id"] for c in summary["components"]],
            "shortlinks": sorted(i["shortlink"] for i in summary["incidents"] + summary["scheduled_maintenances"]),
            "calendar": sorted(re.findall(r"^(?:UID|DTSTART)[:;].*$", self.text("maintenance.ics"), flags=re.M)),
            "pages": sorted(o["Key"] for o in pages),
            "feed bozo": feed.bozo,
            "feed": [(e.id, e.title, e.get("summary", "")) for e in feed.entries],
            "split": (split["status"], split.get("description"), split.get("where")),
            "down at both": self.component(BOTH_DOWN)["status"],
            "page": self.text("index.html"),
        }


def rounds(sites: list[Site], bucket: Bucket, done: Callable[[], bool], most: int, what: str) -> list[str]:
    """Rounds of the given sites, one run after another, until done(); the lease holder after each run."""
    holders = []
    for _ in range(most):
        began = time.monotonic()
        for site in sites:
            site.run()
            holders.append(f"{site.name}:{site.codes[-1]}>{bucket.holder()}")
        # Cron's minute, scaled: a run takes under a second here, and the lease counts seconds.
        time.sleep(max(0.0, ROUND_SECONDS - (time.monotonic() - began)))
        if done():
            say(f"{what}: {len(holders)} runs: {' '.join(holders)}")
            return holders
    raise TimeoutError(f"{what}: not reached in {most} rounds: {' '.join(holders)}")


def scenario(sites: list[Site]) -> int:
    fra1, ams3 = sites
    native = start(sites)
    bucket = Bucket(fra1.stack)
    fra1.run()  # the primary takes the lease first, as a fresh pair would
    counted = "views: ams3, fra1 count"
    split_seen = lambda: bucket.component(SPLIT)["status"] == "partial_outage"  # noqa: E731
    up = lambda: bucket.component(SPLIT)["status"] == "operational"  # noqa: E731
    operational = lambda: bucket.json("status.json")["platform_status"] == "operational"  # noqa: E731
    rounds(sites, bucket, lambda: counted in fra1.log() and up() and operational(), 10, "fra1 writes both views")
    ams3.stack.set_target(SPLIT_TARGET, up=False)  # seen from ams3 only: its Uptime Kuma checks every 20 s
    rounds(sites, bucket, split_seen, 15, f"{SPLIT} down at ams3's target")
    snaps = {"A fra1 writes": bucket.snapshot()}
    started = time.monotonic()
    rounds([ams3], bucket, lambda: bucket.writer() == "ams3", 20, "handoff 1 (fra1 stops running)")
    say(f"handoff 1: ams3 published {time.monotonic() - started:.1f} s after fra1's last run")
    rounds(sites[::-1], bucket, lambda: counted in ams3.log() and split_seen(), 6, "fra1 back, ams3 merges")
    snaps["B ams3 writes"] = bucket.snapshot()
    rounds(sites, bucket, lambda: bucket.writer() == "fra1", 15, "handoff 2 (fra1 takes back)")
    rounds(sites, bucket, lambda: True, 1, "one more round")
    snaps["C fra1 again"] = bucket.snapshot()
    return report(native, snaps, sites)


def report(native: dict[str, Any], snaps: dict[str, dict[str, Any]], sites: list[Site]) -> int:
    failures = []

    def check(ok: bool, line: str) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {line}")
        if not ok:
            failures.append(line)

    print(f"native ids: {json.dumps(native, sort_keys=True)}")
    print("exit codes: " + "; ".join(f"{s.name} {s.codes}" for s in sites))
    first = snaps["A fra1 writes"]
    for label, snap in snaps.items():
        entries = snap["feed"]
        ids = [entry[0] for entry in entries]
        print(
            f"{label}: writer {snap['writer']}, platform {snap['platform']}, incident {snap['incident ids']},"
            f" window {snap['window ids']}, {len(entries)} feed entries, {len(snap['pages'])} incident pages,"
            f" calendar {snap['calendar']}"
        )
        check(len(snap["incident ids"]) == 1 and len(snap["window ids"]) == 1, f"{label}: one id each")
        for key in ("incident ids", "window ids", "components", "shortlinks", "calendar", "pages"):
            check(snap[key] == first[key], f"{label}: {key} as in A")
        check(snap["feed bozo"] == 0 and len(set(ids)) == len(ids), f"{label}: feed parses, entry ids unique")
        check(len({e[1:] for e in entries}) == len(entries), f"{label}: no (title, text) twice")
        told = [e for e in entries if f"{SPLIT}: down from ams3, up from fra1." in e[2]]
        check(len(told) == 1, f"{label}: the split told once in the feed: {[e[1] for e in told]}")
        added = [e[1] for e in entries if e[0] not in {f[0] for f in first["feed"]}]
        check(not added, f"{label}: no feed entry added since A {added}")
        check(
            snap["split"] == ("partial_outage", "Down from ams3, up from fra1", {"down": ["ams3"], "up": ["fra1"]}),
            f"{label}: components.json {SPLIT}: {snap['split']}",
        )
        check(
            "Down from ams3, up from fra1" in snap["page"]
            and re.search(rf"Partial outage: [^<]*\b{SPLIT}\b", snap["page"]) is not None,
            f"{label}: index.html names the split",
        )
        check(snap["platform"] == "degraded", f"{label}: status.json degraded")
        check(snap["down at both"] == "major_outage", f"{label}: {BOTH_DOWN}, down at both: {snap['down at both']}")
    print(f"feed in C: {[e[1:] for e in snaps['C fra1 again']['feed']]}")
    writers = [s["writer"] for s in snaps.values()]
    check(writers == ["fra1", "ams3", "fra1"], f"writers {writers}: two handoffs")
    print(f"{len(failures)} check(s) failed" if failures else "every check held")
    return 1 if failures else 0


def main() -> int:
    for name, _ in SITES:  # a run killed hard may have left its processes: only the pids it recorded
        if (WORKDIR / name / "stack.json").exists():
            Stack(WORKDIR / name).stop_all()
    shutil.rmtree(WORKDIR, ignore_errors=True)
    sites = [Site(name, role) for name, role in SITES]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return scenario(sites)
    except (TimeoutError, kuma_live.StackError, subprocess.SubprocessError) as error:
        say(f"failed: {error}; logs in {WORKDIR}")
        return 1
    finally:
        for site in reversed(sites):
            site.stack.stop_all()
        say("stopped everything this run started")


if __name__ == "__main__":
    sys.exit(main())
