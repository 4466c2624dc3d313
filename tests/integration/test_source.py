"""The run's memory and the public files stay bound to their source: one server, one config, one writer.

Each test is one rule of the truth review, over the wire where it is about the wire: the replayed
Uptime Kuma, moto (behind a proxy that can fail a PUT), the cron wrapper under env -i.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from stack import wait_for

from elytra_status.infra import settings
from elytra_status.run import state as run_state
from support.commands import ROOT, cron_run, cron_start, run_script, write_env
from support.kuma_replay import ReplayServer, Reply, capture
from support.s3_proxy import S3Proxy
from support.states import good_state


def state_of(env: dict[str, str]) -> dict:
    return json.loads(Path(env["STATE_FILE"]).read_text())


def doc(env: dict[str, str]) -> dict:
    return json.loads(Path(env["OUTPUT_FILE"]).read_text())


def page_reply(version: str, rename: dict[int, str] | None = None) -> Reply:
    reply = capture(version, "status-page_elytra.txt")
    page = json.loads(reply.body)
    for group in page["publicGroupList"]:
        for monitor in group["monitorList"]:
            monitor["name"] = (rename or {}).get(monitor["id"], monitor["name"])
    return Reply(reply.status, reply.headers, json.dumps(page).encode())


def test_a_switched_url_starts_fresh_and_only_same_components_keep_their_days(base_env, kuma):
    kuma.serve_incidents("2.5.3-incident")
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    assert run_script("status.py", env=env).returncode in (0, 3)
    before = state_of(env)
    assert before["source"]["UPTIME_KUMA_URL"] == kuma.url and len(before["generator"]) == 32
    assert "m1" in next(iter(before["history"]["days"].values()))["worst"]
    public = Path(env["BUNDLE_DIR"]).rglob("*")
    assert not any(before["generator"] in p.read_text() for p in public if p.is_file())  # never public

    # The same Uptime Kuma at a new address, but monitor 1 renamed: another component under an old id.
    moved = ReplayServer()
    try:
        moved.serve_incidents("2.5.3-incident")
        moved.routes["/api/status-page/elytra"] = page_reply("2.5.3-incident", {1: "Billing"})
        result = run_script("status.py", env={**env, "UPTIME_KUMA_URL": moved.url})
    finally:
        moved.close()

    assert "state was made for another source (UPTIME_KUMA_URL changed): starting fresh" in result.stderr
    after = state_of(env)
    assert after["source"]["UPTIME_KUMA_URL"] != kuma.url and after["generator"] == before["generator"]
    assert after["kuma"]["badges"] == {}
    day = next(iter(after["history"]["days"].values()))
    assert "m2" in day["worst"] and "platform" in day["worst"]  # same id, same name: its days are kept
    assert day["minutes"]["m2"] != next(iter(before["history"]["days"].values()))["minutes"]["m2"]  # and go on
    assert day["minutes"]["m1"] == {"operational": 1}  # "Billing" starts today, with none of "API"'s minutes
    history_json = json.loads((Path(env["BUNDLE_DIR"]) / "history.json").read_text())
    assert {"id": "m1", "name": "Billing", "group_id": "g1"} in history_json["components"]


def test_a_different_server_with_reused_ids_inherits_no_history(base_env, kuma):
    kuma.serve_incidents("2.5.3-incident")
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    run_script("status.py", env=env)
    names = {i: f"Other {i}" for i in range(1, 20)}
    kuma.routes["/api/status-page/elytra"] = page_reply("2.5.3-incident", names)
    other = {**env, "UPTIME_KUMA_STATUS_PAGE": "elytra", "UPTIME_KUMA_URL": kuma.url.replace("127.0.0.1", "localhost")}
    result = run_script("status.py", env=other)
    assert "UPTIME_KUMA_URL changed" in result.stderr
    day = next(iter(state_of(env)["history"]["days"].values()))
    assert all(
        counts == {state: 1}
        for state_counts in [day["minutes"]]
        for counts in state_counts.values()
        for state in counts
    )  # every subject starts with this one run's minute: nothing inherited


def test_a_state_written_before_sources_were_named_adopts_this_one_once(base_env, kuma):
    kuma.serve_version("2.5.3")
    run_script("status.py", env=base_env)
    state = state_of(base_env)
    old = {k: v for k, v in state.items() if k not in ("source", "selection", "generator")} | {"version": 1}
    Path(base_env["STATE_FILE"]).write_text(json.dumps(old))

    first = run_script("status.py", env=base_env)
    second = run_script("status.py", env=base_env)

    assert "state names no source yet: it is taken as this one's" in first.stderr
    assert "names no source" not in second.stderr and "another source" not in second.stderr
    assert state_of(base_env)["kuma"]["seen"].keys() >= state["kuma"]["seen"].keys()  # its memory is kept
    assert state_of(base_env)["version"] == run_state.STATE_VERSION


def test_a_changed_selection_keeps_the_history_and_uploads_anew(job_env, tmp_path):
    cron_run("generate_and_upload.sh", write_env(tmp_path / "a.env", job_env), tmp_path)
    days = state_of(job_env)["history"]["days"]
    result = cron_run(
        "generate_and_upload.sh", write_env(tmp_path / "a.env", {**job_env, "MONITOR_IDS": "1,2"}), tmp_path
    )
    assert "MONITOR_IDS changed since the last run: the history stays" in result.stdout
    assert "uploading: nothing published yet by this state" in result.stdout  # no figure of the old selection
    assert state_of(job_env)["history"]["days"].keys() == days.keys()


def test_two_configs_in_one_checkout_share_no_state_bundle_output_or_lock(job_env, silent_endpoint, tmp_path):
    places = ("STATE_FILE", "BUNDLE_DIR", "OUTPUT_FILE")
    values = {k: v for k, v in job_env.items() if k not in places}
    a, b = write_env(tmp_path / "a.env", values), write_env(tmp_path / "b.env", values)
    config_a, config_b = settings.load_config(a, environ={}), settings.load_config(b, environ={})
    default = settings.parse_config(values)
    folders = [ROOT / "logs" / settings.config_tag(a), ROOT / "logs" / settings.config_tag(b)]
    try:
        for name in ("state_file", "bundle_dir", "output_file"):
            assert len({getattr(config_a, name), getattr(config_b, name), getattr(default, name)}) == 3, name
        assert config_a.state_file.parent == folders[0]
        # A runs long (its Uptime Kuma never answers) and holds its lock; B is not locked out by it.
        slow = write_env(
            tmp_path / "a.env", {**values, "UPTIME_KUMA_URL": silent_endpoint, "RUN_DEADLINE_SECONDS": "20"}
        )
        home = tmp_path / "home"
        home.mkdir()
        held = cron_start(slow, home, None)
        wait_for(lambda: (folders[0] / "generate_and_upload.lock").exists(), 30, "A's lock")
        other = cron_run("generate_and_upload.sh", b, tmp_path)
        again = cron_run("generate_and_upload.sh", slow, tmp_path)
        held.communicate(timeout=60)
        assert other.returncode == 0, other.stdout
        assert again.returncode == 75
        assert (folders[1] / "state.json").exists() and (folders[1] / "public" / "api/v2/summary.json").exists()
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def test_a_damaged_state_never_fails_the_run(base_env, kuma):
    kuma.serve_version("2.5.3")
    Path(base_env["STATE_FILE"]).parent.mkdir(parents=True)
    state = good_state()
    state["bundle"]["components"] = {"m1": ["operational", 42, "x"]}
    Path(base_env["STATE_FILE"]).write_text(json.dumps(state))
    for _ in range(2):
        result = run_script("status.py", env=base_env)
        assert result.returncode == 0, result.stderr
    assert result.stderr.count("is damaged") == 0  # the first run set it aside; the second read its own


def test_a_read_only_state_folder_publishes_exits_5_and_the_heartbeat_says_why(
    job_env, recorder, mounted_disk, s3, status_bucket, tmp_path
):
    folder = mounted_disk("read-only")
    env = {**job_env, "STATE_FILE": str(folder / "state.json"), "HEARTBEAT_URL": f"{recorder.url}/api/push/tok"}
    result = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)

    assert result.returncode == 5, result.stdout
    assert f"ERROR generate_and_upload: cannot write state {folder / 'state.json'} (STATE_FILE)" in result.stdout
    assert json.loads(s3.get_object(Bucket=status_bucket, Key="public/status.json")["Body"].read())["schema_version"]
    [(_, path, _)] = recorder.hits
    assert "status=down" in path and "memory+was+not+saved" in path


@pytest.fixture
def proxy(moto):
    server = S3Proxy(moto.url)
    yield server
    server.close()


def test_a_failed_put_in_the_middle_of_a_set_makes_the_next_run_write_it_whole(job_env, proxy, tmp_path):
    env_file = write_env(tmp_path / "job.env", {**job_env, "SPACES_ENDPOINT": proxy.url})
    assert cron_run("generate_and_upload.sh", env_file, tmp_path).returncode == 0
    state = state_of(job_env)
    assert len(state["published"]["etags"]) == 16  # 13 bundle files, the calendar, 2 Uptime Kuma-shaped

    proxy.fail_puts = {"api/v2/components.json"}
    failed = cron_run("generate_and_upload.sh", env_file, tmp_path)
    # Nothing changed in the content, yet the run was due: make it so by aging the last upload.
    assert failed.returncode in (0, 4)
    state = state_of(job_env)
    state["published"]["at"] = "2026-01-01T00:00:00Z"
    Path(job_env["STATE_FILE"]).write_text(json.dumps(state))
    failed = cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert failed.returncode == 4 and "the next run writes the whole set again" in failed.stdout
    assert "digest" not in state_of(job_env)["published"]  # no set counts as published

    proxy.fail_puts, proxy.puts = set(), []
    healed = cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert healed.returncode == 0
    assert "nothing published yet by this state, or the last upload did not finish" in healed.stdout
    assert len(proxy.puts) == 16  # the whole set, not the one that failed


def test_a_public_file_changed_behind_the_generators_back_is_put_back(job_env, s3, status_bucket, tmp_path):
    env = {**job_env, "PUBLISH_EVERY_SECONDS": "120"}  # one run checks every file
    env_file = write_env(tmp_path / "job.env", env)
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    key = "public/api/v2/components.json"
    s3.put_object(Bucket=status_bucket, Key=key, Body=b'{"page": {}, "components": []}', ACL="public-read")

    result = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert f"{key} was written by someone else" in result.stdout
    assert "another writer in the status bucket (seen " in result.stdout and "no generator id" in result.stdout
    restored = json.loads(s3.get_object(Bucket=status_bucket, Key=key)["Body"].read())
    assert (
        restored["components"]
        == json.loads((Path(env["BUNDLE_DIR"]) / "api/v2/components.json").read_text())["components"]
    )
    head = s3.head_object(Bucket=status_bucket, Key=key)
    assert head["Metadata"]["generator"] == state_of(env)["generator"]


def test_a_second_generator_on_one_bucket_is_loud_every_run(job_env, recorder, moto, status_bucket, tmp_path):
    a = {**job_env, "HEARTBEAT_URL": f"{recorder.url}/api/push/a"}
    b = {
        **job_env,
        "STATE_FILE": str(tmp_path / "b" / "state.json"),
        "BUNDLE_DIR": str(tmp_path / "b" / "public"),
        "OUTPUT_FILE": str(tmp_path / "b" / "status.json"),
    }
    (tmp_path / "b").mkdir()
    a_file, b_file = write_env(tmp_path / "a.env", a), write_env(tmp_path / "b.env", b)
    assert cron_run("generate_and_upload.sh", a_file, tmp_path).returncode == 0
    outputs = []
    for _ in range(2):
        cron_run("generate_and_upload.sh", b_file, tmp_path)
        outputs.append(cron_run("generate_and_upload.sh", a_file, tmp_path).stdout)
    outputs.append(cron_run("generate_and_upload.sh", a_file, tmp_path).stdout)  # B quiet this minute
    for out in outputs:
        assert "WARNING generate_and_upload: another writer in the status bucket" in out
    assert all("status=down" in path and "another+writer" in path for _, path, _ in recorder.hits[1:])

    check_env = {**a, "STATUS_PUBLIC_URL": f"{moto.url}/{status_bucket}/public/status.json"}
    cron_run("generate_and_upload.sh", b_file, tmp_path)
    check = run_script("public_check.py", env=check_env)
    assert check.returncode == 2 and "written by another writer: it carries generator" in check.stdout


def test_a_pasted_push_url_gets_one_status_msg_and_ping_and_keeps_its_other_parameters(job_env, recorder, tmp_path):
    url = f"{recorder.url}/api/push/TOKEN?status=up&msg=OK&ping=&region=eu"
    cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", {**job_env, "HEARTBEAT_URL": url}), tmp_path)
    [(_, path, _)] = recorder.hits
    query = path.split("?", 1)[1].split("&")
    assert [p.split("=")[0] for p in query] == ["region", "status", "msg", "ping"]
    assert "region=eu" in query and "status=up" in query and int(query[-1].split("=")[1]) > 0


def test_a_paused_monitor_that_never_ran_has_no_figure_and_does_not_halve_the_mean(base_env, kuma):
    kuma.serve_incidents("2.0.0-dev.0-incident")  # monitor 6: paused, no beat, yet 0 in uptimeList
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra", "MONITOR_IDS": "1,6"}
    result = run_script("status.py", env=env)
    assert doc(env)["uptime"]["last_24h"] == 100.0, result.stderr  # monitor 1's figure, not (100 + 0) / 2
    assert "no beat yet (never ran)" in result.stderr


def test_1_23_shared_names_all_count_in_the_means(base_env, kuma):
    kuma.serve_incidents("2.0.0-dev.0-incident")
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    run_script("status.py", env=env)
    beats = json.loads(capture("2.0.0-dev.0-incident", "status-page_heartbeat_elytra.txt").body)
    counted = [i for i, b in beats["heartbeatList"].items() if b and i != "7"]  # 7 is a group
    kuma_mean = sum(beats["uptimeList"][f"{i}_24"] for i in counted) / len(counted) * 100
    assert "13" in counted and "14" in counted  # the two monitors named "Dup"
    assert doc(env)["uptime"]["last_24h"] == round(kuma_mean, 2)


@pytest.mark.parametrize("metrics", ["metrics_apikey.txt", "metrics_apikey_up_last.txt"], ids=["down-last", "up-last"])
def test_1_23_twins_of_one_name_and_url_publish_each_ids_state_and_kumas_own_mean(base_env, kuma, metrics):
    kuma.serve_version("1.23-twins")  # one /metrics line for "Dup" 1 (up) and 2 (down); "Web" 3 up
    kuma.routes["/metrics"] = capture("1.23-twins", metrics)  # which twin checked last
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    result = run_script("status.py", env=env)
    assert result.returncode == 0, result.stderr
    # Never operational while the page shows 2 down; Uptime Kuma's own figures by id: (100 + 50 + 90) / 3.
    assert doc(env)["platform_status"] == "degraded"
    assert doc(env)["uptime"] == {"last_24h": 80.0, "last_7d": 80.0, "last_30d": 80.0}
    public = Path(env["BUNDLE_DIR"])
    components = json.loads((public / "api/v2/components.json").read_text())["components"]
    states = {c["id"]: (c["status"], c["uptime"]["last_24h"]) for c in components if not c["group"]}
    assert states == {"m1": ("operational", 100.0), "m2": ("major_outage", 50.0), "m3": ("operational", 90.0)}
    assert "paused or deleted" not in result.stderr


def test_one_state_one_word_a_monitor_not_reported_is_left_out_everywhere(base_env, kuma):
    kuma.serve_incidents("2.5.3-incident")  # monitor 6 is on the page, absent from /metrics: paused
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    run_script("status.py", env=env)
    public = Path(env["BUNDLE_DIR"])
    components = json.loads((public / "api/v2/components.json").read_text())["components"]
    assert "m6" not in {c["id"] for c in components}
    name = next(
        m["name"]
        for g in json.loads(capture("2.5.3-incident", "status-page_elytra.txt").body)["publicGroupList"]
        for m in g["monitorList"]
        if m["id"] == 6
    )
    assert f">{name}<" not in (public / "index.html").read_text()
    assert doc(env)["platform_status"] == "degraded"  # what the others say; 6 counts nowhere


def test_an_incident_that_leaves_the_page_is_resolved_at_its_time_in_the_history(base_env, kuma):
    page_env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    kuma.serve_incidents("2.5.3-incident")
    run_script("status.py", env=page_env)
    page = json.loads(kuma.routes["/api/status-page/elytra"].body)
    page["incidents"] = [i for i in page["incidents"] if i["id"] != 12]
    kuma.routes["/api/status-page/elytra"] = Reply(
        200, [("Content-Type", "application/json")], json.dumps(page).encode()
    )
    hist = json.loads(capture("2.5.3-incident", "incident-history_elytra.txt").body)
    for item in hist["incidents"]:
        if item["id"] == 12:
            item.update(active=False, pin=False, lastUpdatedDate="2026-11-28 07:15:00")
    kuma.routes["/api/status-page/elytra/incident-history"] = Reply(
        200, [("Content-Type", "application/json")], json.dumps(hist).encode()
    )
    run_script("status.py", env=page_env)
    incidents = json.loads((Path(page_env["BUNDLE_DIR"]) / "api/v2/incidents.json").read_text())["incidents"]
    [resolved] = [i for i in incidents if i["id"] == "i12"]
    assert (resolved["status"], resolved["resolved_at"]) == ("resolved", "2026-11-28T07:15:00.000Z")
