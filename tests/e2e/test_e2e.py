"""End to end against the live local stack: a real Uptime Kuma, moto, the AWS CLI and the cron wrapper.

The tests run in file order against one stack; each leaves it as it found it, except the last,
which stops Uptime Kuma.
"""

from __future__ import annotations

import json
import secrets
import shutil
import stat
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import requests
from stack import BACKUP_BUCKET, STATUS_BUCKET, Stack, wait_for

from elytra_status.infra import timing
from support.commands import ROOT, cron_run
from support.servers import Recorder

DOWN, UP = 0, 1


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    live = Stack(tmp_path_factory.mktemp("stack"))
    try:
        live.start_all()
        yield live
    finally:
        live.stop_all()


@pytest.fixture(scope="module")
def heartbeat():
    recorder = Recorder()
    yield recorder
    recorder.httpd.shutdown()


@pytest.fixture
def run(stack: Stack, heartbeat: Recorder, tmp_path: Path):
    """Run the cron wrapper as cron would, with the stack's settings; return (result, public document)."""

    def go(**overrides: str):
        ids = stack.state.monitor_ids
        settings = {
            "MONITOR_IDS": f"{ids['API']},{ids['Web']},{ids['Worker']}",
            "HEARTBEAT_URL": f"{heartbeat.url}/api/push/e2eToken",
            **overrides,
        }
        result = cron_run("generate_and_upload.sh", stack.write_env(tmp_path / "e2e.env", **settings), tmp_path)
        return result, public_document(stack)

    return go


def public_document(stack: Stack) -> dict | None:
    try:
        response = requests.get(f"{stack.s3_url}/{STATUS_BUCKET}/status.json", timeout=5)
    except requests.ConnectionError:
        return None
    return response.json() if response.status_code == 200 else None


def wait_for_state(stack: Stack, name: str, state: int) -> None:
    wait_for(lambda: stack.metrics_states().get(name) == state, 120, f"{name} to reach state {state}", interval=1)


def badge_percent(stack: Stack, monitor_id: int, hours: int) -> Decimal:
    svg = requests.get(f"{stack.kuma_url}/api/badge/{monitor_id}/uptime/{hours}", timeout=5).text
    title = svg.split("<title>")[1].split("</title>")[0]
    return Decimal(title.rsplit(":", 1)[1].strip().rstrip("%"))


def uploads(stack: Stack) -> int:
    return stack.log_text("s3").count(f'"PUT /{STATUS_BUCKET}/status.json')


