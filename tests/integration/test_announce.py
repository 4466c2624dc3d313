"""Announcements: real Apprise, through the cron wrapper, to a JSON endpoint and an SMTP server on loopback."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from support.commands import ROOT, all_command_lines, cron_run, cron_start, run_script, write_env
from support.kuma_replay import Reply
from support.receivers import JsonReceiver, SmtpReceiver
from support.two_sites import LEASE_SECONDS, TwoSites, primary_writing

TOKEN = "hookToken5f1e2d3c4b"  # the secret part of the json:// target
RECORD = "public/.sites/announcements.json"


@pytest.fixture
def receivers():
    hook, mail = JsonReceiver(), SmtpReceiver()
    yield hook, mail
    hook.close()
    mail.close()


@pytest.fixture
def announcing(moto, job_env, kuma, status_bucket, receivers, tmp_path):
    hook, mail = receivers
    urls = (
        f"json://status:{TOKEN}@127.0.0.1:{hook.port}/hooks/{TOKEN}"
        f" mailto://127.0.0.1:{mail.port}?from=status@example.com&to=customers@example.com"
    )
    env = {
        **job_env,
        "UPTIME_KUMA_STATUS_PAGE": "elytra",
        "STATUS_PUBLIC_URL": f"{moto.url}/{status_bucket}/public/status.json",
        "NOTIFY_URLS": urls,
        "NOTIFY_HOLD_SECONDS": "4",
    }
    return write_env(tmp_path / "announce.env", env), env


def run(env_file: Path, tmp_path: Path) -> str:
    result = cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert result.returncode in (0, 3), result.stdout + result.stderr
    return result.stdout + result.stderr


def set_monitors_up(kuma, up: bool) -> None:
    """All monitors UP (operational), or the capture's two DOWN ones back (degraded)."""
    metrics = kuma.routes["/metrics"]
    body = metrics.body
    for monitor in (b"4", b"5"):
        pattern = rb'(monitor_status\{monitor_id="' + monitor + rb'"[^}]*\}) [01]'
        body = re.sub(pattern, rb"\1 " + (b"1" if up else b"0"), body)
    kuma.routes["/metrics"] = Reply(metrics.status, metrics.headers, body)


def edit_incident(kuma, text: str) -> None:
    path = "/api/status-page/elytra"
    page = json.loads(kuma.routes[path].body)
    for item in page.get("incidents") or ([page["incident"]] if page.get("incident") else []):
        item["content"] = text
    kuma.routes[path] = Reply(200, kuma.routes[path].headers, json.dumps(page).encode())


def run_until(env_file: Path, tmp_path: Path, done, runs: int = 5) -> None:
    """Runs until done(): a run sends what its few seconds allow, the rest goes on next run."""
    for _ in range(runs):
        run(env_file, tmp_path)
        if done():
            return


def titles(hook: JsonReceiver) -> list[str]:
    return [m["title"] for m in hook.received]


