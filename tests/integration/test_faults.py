"""Truth under faults: the published file never claims more than the run could see.

Each test is one finding of the fault review, over the wire: replayed Uptime Kuma answers
(restarts, cut bodies, shared names), moto for the buckets, libfaketime for a skewed clock.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from elytra_status.kuma import read as k
from elytra_status.run import state as run_state
from support.commands import ROOT, run_script, write_env
from support.kuma_replay import Reply, capture

STATUS = ROOT / "scripts" / "cli" / "status.py"


def doc(env: dict[str, str]) -> dict:
    return json.loads(Path(env["OUTPUT_FILE"]).read_text())


def restart_metrics(second: int, started_ago: float) -> Reply:
    """The 2.5.3 restart capture `second` s after the first answer, as if the process started `started_ago` s ago."""
    reply = capture("2.5.3-restart", f"metrics_t+{second:02d}.txt")
    start = int(time.time() - started_ago)
    fresh = f"\nprocess_start_time_seconds {start}\n".encode()
    body = re.sub(rb"\nprocess_start_time_seconds \d+\n", fresh, reply.body)
    return Reply(reply.status, reply.headers, body)


def without_monitor(reply: Reply, monitor_id: int) -> Reply:
    lines = [line for line in reply.body.split(b"\n") if f'monitor_id="{monitor_id}"'.encode() not in line]
    return Reply(reply.status, reply.headers, b"\n".join(lines))


def page_without(version: str, monitor_id: int) -> Reply:
    reply = capture(version, "status-page_elytra.txt")
    page = json.loads(reply.body)
    for group in page["publicGroupList"]:
        group["monitorList"] = [m for m in group["monitorList"] if m["id"] != monitor_id]
    return Reply(reply.status, reply.headers, json.dumps(page).encode())


def test_after_a_restart_a_monitor_not_checked_yet_is_unknown_never_up(base_env, kuma):
    kuma.routes["/metrics"] = restart_metrics(15, started_ago=3600)  # an old process: every monitor known
    first = run_script("status.py", env=base_env)
    assert first.returncode == 0, first.stderr
    assert doc(base_env)["platform_status"] == "degraded"  # 4 and 5 are down in the capture

    kuma.routes["/metrics"] = restart_metrics(1, started_ago=2)  # restarted: only 1 and 2 checked so far
    young = run_script("status.py", env=base_env)

    assert young.returncode == 3
    assert doc(base_env)["platform_status"] == "degraded"
    assert doc(base_env)["uptime"] == {"last_24h": None, "last_7d": None, "last_30d": None}
    assert "monitors 3,4,5,8,9,10,11,12 missing from /metrics: not checked since the restart" in young.stderr
    assert "counted as unknown, never UP" in young.stderr

    critical = run_script("status.py", env={**base_env, "CRITICAL_MONITOR_IDS": "4"})
    assert (critical.returncode, doc(base_env)["platform_status"]) == (3, "unknown")

    kuma.routes["/metrics"] = restart_metrics(15, started_ago=9)  # every monitor checked again
    later = run_script("status.py", env=base_env)
    assert (later.returncode, doc(base_env)["platform_status"]) == (0, "degraded")


def test_no_current_data_after_a_restart_is_one_rule_in_every_file(base_env, kuma):
    kuma.serve_incidents("2.5.3-incident")  # the page of the server the restart capture is of
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    kuma.routes["/metrics"] = restart_metrics(15, started_ago=3600)
    run_script("status.py", env=env)
    kuma.routes["/metrics"] = restart_metrics(1, started_ago=2)  # 3 "Keyword OK", up before, not checked yet
    assert run_script("status.py", env=env).returncode == 3
    public = Path(env["BUNDLE_DIR"])

    def read(key: str) -> dict:
        return json.loads((public / key).read_text())

    assert doc(env)["platform_status"] == "degraded"  # never up
    [three] = [c for c in read("api/v2/components.json")["components"] if c["id"] == "m3"]
    assert three["status"] == "degraded_performance"  # Statuspage has no unknown: the mildest that is not up
    assert three["description"] == "Status unknown: no current data for this service"
    assert '<span>Keyword OK</span><span class="state s-u">Status unknown</span>' in (public / "index.html").read_text()
    unknown = [part for part in read("badge.json")["message"].split(" · ") if "Keyword OK" in part]
    assert unknown and all(part.startswith("Status unknown: ") for part in unknown)
    [today] = read("history.json")["days"]
    # Each minute counts once: two runs in one minute count it for the first; a second minute is the unknown's.
    counts = today["minutes"]["m3"]
    assert today["worst"]["m3"] == "unknown" and counts in ({"operational": 1}, {"operational": 1, "unknown": 1})
    assert read("api/status-page/heartbeat/elytra")["heartbeatList"]["3"] == []  # no beat invented


def test_a_restart_with_every_remembered_monitor_up_is_still_not_operational(base_env, kuma):
    healthy = restart_metrics(15, 3600)
    for down_or_pending in (4, 5, 11):
        healthy = without_monitor(healthy, down_or_pending)
    kuma.routes["/metrics"] = healthy
    run_script("status.py", env=base_env)
    assert doc(base_env)["platform_status"] == "operational"

    kuma.routes["/metrics"] = restart_metrics(1, started_ago=2)
    result = run_script("status.py", env=base_env)
    assert result.returncode == 3
    assert doc(base_env)["platform_status"] == "degraded"
    assert doc(base_env)["uptime"]["last_24h"] is None  # never the 100.0 of the two monitors checked so far


def test_after_a_restart_a_paused_monitor_on_the_page_is_not_waited_for(base_env, kuma):
    """6 is paused and on the page: no earlier run saw it, so the restart cannot be why it is missing."""
    kuma.routes["/api/status-page/elytra"] = capture("2.5.3-incident", "status-page_elytra.txt")
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    kuma.routes["/metrics"] = restart_metrics(15, started_ago=3600)
    run_script("status.py", env=env)
    kuma.routes["/metrics"] = restart_metrics(15, started_ago=9)

    result = run_script("status.py", env=env)

    assert (result.returncode, doc(env)["platform_status"]) == (0, "degraded")
    assert "monitors 6 missing from /metrics: paused or deleted; left out" in result.stderr


@pytest.mark.parametrize(
    ("monitor_ids", "status", "code"),
    [("", "unknown", 3), ("1,2", "operational", 0), ("1,2,3", "unknown", 3)],
)
def test_a_first_run_against_a_young_server_is_unknown_unless_monitor_ids_are_all_there(
    base_env, kuma, monitor_ids, status, code
):
    kuma.routes["/metrics"] = restart_metrics(1, started_ago=2)
    result = run_script("status.py", env={**base_env, "MONITOR_IDS": monitor_ids})
    assert (result.returncode, doc(base_env)["platform_status"]) == (code, status)
    if code == 3:
        assert "no earlier run is on record" in result.stderr or "not checked since the restart" in result.stderr


def test_after_the_warm_up_a_remembered_monitor_that_is_gone_is_treated_as_paused_and_forgotten(base_env, kuma):
    kuma.routes["/metrics"] = restart_metrics(15, started_ago=3600)
    run_script("status.py", env=base_env)
    kuma.routes["/metrics"] = without_monitor(restart_metrics(15, started_ago=3600), 3)

    result = run_script("status.py", env=base_env)

    assert result.returncode == 0
    assert "WARNING status: monitors 3 missing from /metrics: paused or deleted; left out" in result.stderr
    assert 3 not in run_state.load(Path(base_env["STATE_FILE"])).kuma.seen
    again = run_script("status.py", env=base_env)
    assert "monitors 3 missing" not in again.stderr


@pytest.mark.parametrize(
    ("monitor_ids", "critical", "status"),
    [("1,2,3,6", "6", "unknown"), ("1,2,999", "", "degraded"), ("1,2,3", "6", None)],
)
def test_a_selected_or_critical_monitor_absent_from_metrics_is_never_counted_up(
    base_env, kuma, monitor_ids, critical, status
):
    kuma.serve_version("2.5.3")  # 6 is paused: absent from /metrics
    result = run_script("status.py", env={**base_env, "MONITOR_IDS": monitor_ids, "CRITICAL_MONITOR_IDS": critical})
    if status is None:  # a critical id outside MONITOR_IDS is a config error
        assert result.returncode == 2
        return
    assert result.returncode == 3
    assert doc(base_env)["platform_status"] == status
    missing = monitor_ids.rsplit(",", 1)[1]
    assert f"monitors {missing} missing from /metrics: paused or deleted; counted as unknown" in result.stderr


def test_a_critical_monitor_missing_with_monitor_ids_empty_is_unknown(base_env, kuma):
    kuma.serve_version("2.5.3")
    result = run_script("status.py", env={**base_env, "CRITICAL_MONITOR_IDS": "6"})
    assert (result.returncode, doc(base_env)["platform_status"]) == (3, "unknown")


def _cut(body: bytes, where: str) -> bytes:
    lines = body.split(b"\n")
    first_status = next(i for i, line in enumerate(lines) if line.startswith(b"monitor_status{"))
    return {
        "after the first monitor line": b"\n".join(lines[: first_status + 1]) + b"\n",
        "before app_version": body[: body.index(b"\n# HELP app_version") + 1],
        "before the last line": body[: body.rstrip(b"\n").rindex(b"\n") + 1],
        "inside the last line": body.rstrip(b"\n")[:-1],
    }[where]


@pytest.mark.parametrize(
    "where", ["after the first monitor line", "before app_version", "before the last line", "inside the last line"]
)
def test_a_metrics_body_cut_anywhere_is_refused_and_published_unknown(base_env, kuma, where):
    good = capture("2.5.3", "metrics_apikey.txt")
    kuma.routes["/metrics"] = Reply(200, good.headers, _cut(good.body, where))
    result = run_script("status.py", env=base_env)
    assert result.returncode == 3
    assert doc(base_env)["platform_status"] == "unknown"
    assert "cut off" in result.stderr


def test_1_23_shared_names_keep_their_figures_by_id_in_the_means(base_env, kuma):
    kuma.serve_version("2.0.0-dev.0")
    body = capture("2.0.0-dev.0", "metrics_apikey.txt").body.replace(b'"TCP kuma port"', b'"HTTP kuma self"')
    kuma.routes["/metrics"] = Reply(200, [("Content-Type", "text/plain; version=0.0.4")], body)
    page = capture("2.0.0-dev.0", "status-page_elytra.txt")
    renamed = page.body.replace(b"TCP kuma port", b"HTTP kuma self")
    kuma.routes["/api/status-page/elytra"] = Reply(200, page.headers, renamed)
    result = run_script("status.py", env={**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"})

    # uptimeList: 1, 2, 3 are 1; 4 and 5 are 0 -> 60.00 (without 1 and 2: 33.33)
    assert doc(base_env)["uptime"]["last_24h"] == 60.0
    assert doc(base_env)["platform_status"] == "degraded"
    assert "uptime 24h sources: status-page:24h=5; coverage 5 of 5" in result.stderr


def test_the_published_status_file_never_counts_as_a_backup(base_env, s3, bucket):
    s3.put_object(Bucket=bucket, Key="status.json", Body=b'{"fresh": true}')
    env = {**base_env, "STATUS_BUCKET": bucket, "BACKUP_BUCKET": bucket, "BACKUP_PREFIX": ""}
    result = run_script("status.py", env=env)

    assert doc(env)["backups"] == {"last_backup_status": "failed", "last_backup_time": None}
    assert f"STATUS_BUCKET and BACKUP_BUCKET are both {bucket!r}" in result.stderr


def faketime(offset: str) -> list[str]:
    if not shutil.which("faketime"):
        pytest.fail("Debian's faketime is missing: scripts/test.sh installs it as root (apt-get install faketime)")
    return ["faketime", "-f", offset]


@pytest.mark.parametrize("offset", ["+300s", "-120s"])
def test_a_skewed_clock_publishes_nothing_and_names_the_offset(base_env, kuma, offset, tmp_path):
    kuma.serve_version("2.5.3")
    Path(base_env["OUTPUT_FILE"]).write_text("previous\n")
    env_file = write_env(tmp_path / "skew.env", base_env)
    result = subprocess.run(
        [*faketime(offset), sys.executable, str(STATUS), "--env-file", str(env_file)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stderr
    assert Path(base_env["OUTPUT_FILE"]).read_text() == "previous\n"
    side = "ahead of" if offset.startswith("+") else "behind"
    seconds = int(offset.strip("+-s"))
    match = re.search(rf"clock skew: this machine's clock is (\d+)s {side} the Date header of", result.stderr)
    assert match and abs(int(match.group(1)) - seconds) <= 2, result.stderr


def test_a_skewed_clock_in_the_cron_job_uploads_nothing_and_the_heartbeat_says_down(
    base_env, kuma, recorder, s3, tmp_path
):
    kuma.serve_version("2.5.3")
    bucket = "skew-" + str(int(time.time()))
    s3.create_bucket(Bucket=bucket)
    env = {**base_env, "STATUS_BUCKET": bucket, "HEARTBEAT_URL": f"{recorder.url}/api/push/tok"}
    env_file = write_env(tmp_path / "skew.env", env)
    job = ROOT / "scripts" / "cli" / "job.py"
    result = subprocess.run(
        [*faketime("+600s"), sys.executable, str(job), "--env-file", str(env_file)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "clock skew" in result.stdout
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert recorder.hits[-1][1].startswith("/api/push/tok?status=down")


def test_a_window_that_leaves_out_a_monitor_says_which_and_why(base_env, kuma):
    kuma.serve_version("2.5.3-history")
    kuma.routes["/api/status-page/elytra"] = page_without("2.5.3-history", 3)
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra", "MONITOR_IDS": "1,2,3"}
    result = run_script("status.py", env=env)
    table = run_script("uptime_kuma_client.py", env=env)

    assert result.returncode == 0
    assert "WARNING status: uptime 7d leaves out monitors 3 (3: not on status page 'elytra')" in result.stderr
    assert "coverage  24h: 3 of 3, 7d: 2 of 3, 30d: 3 of 3" in table.stdout


def test_the_client_alone_shows_where_its_expected_set_came_from(base_env, kuma):
    kuma.serve_version("2.5.3")
    result = run_script("uptime_kuma_client.py", "--json", env={**base_env, "MONITOR_IDS": "1,6"})
    data = json.loads(result.stdout)
    assert result.returncode == 3
    assert data["expected_from"] == "MONITOR_IDS"
    assert data["missing"] == {"6": "paused or deleted"}
    assert [m["state"] for m in data["monitors"]] == ["UP", "UNKNOWN"]
    assert k.STATE_NAMES[k.UNKNOWN] == "UNKNOWN"