def test_all_up_is_operational_with_kumas_own_figures(stack, run, heartbeat):
    result, doc = run()

    assert result.returncode == 0, result.stdout + result.stderr
    assert doc["platform_status"] == "operational"
    ids = stack.state.monitor_ids
    for window, hours in (("last_7d", 168), ("last_30d", 720)):
        figures = [badge_percent(stack, ids[name], hours) for name in ("API", "Web", "Worker")]
        expected = float((sum(figures) / 3).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        assert doc["uptime"][window] == expected
    page = requests.get(f"{stack.kuma_url}/api/status-page/heartbeat/elytra", timeout=5).json()["uptimeList"]
    day = [Decimal(repr(page[f"{ids[n]}_24"])) * 100 for n in ("API", "Web", "Worker")]
    assert doc["uptime"]["last_24h"] == float((sum(day) / 3).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    assert heartbeat.hits[-1][1].startswith("/api/push/e2eToken?status=up&msg=OK&ping=")


def test_a_target_going_down_is_degraded_and_a_critical_one_is_outage(stack, run):
    stack.set_target(2, up=False)  # Worker
    try:
        wait_for_state(stack, "Worker", DOWN)
        _, doc = run()
        assert doc["platform_status"] == "degraded"

        stack.set_target(0, up=False)  # API, critical
        wait_for_state(stack, "API", DOWN)
        _, doc = run()
        assert doc["platform_status"] == "outage"
    finally:
        stack.set_target(0, up=True)
        stack.set_target(2, up=True)
    wait_for_state(stack, "API", UP)
    wait_for_state(stack, "Worker", UP)
    _, doc = run()
    assert doc["platform_status"] == "operational"


def test_two_wrapper_runs_started_together_one_publishes(stack, tmp_path):
    env_file = stack.write_env(tmp_path / "lock.env", STATE_FILE=str(tmp_path / "state.json"))  # must publish
    before = uploads(stack)
    argv = [
        "env",
        "-i",
        "PATH=/usr/bin:/bin",
        f"HOME={tmp_path}",
        "bash",
        str(ROOT / "scripts/generate_and_upload.sh"),
        "--env-file",
        str(env_file),
    ]
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    codes = sorted(p.wait(timeout=120) for p in runs)

    assert codes[1] == 75, codes
    assert codes[0] in (0, 3)
    assert uploads(stack) - before == 1


def test_backups_age_across_the_thresholds_as_the_newest_are_deleted(stack, run):
    if not stack.faketime_file().exists():
        pytest.fail("moto runs without libfaketime: install Debian's faketime (.ci/run does)")
    s3 = stack.s3()
    _, doc = run()
    assert doc["backups"]["last_backup_status"] == "success"

    s3.delete_object(Bucket=BACKUP_BUCKET, Key="db/nightly-1.sql.gz")  # 2 h old; 30 h old is next
    result, doc = run()
    # The listing is kept 5 minutes (README, Backups): a deleted newest backup is not seen yet.
    assert doc["backups"]["last_backup_status"] == "success" and "is kept" in result.stdout
    five_minutes_pass_for_the_backup_listing(stack)
    _, doc = run()
    assert doc["backups"]["last_backup_status"] == "warning"

    s3.delete_object(Bucket=BACKUP_BUCKET, Key="db/nightly-2.sql.gz")  # 60 h old is next
    five_minutes_pass_for_the_backup_listing(stack)
    _, doc = run()
    assert doc["backups"]["last_backup_status"] == "failed"

    stack.put_backup("db/nightly-1.sql.gz", 2, 2048)
    stack.put_backup("db/nightly-2.sql.gz", 30, 2048)
    five_minutes_pass_for_the_backup_listing(stack)


def five_minutes_pass_for_the_backup_listing(stack: Stack) -> None:
    """Date the kept listing back past LISTING_KEEP_SECONDS: the next run lists the bucket again."""
    state_file = stack.workdir / "state.json"
    state = json.loads(state_file.read_text())
    if state.get("backups"):
        state["backups"]["at"] = timing.iso_z(datetime.now(UTC) - timedelta(seconds=301))
        state_file.write_text(json.dumps(state))


def test_s3_down_fails_the_upload_loudly_and_recovers_with_no_step_on_our_side(stack, run):
    stack.stop("s3")
    result, _ = run()
    assert result.returncode == 4
    assert "cannot reach" in result.stdout and "upload failed" in result.stdout

    stack.start_s3()  # same port; moto lost its data, so the buckets come back
    stack.seed_s3()
    result, doc = run()
    assert result.returncode == 0, result.stdout
    assert doc["platform_status"] == "operational"


def test_a_restarted_uptime_kuma_is_never_green_in_its_first_seconds(stack, run):
    """Monitors come back one by one after a start: a run in that window must not call the platform up."""
    result, before = run(MONITOR_IDS="")  # every monitor; the state file now remembers them
    assert result.returncode == 0, result.stdout
    assert before["platform_status"] == "degraded"  # Legacy service is down by design

    stack.restart_kuma()  # returns as soon as Uptime Kuma listens
    result, doc = run(MONITOR_IDS="")

    assert doc["platform_status"] != "operational", result.stdout
    assert doc["uptime"]["last_24h"] != 100.0
    assert result.returncode in (0, 3)
    if "not checked since the restart" in result.stdout:  # the run fell inside the warm-up, as intended
        assert result.returncode == 3
    stack.wait_for_first_beats()
    result, doc = run(MONITOR_IDS="")
    assert (result.returncode, doc["platform_status"]) == (0, "degraded"), result.stdout


def statuspage_client() -> Path:
    """The npm statuspage.io client, installed once into .cache/ (pinned in tests/statuspage_client)."""
    folder = ROOT / ".cache" / "statuspage-client"
    if not (folder / "node_modules" / "statuspage.io" / "dist").exists():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "tests/statuspage_client/package.json", folder / "package.json")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder, check=True, timeout=300
        )
    shutil.copy(ROOT / "tests/statuspage_client/read.js", folder / "read.js")
    return folder / "read.js"