def test_incident_and_maintenance_each_step_once_to_every_target_with_its_link(
    announcing, kuma, receivers, s3, status_bucket, tmp_path
):
    env_file, env = announcing
    hook, mail = receivers
    log = run(env_file, tmp_path)  # the record starts: what the page shows now is not news
    assert hook.received == [] and "record started" in log

    kuma.serve_incidents("2.5.3-incident")  # the capture's page: 2 incidents, 3 maintenance windows under way
    run_until(env_file, tmp_path, lambda: len(mail.messages) >= 5)
    started = sorted(t.split(":")[0] for t in titles(hook))
    assert started == ["In progress"] * 3 + ["Investigating"] * 2 and len(mail.messages) == 5
    incident = next(m for m in hook.received if m["title"].startswith("Investigating"))
    name = incident["title"].split(": ", 1)[1]
    link = re.search(r"http://\S+/incidents/i\d+\.html", incident["message"]).group(0)

    edit_incident(kuma, "We found the cause and are rolling out a fix.")
    run_until(env_file, tmp_path, lambda: len(mail.messages) >= 7)
    assert [t.split(":")[0] for t in titles(hook)[5:]] == ["Update"] * 2
    assert "rolling out a fix" in hook.received[5]["message"]

    kuma.serve_version("2.5.3")
    run_until(env_file, tmp_path, lambda: len(mail.messages) >= 12)
    run(env_file, tmp_path)  # nothing more on a run that changes nothing
    assert sorted(t.split(":")[0] for t in titles(hook)[7:]) == ["Completed"] * 3 + ["Resolved"] * 2
    assert len(hook.received) == 12 and len(mail.messages) == 12
    about = [m for m in hook.received if m["title"].endswith(": " + name)]
    assert len(about) == 3 and all(link in m["message"] for m in about)

    # Secrets: in no log line, no public object, no message; the record names targets by a hash.
    logs = Path(env["LOG_FILE"]).read_text() + log
    public = b"".join(
        s3.get_object(Bucket=status_bucket, Key=o["Key"])["Body"].read()
        for o in s3.list_objects_v2(Bucket=status_bucket)["Contents"]
    )
    assert TOKEN not in logs and TOKEN.encode() not in public
    assert not any(TOKEN in m["message"] + m["title"] for m in hook.received)
    assert not any(TOKEN in subject + text for subject, text in mail.messages)


def test_a_held_change_once_a_blip_never_a_receiver_down_gets_it_late_and_a_lost_state_repeats_nothing(
    announcing, kuma, receivers, s3, status_bucket, tmp_path
):
    env_file, env = announcing
    hook, mail = receivers
    run(env_file, tmp_path)  # degraded: two monitors DOWN in the capture; the record starts

    set_monitors_up(kuma, True)  # a change that lasts one run
    run(env_file, tmp_path)
    set_monitors_up(kuma, False)
    run(env_file, tmp_path)
    run(env_file, tmp_path)
    assert hook.received == [] and mail.messages == []

    hook.down = True
    set_monitors_up(kuma, True)
    for _ in range(10):  # each run takes a second or more: NOTIFY_HOLD_SECONDS passes within a few
        log = run(env_file, tmp_path)
        held = json.loads(s3.get_object(Bucket=status_bucket, Key=RECORD)["Body"].read())
        if held["pending"]:
            break
    assert held["pending"] and "announcements pending: 1" in log  # the heartbeat's words
    assert len(mail.messages) == 1  # the other target is not held back by the one that is down
    run(env_file, tmp_path)
    run(env_file, tmp_path)  # three runs down, backing off
    logged = Path(env["LOG_FILE"]).read_text()  # Apprise's own warning included, its URL's token masked
    assert "JSON (NOTIFY_URLS item 1) failed" in logged and "error=503" in logged and TOKEN not in logged
    hook.down = False
    for _ in range(6):
        run(env_file, tmp_path)
        if hook.received:
            break
    assert len(hook.received) == 1
    message = hook.received[0]
    assert message["title"] == "All systems operational"
    assert re.search(r"since \w+ \d+, \d{4}, \d\d:\d\d UTC", message["message"])
    assert env["STATUS_PUBLIC_URL"].rsplit("/", 1)[0] + "/" in message["message"]
    since = re.search(r"since [^)]+\)", message["message"]).group(0)
    assert since in mail.messages[0][1]  # late, it says the event's own time: the one the mail said

    Path(env["STATE_FILE"]).unlink()  # a new VM: the record in the bucket still knows what was sent
    run(env_file, tmp_path)
    run(env_file, tmp_path)
    assert len(hook.received) == 1 and len(mail.messages) == 1

    set_monitors_up(kuma, False)  # and back: one more, naming what is affected
    for _ in range(10):
        run(env_file, tmp_path)
        if len(hook.received) > 1:
            break
    assert len(hook.received) == 2 and len(mail.messages) == 2
    assert hook.received[1]["title"].startswith(("Degraded performance: ", "Partial outage: "))


