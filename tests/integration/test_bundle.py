"""The public bundle from replayed Uptime Kuma pages: components, incidents, maintenance, nothing leaked."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from elytra_status.infra import schemas as bundle_schema
from support.commands import cron_run, run_script, write_env
from support.documents import homepage_reads
from support.kuma_replay import FIXTURES, Reply, capture


def read_bundle(env: dict[str, str]) -> dict[str, dict]:
    folder = Path(env["BUNDLE_DIR"])
    return {key: json.loads((folder / key).read_text()) for key in bundle_schema.file_keys()}


@pytest.fixture
def page_env(base_env) -> dict[str, str]:
    return {
        **base_env,
        "UPTIME_KUMA_STATUS_PAGE": "elytra",
        "STATUS_PUBLIC_URL": "https://status.elytra.cloud/status.json",
    }


def test_the_2_5_page_becomes_components_incidents_and_maintenance(page_env, kuma):
    kuma.serve_incidents("2.5.3-incident")
    result = run_script("status.py", env=page_env)
    files = read_bundle(page_env)
    summary = files["api/v2/summary.json"]

    assert result.returncode in (0, 3), result.stderr
    for key, content in files.items():
        bundle_schema.check(key, content)
    assert summary["page"]["name"] == "Elytra" and summary["page"]["url"] == "https://status.elytra.cloud/"
    by_id = {c["id"]: c for c in summary["components"]}
    assert by_id["g1"]["group"] is True and by_id["g1"]["name"] == "Services"
    assert by_id["g1"]["components"][:3] == ["m1", "m2", "m3"]
    assert (by_id["m1"]["name"], by_id["m1"]["status"], by_id["m1"]["group_id"]) == ("API", "operational", "g1")
    assert by_id["m4"]["status"] == "major_outage"  # DOWN
    assert by_id["m11"]["status"] == "degraded_performance"  # PENDING
    assert by_id["m12"]["status"] == "under_maintenance"
    # Paused, not reported: left out as status.json leaves it out, never shown operational (one state, one word)
    assert "m6" not in by_id and "m6" not in by_id["g1"]["components"]
    assert by_id["g1"]["status"] == "major_outage"  # the worst child
    assert [i["id"] for i in summary["incidents"]] == ["i13", "i12"]
    assert (summary["incidents"][0]["impact"], summary["incidents"][1]["impact"]) == ("major", "minor")
    assert summary["incidents"][0]["incident_updates"][0]["body"].startswith("Uploads to the **object storage**")
    assert summary["incidents"][0]["created_at"] == "2026-11-28T06:29:52.000Z"
    assert summary["incidents"][0]["updated_at"] == "2026-11-28T06:29:55.000Z"
    maintenance = {m["name"]: m for m in summary["scheduled_maintenances"]}
    assert set(maintenance) == {"Planned", "Network switch replacement", "Nightly batch window"}
    day = (datetime(2026, 11, 28) + timedelta(days=kuma.maintenance_days)).strftime("%Y-%m-%d")  # moved, still on
    assert maintenance["Network switch replacement"]["scheduled_for"] == f"{day}T05:29:00.000Z"  # 06:29 Berlin
    assert maintenance["Nightly batch window"]["scheduled_until"] == f"{day}T08:00:00.000Z"
    assert all(m["status"] == "in_progress" for m in maintenance.values())
    assert files["api/v2/status.json"]["status"]["indicator"] in ("minor", "critical")
    # The 2.5+ history: the resolved incidents, with Uptime Kuma's own resolution times.
    recent = files["api/v2/incidents.json"]["incidents"]
    assert {"i13", "i12"} <= {i["id"] for i in recent}
    resolved = [i for i in recent if i["status"] == "resolved"]
    assert len(resolved) == 10 and all(i["resolved_at"] for i in resolved)


def test_nothing_internal_reaches_the_bundle(page_env, kuma):
    kuma.serve_incidents("2.5.3-incident")
    run_script("status.py", env=page_env)
    text = "".join((Path(page_env["BUNDLE_DIR"]) / key).read_text() for key in bundle_schema.file_keys())
    metrics = capture("2.5.3-incident", "metrics_apikey.txt").body.decode()
    for internal in ("127.0.0.1", "3201", "monitor_url", "euwest", "Tier 1", "keyword", "http://", kuma.url):
        if internal in ("http://",):
            continue  # the incident text links to a public page; checked below
        assert internal not in text, internal
    assert "Hidden" not in text  # monitor 10 is not on the page
    assert "backups-" not in text and page_env["BACKUP_BUCKET"] not in text
    assert "https://status.example.com/incidents/42" in text  # the operator's own public link, kept as written
    assert "monitor_hostname" in metrics  # the capture does hold what must not leak


def test_an_incident_gone_from_the_page_is_resolved_by_the_run_that_saw_it_go(page_env, kuma):
    kuma.serve_incidents("2.0.0-dev.0-incident")  # 1.23-era: one `incident`, no history route
    run_script("status.py", env=page_env)
    first = read_bundle(page_env)
    assert [i["id"] for i in first["api/v2/incidents/unresolved.json"]["incidents"]] == ["i2"]

    page = json.loads(capture("2.0.0-dev.0-incident", "status-page_elytra.txt").body)
    page["incident"] = None
    kuma.routes["/api/status-page/elytra"] = Reply(
        200, [("Content-Type", "application/json")], json.dumps(page).encode()
    )
    run_script("status.py", env=page_env)
    after = read_bundle(page_env)

    assert after["api/v2/incidents/unresolved.json"]["incidents"] == []
    [resolved] = after["api/v2/incidents.json"]["incidents"]
    assert resolved["id"] == "i2" and resolved["status"] == "resolved"
    assert resolved["resolved_at"] == after["api/v2/incidents.json"]["page"]["updated_at"]
    assert resolved["incident_updates"][0]["status"] == "resolved"


def test_1_23_states_come_by_name_and_a_shared_name_takes_each_ids_newest_beat(page_env, kuma):
    kuma.serve_incidents("2.0.0-dev.0-incident")
    run_script("status.py", env=page_env)
    by_id = {c["id"]: c for c in read_bundle(page_env)["api/v2/components.json"]["components"]}
    assert by_id["m1"]["status"] == "operational"  # "API", unique: tied through the page
    # Both "Dup" (other URLs: two lines, UP and DOWN, that name no id): the page's newest beats tell them apart.
    assert (by_id["m13"]["status"], by_id["m14"]["status"]) == ("operational", "major_outage")


def test_without_a_page_the_lists_are_empty_and_the_status_still_tells(base_env, kuma):
    kuma.serve_version("2.5.3")
    run_script("status.py", env=base_env)
    files = read_bundle(base_env)
    assert files["api/v2/summary.json"]["components"] == []
    assert (
        files["api/v2/summary.json"]["incidents"] == [] and files["api/v2/summary.json"]["scheduled_maintenances"] == []
    )
    assert files["api/v2/status.json"]["status"] == {"indicator": "minor", "description": "Partially Degraded Service"}
    badge = {"schemaVersion": 1, "label": "status", "message": "Degraded performance", "color": "yellow"}
    assert files["badge.json"] == badge  # the banner's words: no page, so no service to name


def test_uptime_kuma_down_keeps_the_last_components_as_unknown_and_resolves_nothing(page_env, kuma):
    kuma.serve_incidents("2.5.3-incident")
    run_script("status.py", env=page_env)
    kuma.routes.clear()  # every answer is now a 404: nothing can be read
    result = run_script("status.py", env=page_env)
    files = read_bundle(page_env)

    assert result.returncode == 3
    assert files["api/v2/status.json"]["status"] == {"indicator": "minor", "description": "Status Unknown"}
    components = files["api/v2/components.json"]["components"]
    # The last good read's 10 monitors and their group; paused 6, which it left out, stays out.
    assert len(components) == 11 and all(c["status"] != "operational" for c in components)
    assert "m6" not in {c["id"] for c in components}
    [day] = files["history.json"]["days"]
    assert "m6" not in day["worst"] and "m6" not in day["minutes"]
    assert ">Paused<" not in (Path(page_env["BUNDLE_DIR"]) / "index.html").read_text()
    assert [i["id"] for i in files["api/v2/incidents/unresolved.json"]["incidents"]] == ["i13", "i12"]
    assert len(files["api/v2/scheduled-maintenances/active.json"]["scheduled_maintenances"]) == 3


HOSTILE = [
    '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "[click](javascript:alert(1)) <a href='javascript:alert(2)'>a</a>",
    "x" * 10_000,
    "שירות האחסון מושבת חלקית \u202e reversed \u202c — 对象存储降级",
]


@pytest.mark.parametrize("text", HOSTILE, ids=["html", "javascript-links", "long", "rtl-and-cjk"])
def test_hostile_incident_text_is_kept_as_the_operator_wrote_it(page_env, kuma, text):
    kuma.serve_incidents("2.5.3-incident")
    page = json.loads(capture("2.5.3-incident", "status-page_elytra.txt").body)
    page["incidents"][0]["title"] = text[:200]
    page["incidents"][0]["content"] = text
    kuma.routes["/api/status-page/elytra"] = Reply(
        200, [("Content-Type", "application/json")], json.dumps(page).encode()
    )
    run_script("status.py", env=page_env)
    [first, _] = read_bundle(page_env)["api/v2/incidents/unresolved.json"]["incidents"]
    assert first["incident_updates"][0]["body"] == text
    assert first["name"] == text[:200]


def test_the_bundle_goes_up_with_status_json_last_in_one_aws_process(moto, s3, job_env, status_bucket, tmp_path):
    env = {**job_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    before = len(moto.request_lines())
    result = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)
    assert result.returncode == 0, result.stdout
    puts = [line.split('"PUT /')[1].split(" ")[0] for line in moto.request_lines()[before:] if '"PUT /' in line]
    ours = [p.split("/", 1)[1] for p in puts if p.startswith(status_bucket + "/")]
    # After the upload, the record of what was published (ids, for a second site): private, never public.
    assert ours[-1:] == ["public/.sites/record.json"]
    ours = ours[:-1]
    # The bundle's 13 files, the calendar and the two Uptime Kuma-shaped files (no incident: no incident page).
    assert len(ours) == 16 and ours[-1] == "public/status.json"
    kuma_json = s3.get_object(Bucket=status_bucket, Key="public/api/status-page/heartbeat/elytra")
    assert kuma_json["ContentType"] == "application/json"
    calendar = s3.get_object(Bucket=status_bucket, Key="public/maintenance.ics")
    assert calendar["ContentType"] == "text/calendar; charset=utf-8"
    summary = s3.get_object(Bucket=status_bucket, Key="public/api/v2/summary.json")
    assert summary["ContentType"] == "application/json" and summary["CacheControl"].startswith("public, max-age=")
    grants = s3.get_object_acl(Bucket=status_bucket, Key="public/badge.json")["Grants"]
    assert any(g["Grantee"].get("URI", "").endswith("AllUsers") and g["Permission"] == "READ" for g in grants)


def test_a_bundle_file_that_fails_its_checks_sends_nothing(s3, job_env, status_bucket, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    assert cron_run("generate_and_upload.sh", env_file, tmp_path).returncode == 0
    before = s3.get_object(Bucket=status_bucket, Key="public/status.json")["Body"].read()
    run_script("status.py", "--env-file", str(env_file))
    broken = Path(job_env["BUNDLE_DIR"]) / "api/v2/components.json"
    content = json.loads(broken.read_text())
    content["components"] = [{"id": "x", "name": "leak", "status": "operational", "monitor_url": "http://10.0.0.1/"}]
    broken.write_text(json.dumps(content))

    upload = cron_run("upload_status_json.sh", env_file, tmp_path)

    assert upload.returncode == 1
    assert "upload refused, nothing sent" in upload.stderr and "components.json fails its schema" in upload.stderr
    assert s3.get_object(Bucket=status_bucket, Key="public/status.json")["Body"].read() == before


def serve_maintenances(kuma, items: list[dict]) -> int:
    """The 2.5.3 page listing these maintenances (real ones list only those under way), slots moved ahead
    by the days returned."""
    page = json.loads(capture("2.5.3-incident", "status-page_elytra.txt").body)
    page["maintenanceList"] = items
    kuma.routes["/api/status-page/elytra"] = Reply(
        200, [("Content-Type", "application/json")], json.dumps(page).encode()
    )
    return kuma.keep_maintenance_live()


def test_only_under_maintenance_reads_as_in_progress_and_each_status_the_page_gives_is_mapped(page_env, kuma):
    kuma.serve_incidents("2.5.3-incident")
    # The logged-in list of the same server: every status, 1, 3, 4 under-maintenance, 2 scheduled, 5 ended, 6 inactive.
    every = json.loads((FIXTURES / "2.5.3-incident" / "socketio_maintenanceList_admin.json").read_text())
    days = serve_maintenances(kuma, list(every.values()))
    run_script("status.py", env=page_env)
    files = read_bundle(page_env)
    active = files["api/v2/scheduled-maintenances/active.json"]["scheduled_maintenances"]
    upcoming = files["api/v2/scheduled-maintenances/upcoming.json"]["scheduled_maintenances"]
    assert sorted(m["name"] for m in active) == ["Network switch replacement", "Nightly batch window", "Planned"]
    assert all(m["status"] == "in_progress" for m in active)
    assert [(m["name"], m["status"]) for m in upcoming] == [("Database upgrade", "scheduled")]
    day = (datetime(2026, 11, 30) + timedelta(days=days)).strftime("%Y-%m-%d")
    assert upcoming[0]["scheduled_for"] == f"{day}T06:00:00.000Z"
    listed = {m["name"] for m in files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]}
    assert "Load balancer firmware" not in listed and "Office VPN upgrade" not in listed  # ended, inactive
    kuma_page = json.loads((Path(page_env["BUNDLE_DIR"]) / "api/status-page/elytra").read_text())
    assert sorted(m["id"] for m in kuma_page["maintenanceList"]) == [1, 3, 4]  # as Uptime Kuma's page lists them

    # Next run: 3 is listed as ended, 4 as scheduled between two slots (its next one first): neither is under way.
    later = {**every, "3": {**every["3"], "status": "ended"}, "4": {**every["4"], "status": "scheduled"}}
    later["4"]["timeslotList"] = every["4"]["timeslotList"][1:]
    serve_maintenances(kuma, list(later.values()))
    run_script("status.py", env=page_env)
    files = read_bundle(page_env)
    assert [m["name"] for m in files["api/v2/scheduled-maintenances/active.json"]["scheduled_maintenances"]] == [
        "Planned"
    ]
    by_status = {}
    for m in files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]:
        by_status.setdefault(m["status"], []).append(m["name"])
    assert sorted(by_status["completed"]) == ["Network switch replacement", "Nightly batch window"]
    assert sorted(by_status["scheduled"]) == ["Database upgrade", "Nightly batch window"]


@pytest.mark.parametrize("version", ["2.5.3", "2.5.3-incident"])
def test_the_uptime_kuma_shaped_json_reads_as_kumas_own_in_homepage_and_stays_while_kuma_is_stopped(
    moto, s3, job_env, kuma, status_bucket, tmp_path, version
):
    import requests as http

    kuma.serve_incidents(version)  # 6 is paused: with a beat from before the pause (2.5.3), never ran (-incident)
    env_file = write_env(tmp_path / "page.env", {**job_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"})
    assert cron_run("generate_and_upload.sh", env_file, tmp_path).returncode == 0
    base = f"{moto.url}/{status_bucket}/public/api/status-page"

    def published() -> tuple[bytes, bytes]:
        return http.get(f"{base}/elytra", timeout=5).content, http.get(f"{base}/heartbeat/elytra", timeout=5).content

    first = published()
    status, beats = (json.loads(b) for b in first)
    own = json.loads(capture(version, "status-page_elytra.txt").body)
    own_beats = json.loads(capture(version, "status-page_heartbeat_elytra.txt").body)
    read, kumas = homepage_reads(status, beats), homepage_reads(own, own_beats)
    assert (read["up"], read["down"]) == (kumas["up"], kumas["down"])  # a paused monitor counted as Kuma does
    newest = [i["createdDate"] for i in own.get("incidents", [])][:1]  # 2.5.3 has no `incident`: Homepage sees none
    assert read["incident_created"] == (datetime.fromisoformat(newest[0]) if newest else None)
    # The paused monitor as Uptime Kuma lists it: on the page, its newest beat from before the pause, its figure.
    assert 6 in [m["id"] for g in status["publicGroupList"] for m in g["monitorList"]]
    kept = [{k: b[k] for k in ("status", "time")} for b in own_beats["heartbeatList"]["6"][-1:]]
    assert [{k: b[k] for k in ("status", "time")} for b in beats["heartbeatList"]["6"]] == kept
    assert beats["uptimeList"]["6_24"] == own_beats["uptimeList"]["6_24"]
    assert all(b["msg"] == "" and b["ping"] is None for v in beats["heartbeatList"].values() for b in v)

    kuma.close()  # Uptime Kuma stopped: the run publishes its honest unknown, and leaves these files be
    assert cron_run("generate_and_upload.sh", env_file, tmp_path).returncode == 3
    now = s3.get_object(Bucket=status_bucket, Key="public/status.json")["Body"].read()
    assert json.loads(now)["platform_status"] == "unknown"
    assert published() == first
    status, beats = (json.loads(b) for b in published())
    assert homepage_reads(status, beats) == read  # not "Up 0, Down 11, 0.0 %"
    # Homepage reads `incident`, 2.5.3's clients `incidents`: both stay.
    assert status["incidents"][:1] == ([status["incident"]] if status["incident"] else [])


def test_a_monitor_in_maintenance_is_named_only_as_under_maintenance_in_the_banner_badge_and_feed(page_env, kuma):
    kuma.routes["/metrics"] = Reply(503, [("Content-Type", "text/plain")], b"starting")  # first: unknown
    run_script("status.py", env=page_env)
    kuma.serve_version("2.5.3-history")  # 4, 5, 7, 9 down, 10 pending, 11 "In maintenance"
    run_script("status.py", env=page_env)
    files = read_bundle(page_env)
    message = files["badge.json"]["message"]
    down = "HTTP closed port, Keyword missing, Core platform, Group child down, Pending flappy"
    assert message == f"Partial outage: {down} · Under maintenance: In maintenance"  # never "... and 1 more"
    public = Path(page_env["BUNDLE_DIR"])
    assert f">{message}<" in (public / "index.html").read_text()
    assert f"<title>{message}</title>" in (public / "history.atom").read_text()  # the change from unknown