def test_an_incident_and_a_maintenance_reach_the_public_bundle_and_a_statuspage_client_reads_it(stack, run):
    from kuma_live import admin

    with admin(stack) as call:
        call(
            "postIncident",
            "elytra",
            {"title": "Object storage degraded", "content": "Uploads **fail** <b>now</b>", "style": "danger"},
        )
        maintenance = {
            "title": "Database upgrade",
            "description": "Short write pauses.",
            "strategy": "manual",
            "active": True,
            "intervalDay": 1,
            "timezoneOption": "UTC",
            "dateRange": [],
            "cron": "30 3 * * *",
            "durationMinutes": 60,
            "timeRange": [{"hours": 2, "minutes": 0}, {"hours": 3, "minutes": 0}],
            "weekdays": [],
            "daysOfMonth": [],
        }
        maintenance_id = call("addMaintenance", maintenance)["maintenanceID"]
        call("addMaintenanceStatusPage", maintenance_id, [{"id": 1}])  # also clears the page's 5-minute cache
    try:
        result, doc = run()
        base = f"{stack.s3_url}/{STATUS_BUCKET}"
        summary = requests.get(f"{base}/api/v2/summary.json", timeout=5).json()
        client = subprocess.run(
            ["node", str(statuspage_client()), base],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
        )
    finally:
        with admin(stack) as call:
            call("unpinIncident", "elytra")
            call("deleteMaintenance", maintenance_id)

    assert result.returncode == 0, result.stdout
    ids = stack.state.monitor_ids
    components = {c["name"]: c for c in summary["components"]}
    assert components["API"]["status"] == "operational" and components["API"]["id"] == f"m{ids['API']}"
    assert components["Legacy service"]["status"] == "major_outage"
    [incident] = summary["incidents"]
    assert incident["name"] == "Object storage degraded" and incident["impact"] == "major"
    assert incident["incident_updates"][0]["body"] == "Uploads **fail** <b>now</b>"
    [active] = summary["scheduled_maintenances"]
    assert (active["name"], active["status"]) == ("Database upgrade", "in_progress")

    assert client.returncode == 0, client.stderr
    read = json.loads(client.stdout)
    assert read["summary"] == summary
    assert read["status"]["status"]["indicator"] == "none"  # from platform_status: API, Web, Worker are up
    assert [c["name"] for c in read["components"]["components"]][:2] == ["Services", "API"]
    assert read["unresolved"]["incidents"][0]["id"] == incident["id"]
    assert read["incidents"]["incidents"][0]["id"] == incident["id"]
    assert read["summary"]["scheduled_maintenances"][0]["name"] == "Database upgrade"
    # statuspage.io 3.2.10 reads upcoming.json for all three maintenance calls (its own bug): none is upcoming.
    assert read["active"] == read["maintenances"] == read["upcoming"]
    assert read["upcoming"]["scheduled_maintenances"] == []


def readme_install_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Install on a VM\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_readme_install_path_as_a_system_user(stack, tmp_path):
    """The README's block, line for line, as root: a system user, a root-owned checkout, one published run."""
    user = f"elytra-t{secrets.token_hex(3)}"
    dest = Path(tempfile.mkdtemp(prefix="elytra-install-", dir="/tmp"))
    dest.rmdir()  # git clone makes it
    ids = stack.state.monitor_ids
    settings = stack.write_env(
        tmp_path / "install.env",
        OUTPUT_FILE="logs/status.json",
        LOG_FILE="",
        STATE_FILE="",
        BUNDLE_DIR="",
        MONITOR_IDS=f"{ids['API']},{ids['Web']},{ids['Worker']}",
    )
    (tmp_path / "elsewhere").mkdir()
    # The user's name first, so that a checkout path holding "elytra-status" is left as it is.
    script = readme_install_block().replace("/opt/elytra-status", "@DEST@").replace("elytra-status", user)
    script = script.replace("<this repo>", str(ROOT)).replace("@DEST@", str(dest))
    # sudoedit is the one interactive step: the stack's settings go in instead, owner and mode kept.
    script = "\n".join(
        f"cat {settings} > config/.env" if line.startswith("sudoedit ") else line for line in script.splitlines()
    )
    try:
        result = subprocess.run(
            ["bash", "-euxo", "pipefail", "-c", script],
            # An empty folder: a step that fails inside an && list (set -e spares it) then finds
            # nothing of this checkout to change.
            cwd=tmp_path / "elsewhere",
            capture_output=True,
            text=True,
            timeout=900,
            env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root"},
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "OK: " in result.stdout  # the public check
        assert (dest / ".venv").stat().st_uid == 0  # the job cannot change the code it runs
        owned = {p.name for p in (dest / "logs").iterdir() if p.stat().st_uid != 0}
        assert {"status.log", "state.json", "status.json"} <= owned
        assert stat.S_IMODE((dest / "config" / ".env").stat().st_mode) == 0o640
        crontab = subprocess.run(["crontab", "-l", "-u", user], capture_output=True, text=True).stdout
        assert f"{dest}/scripts/generate_and_upload.sh" in crontab
        doc = public_document(stack)
        assert doc is not None and doc["platform_status"] == "operational"
    finally:
        subprocess.run(["crontab", "-r", "-u", user], capture_output=True)
        subprocess.run(["userdel", "--remove", user], capture_output=True)
        shutil.rmtree(dest, ignore_errors=True)


def test_uptime_kuma_stopped_publishes_unknown_and_the_heartbeat_says_down(stack, run, heartbeat):
    _, before = run()
    assert before["platform_status"] == "operational"
    stack.stop("kuma")

    result, doc = run()

    assert result.returncode == 3
    assert doc["platform_status"] == "unknown"
    assert doc["uptime"] == {"last_24h": None, "last_7d": None, "last_30d": None}
    assert heartbeat.hits[-1][1].startswith("/api/push/e2eToken?status=down")
    assert json.dumps(doc).count("127.0.0.1") == 0