def test_no_secret_in_argv_and_the_test_command_masks_them(announcing, receivers, tmp_path):
    env_file, _ = announcing
    hook, mail = receivers
    wrapper = cron_start(env_file, tmp_path, tmp_path / "lock")
    seen = []
    while wrapper.poll() is None:  # every process of the run, as ps sees them, until it ends
        seen.append(all_command_lines())
    assert seen and not any(TOKEN in lines for lines in seen)

    result = run_script(ROOT / "scripts/cli/announce.py", "--test", "--env-file", str(env_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "JSON" in result.stdout and "E-Mail" in result.stdout and TOKEN not in result.stdout + result.stderr
    assert len(hook.received) == 1 and len(mail.messages) == 1
    hook.down = True
    result = run_script(ROOT / "scripts/cli/announce.py", "--test", "--json", "--env-file", str(env_file))
    rows = json.loads(result.stdout)["targets"]
    assert result.returncode == 1 and [r["ok"] for r in rows] == [False, True]
    assert "503" in rows[0]["result"] and TOKEN not in result.stdout + result.stderr


def test_a_handoff_between_two_sites_in_the_middle_of_an_incident_repeats_nothing_and_loses_nothing(
    moto, receivers, tmp_path
):
    hook, _ = receivers
    sites = TwoSites(moto.url, tmp_path)
    try:
        url = f"json://status:{TOKEN}@127.0.0.1:{hook.port}/hooks/{TOKEN}"
        public_url = f"{moto.url}/{sites.bucket}/public/status.json"
        for site in sites.sites:
            site.write_settings(NOTIFY_URLS=url, NOTIFY_HOLD_SECONDS="4", STATUS_PUBLIC_URL=public_url)
        primary_writing(sites)  # the record starts: what the page shows now is not news
        for number, site in enumerate(sites.sites):
            site.kuma.serve_incidents("2.5.3-incident")
            if number:
                site.kuma.shift_ids(100)  # the other Uptime Kuma numbers the same incidents apart
        for _ in range(6):
            sites.round()
            if len(hook.received) >= 5:
                break
        assert sorted(t.split(":")[0] for t in titles(hook)) == ["In progress"] * 3 + ["Investigating"] * 2
        # The primary goes away mid-incident; the incident is updated meanwhile; the standby takes over.
        gone = time.time()
        for site in sites.sites:
            edit_incident(site.kuma, "We found the cause and are rolling out a fix.")
        while not sites.standby.proxy.writes(gone):
            assert time.time() - gone < LEASE_SECONDS + 30, sites.standby.log_text()[-2000:]
            sites.standby.run()
            time.sleep(1)
        for _ in range(4):
            if len(hook.received) >= 7:
                break
            sites.standby.run()
        sites.standby.run()  # and a run that changes nothing sends nothing
        after = [t.split(":")[0] for t in titles(hook)[5:]]
        assert after == ["Update"] * 2, titles(hook)
    finally:
        sites.close()


def test_dry_run_says_what_the_next_run_would_announce_and_sends_nothing(announcing, kuma, receivers, tmp_path):
    env_file, env = announcing
    hook, mail = receivers
    run(env_file, tmp_path)  # degraded; the record starts
    set_monitors_up(kuma, True)
    run(env_file, tmp_path)  # operational is published, and held for NOTIFY_HOLD_SECONDS
    time.sleep(int(env["NOTIFY_HOLD_SECONDS"]) + 1)  # the hold is the rule under test, not a wait for readiness
    result = run_script(ROOT / "scripts/cli/announce.py", "--dry-run", "--json", "--env-file", str(env_file))
    assert result.returncode == 0, result.stdout + result.stderr
    coming = json.loads(result.stdout)["announcements"]
    assert [c["title"] for c in coming] == ["All systems operational"], coming
    assert hook.received == [] and mail.messages == [] and TOKEN not in result.stdout + result.stderr
    run(env_file, tmp_path)
    assert [m["title"] for m in hook.received] == ["All systems operational"]
