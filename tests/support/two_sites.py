"""Two sites on one machine: two stand-in Uptime Kumas, two generators with their own settings, state and
lock, and one store for the status bucket (moto, or SeaweedFS with the backups left on moto), each site
reaching it through a proxy of its own that logs its requests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from support.commands import ROOT, write_env
from support.kuma_replay import API_KEY, ReplayServer
from support.s3_proxy import S3Proxy
from support.servers import ACCESS_KEY, SECRET_KEY, SeaweedFS, new_bucket, s3_client

# Short enough for tests: runs every few seconds, a lease of 12 s (2x the deadline, over the upload's 5 s + 2).
LEASE_SECONDS = 12
STATUS_KEY = "public/status.json"


@dataclass
class Site:
    name: str
    role: str
    folder: Path
    kuma: ReplayServer
    proxy: S3Proxy
    env_file: Path = field(init=False)
    settings: dict[str, str] = field(default_factory=dict)
    wrap: list[str] = field(default_factory=list)  # a command the run goes through, e.g. faketime
    env: dict[str, str] = field(default_factory=dict)  # more of the run's environment, e.g. ELYTRA_FAULT

    def write_settings(self, **changes: str) -> None:
        self.settings.update(changes)
        self.env_file = write_env(self.folder / "site.env", self.settings)

    def start(self) -> subprocess.Popen:
        """One cron run, as cron starts it, in a process group of its own (so a test can freeze it whole)."""
        home = self.folder / "home"
        home.mkdir(exist_ok=True)
        command = ["bash", str(ROOT / "scripts" / "generate_and_upload.sh"), "--env-file", str(self.env_file)]
        extra = [f"{k}={v}" for k, v in self.env.items()]
        return subprocess.Popen(
            ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", *extra, *self.wrap, *command],
            cwd=self.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def run(self, timeout: float = 60) -> subprocess.CompletedProcess:
        proc = self.start()
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def log_text(self) -> str:
        path = self.folder / "status.log"
        return path.read_text() if path.exists() else ""

    def freeze(self, proc: subprocess.Popen) -> None:
        """SIGSTOP every process of the run, as a frozen VM stops them all."""
        for pid in session_members(proc.pid):
            os.kill(pid, signal.SIGSTOP)

    @staticmethod
    def freeze_pid(pid: int) -> None:
        os.kill(pid, signal.SIGSTOP)

    @staticmethod
    def thaw_pid(pid: int) -> None:
        os.kill(pid, signal.SIGCONT)

    def thaw(self, proc: subprocess.Popen) -> None:
        for pid in session_members(proc.pid):
            os.kill(pid, signal.SIGCONT)


def session_members(sid: int) -> list[int]:
    """The processes of a session: the wrapper's `timeout` puts the run in a process group of its own."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid:
                found.append(int(entry.name))
    return found


# The sites a test may start: the first is the primary.
NAMES = (("fra1", "primary"), ("ams3", "standby"), ("waw1", "standby"))


class TwoSites:
    """A primary and a standby (or `count` sites) in front of one store; sites[0] is the primary.

    store None: everything on moto (SPACES_ENDPOINT), whose writes of one key the proxies put one after
    another. A SeaweedFS: the status bucket there (STATUS_ENDPOINT and its own keys), the backups on moto;
    SeaweedFS orders a key's conditional writes itself, so nothing is serialized in front of it.
    incidents: every Uptime Kuma serves the capture with incidents and maintenance under way.
    """

    def __init__(
        self,
        moto_url: str,
        root: Path,
        one_at_a_time: bool = True,
        store: SeaweedFS | None = None,
        count: int = 2,
        incidents: bool = False,
    ) -> None:
        self.moto_url, self.store = moto_url, store
        self.store_url = store.url if store else moto_url
        self.s3 = s3_client(store.url, store.access, store.secret) if store else s3_client(moto_url)
        self.bucket = new_bucket(self.s3, "status")
        backups = s3_client(moto_url)
        self.backups = new_bucket(backups, "backups")
        backups.put_object(Bucket=self.backups, Key="db/nightly.sql.gz", Body=b"data")
        lock = threading.Lock() if one_at_a_time and not store else None
        self.sites: list[Site] = []
        self.codes: dict[str, int] = {}  # each site's exit code in the last round
        for number, (name, role) in enumerate(NAMES[:count]):
            kuma = ReplayServer()
            if incidents:
                kuma.serve_incidents("2.5.3-incident")
            else:
                kuma.serve_version("2.5.3")
            if number:
                kuma.shift_ids(100 * number)  # another site's Uptime Kuma numbers the same monitors apart
            folder = root / name
            folder.mkdir(parents=True)
            site = Site(name, role, folder, kuma, S3Proxy(self.store_url, one_at_a_time=lock))
            site.write_settings(**self.settings_of(site))
            self.sites.append(site)

    def settings_of(self, site: Site) -> dict[str, str]:
        store = self.store
        own = {}
        if store:  # the status bucket on its own store, through this site's proxy
            own = {
                "STATUS_ENDPOINT": site.proxy.url,
                "STATUS_ACCESS_KEY": store.access,
                "STATUS_SECRET_KEY": store.secret,
            }
        return {
            "UPTIME_KUMA_URL": site.kuma.url,
            "UPTIME_KUMA_API_KEY": API_KEY,
            "UPTIME_KUMA_STATUS_PAGE": "elytra",
            "SPACES_ENDPOINT": self.moto_url if store else site.proxy.url,
            "SPACES_ACCESS_KEY": ACCESS_KEY,
            "SPACES_SECRET_KEY": SECRET_KEY,
            **own,
            "STATUS_BUCKET": self.bucket,
            "STATUS_BUCKET_KEY": STATUS_KEY,
            "BACKUP_BUCKET": self.backups,
            "OUTPUT_FILE": str(site.folder / "status.json"),
            "LOG_FILE": str(site.folder / "status.log"),
            "BUNDLE_DIR": str(site.folder / "public"),
            "STATE_FILE": str(site.folder / "state.json"),
            "HTTP_TIMEOUT_SECONDS": "2",
            "RUN_DEADLINE_SECONDS": "5",
            "UPLOAD_TIMEOUT_SECONDS": "5",
            "SITE_NAME": site.name,
            "SITE_ROLE": site.role,
            "SITE_LEASE_SECONDS": str(LEASE_SECONDS),
            # No hold unless a test sets one: the handoff tests count runs, not minutes.
            "SITE_HOLD_SECONDS": "0",
        }

    @property
    def primary(self) -> Site:
        return self.sites[0]

    @property
    def standby(self) -> Site:
        return self.sites[1]

    def round(self, sites: list[Site] | None = None) -> dict[str, int]:
        """Both sites (or those given) run at the same moment; each one's public writes in this round."""
        sites = self.sites if sites is None else sites
        since = time.time()
        procs = [(site, site.start()) for site in sites]
        for _, proc in procs:
            proc.communicate(timeout=60)
        self.codes = {site.name: proc.returncode for site, proc in procs}
        return {site.name: len(site.proxy.writes(since)) for site, _ in procs}

    def public(self, key: str = STATUS_KEY) -> dict:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def lease(self) -> dict:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key="public/.sites/lease.json")["Body"].read())

    def close(self) -> None:
        for site in self.sites:
            site.proxy.close()
            site.kuma.close()


def primary_writing(sites: TwoSites) -> None:
    """The primary takes the lease first (the standby leaves a missing lease to a healthy primary)."""
    assert sites.primary.run().returncode == 0, sites.primary.log_text()[-2000:]
    assert sites.lease()["site"] == "fra1"
    assert sites.round() == {"fra1": 0, "ams3": 0} or sites.lease()["site"] == "fra1"


def writers(rounds: list[dict[str, int]]) -> list[str]:
    """Who wrote in each round that had a writer, in order."""
    return [next(name for name, count in r.items() if count) for r in rounds if any(r.values())]


def handoffs(sequence: list[str]) -> int:
    return sum(1 for a, b in zip(sequence, sequence[1:], strict=False) if a != b)


def rounds_of(sites: TwoSites, n: int) -> list[dict[str, int]]:
    """n rounds of both sites at once; never two writers in one."""
    rounds = [sites.round() for _ in range(n)]
    assert all(not (r["fra1"] and r["ams3"]) for r in rounds), rounds
    return rounds
