"""Two sites, one page: a primary and a standby, each with its own Uptime Kuma, settings, state and lock,
writing one moto through a logging proxy each. "Writes" are PUTs of public files; the lease and health
objects are counted apart. Runs come every couple of seconds, with a 12-second lease. The race and the
takeover run on SeaweedFS too (the status bucket there, the backups on moto)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from stack import wait_for

from elytra_status.infra.settings import parse_config
from elytra_status.infra.signed_s3 import SignedS3
from elytra_status.publish import lease
from elytra_status.render.keys import component_id
from support.commands import run_script
from support.kuma_replay import Reply
from support.s3_proxy import S3Proxy
from support.servers import ACCESS_KEY, SECRET_KEY, s3_client
from support.two_sites import LEASE_SECONDS, Site, TwoSites, handoffs, primary_writing, rounds_of, writers

SETTINGS = {"SPACES_ACCESS_KEY": ACCESS_KEY, "SPACES_SECRET_KEY": SECRET_KEY, "SPACES_REGION": "us-east-1"}
BROKEN = Reply(503, [("Content-Type", "text/plain")], b"Service Unavailable")


STORES = ["moto", "seaweedfs"]


@pytest.fixture
def sites(request, moto, tmp_path) -> Iterator[TwoSites]:
    """On moto; parametrized indirectly with "seaweedfs", the status bucket is on SeaweedFS."""
    store = request.getfixturevalue("seaweedfs") if getattr(request, "param", "moto") == "seaweedfs" else None
    pair = TwoSites(moto.url, tmp_path, store=store)
    yield pair
    pair.close()


def one_handoff_back_to_the_primary(sites: TwoSites, n: int) -> None:
    rounds = rounds_of(sites, n)
    assert handoffs(["ams3", *writers(rounds)]) == 1, rounds
    assert sites.public()["site"] == "fra1"


def primary_kuma_broken(sites: TwoSites) -> Callable[[], None]:
    """The primary's Uptime Kuma answers 503 from now on; returns what puts it back."""
    metrics = sites.primary.kuma.routes["/metrics"]
    sites.primary.kuma.routes["/metrics"] = BROKEN
    return lambda: sites.primary.kuma.routes.__setitem__("/metrics", metrics)


def lease_writes(site: Site) -> list[float]:
    return [at for at, path in site.proxy.writes(public=False) if path.endswith("/lease.json")]


def test_both_sites_in_rounds_never_both_write(sites):
    rounds = rounds_of(sites, 22)
    assert writers(rounds), "nobody wrote in 22 rounds"
    assert sites.public()["site"] in ("fra1", "ams3")
    # The lease and health objects are private: an anonymous GET is refused.
    import requests

    url = f"{sites.moto_url}/{sites.bucket}/public/.sites/lease.json"
    assert requests.get(url, timeout=5).status_code == 403


@pytest.mark.parametrize("sites", STORES, indirect=True)
def test_primary_stops_standby_publishes_within_the_lease_and_one_run_then_one_handoff_back(sites):
    primary_writing(sites)
    for _ in range(3):
        assert not sites.round()["ams3"]
    last_renewal = lease_writes(sites.primary)[-1]
    started = []
    while not sites.standby.proxy.writes(last_renewal):
        assert time.time() - last_renewal < LEASE_SECONDS + 30, "the standby never took over"
        started.append(time.time())
        result = sites.standby.run()
        assert result.returncode == 0, sites.standby.log_text()[-2000:]
        time.sleep(1)
    first_write = sites.standby.proxy.writes(last_renewal)[0][0]
    run_every = max(b - a for a, b in zip(started, started[1:], strict=False))
    # Whole-second store times and their one second of slack, then at most one run of the standby.
    assert first_write - last_renewal <= LEASE_SECONDS + 2 + run_every + 3, (first_write - last_renewal, run_every)
    assert sites.public()["site"] == "ams3"
    assert "site ams3: lease taken" in sites.standby.log_text()
    # The primary comes back: one handoff back, after it has been healthy a few runs, never two writers a round.
    one_handoff_back_to_the_primary(sites, 12)


def test_primary_kuma_down_hands_over_after_the_grace_and_back_once_when_it_returns(sites):
    primary_writing(sites)
    restore = primary_kuma_broken(sites)
    rounds = rounds_of(sites, 6)
    # Two broken runs are the grace (SITE_GRACE_RUNS=2): the primary publishes the honest unknown meanwhile.
    assert writers(rounds)[-1] == "ams3", rounds
    assert "site fra1: lease released: 3 runs failed in a row; ams3 is healthy" in sites.primary.log_text()
    assert sites.public()["site"] == "ams3"
    assert sites.public()["platform_status"] != "operational"
    restore()
    one_handoff_back_to_the_primary(sites, 10)


def test_a_short_restart_of_the_primary_kuma_hands_nothing_over(sites):
    primary_writing(sites)
    restore = primary_kuma_broken(sites)
    rounds = rounds_of(sites, 2)
    restore()
    rounds += rounds_of(sites, 3)
    assert not any(r["ams3"] for r in rounds), rounds
    assert "lease released" not in sites.primary.log_text()


@pytest.mark.parametrize("store", STORES)
def test_two_sites_taking_the_lease_at_the_same_moment_exactly_one_wins(store, request, moto, tmp_path):
    """moto, through the one-at-a-time proxy: it checks and writes without a lock. SeaweedFS, straight: it orders
    a key's writes itself; the status bucket is there, by STATUS_ENDPOINT, the backups' settings on moto."""
    bucket = "race-" + tmp_path.name[-20:].lower().replace("_", "-")
    if store == "moto":
        one_at_a_time = threading.Lock()
        proxies = [S3Proxy(moto.url, one_at_a_time=one_at_a_time) for _ in range(2)]
        s3 = s3_client(moto.url)
        settings = [{**SETTINGS, "SPACES_ENDPOINT": p.url, "STATUS_BUCKET": bucket} for p in proxies]
    else:
        weed, proxies = request.getfixturevalue("seaweedfs"), []
        s3 = s3_client(weed.url, weed.access, weed.secret)
        own = {"STATUS_ENDPOINT": weed.url, "STATUS_ACCESS_KEY": weed.access, "STATUS_SECRET_KEY": weed.secret}
        settings = [{**SETTINGS, "SPACES_ENDPOINT": moto.url, **own, "STATUS_BUCKET": bucket}] * 2
    s3.create_bucket(Bucket=bucket)
    clients = [SignedS3(parse_config(values)) for values in settings]
    try:
        for trial in range(20):
            key = f"trial-{trial}/.sites/lease.json"
            for etag in (None, "renew"):
                if etag == "renew":
                    etag = s3.head_object(Bucket=bucket, Key=key)["ETag"]
                barrier = threading.Barrier(2)
                won: list[str] = []

                def take(name: str, client, etag=etag, key=key, barrier=barrier, won=won) -> None:
                    barrier.wait()
                    if lease.write(client, key, name, LEASE_SECONDS, etag) is not None:
                        won.append(name)

                threads = [
                    threading.Thread(target=take, args=(n, c)) for n, c in zip(("fra1", "ams3"), clients, strict=True)
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(30)
                assert len(won) == 1, (trial, etag, won)
                holder = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["site"]
                assert holder == won[0]
    finally:
        for p in proxies:
            p.close()


def test_a_writer_frozen_past_its_lease_does_not_overwrite_newer_files(sites):
    primary_writing(sites)
    frozen: dict[str, object] = {}

    def freeze_after_renewal(path: str, status: int) -> None:
        if path.endswith("/.sites/lease.json") and status == 200 and "proc" in frozen and "at" not in frozen:
            frozen["at"] = time.time()
            sites.primary.freeze(frozen["proc"])

    sites.primary.proxy.after_put = freeze_after_renewal
    frozen["proc"] = proc = sites.primary.start()
    deadline = time.time() + 30
    while "at" not in frozen:
        assert time.time() < deadline, "the primary never renewed its lease"
        time.sleep(0.05)
    while not sites.standby.proxy.writes(frozen["at"]):
        assert time.time() - frozen["at"] < LEASE_SECONDS + 30, "the standby never took over"
        sites.standby.run()
        time.sleep(1)
    newer = sites.public()
    assert newer["site"] == "ams3"
    woke = time.time()
    sites.primary.thaw(proc)
    proc.communicate(timeout=60)
    assert sites.primary.proxy.writes(woke) == []
    assert sites.public() == newer
    assert "not uploading: the lease has" in sites.primary.log_text()


def public_objects(sites: TwoSites) -> dict[str, tuple[bytes, str | None]]:
    """Every public object of the folder: its bytes and the generator its metadata names."""
    found = {}
    for item in sites.s3.list_objects_v2(Bucket=sites.bucket, Prefix="public/")["Contents"]:
        if "/.sites/" not in item["Key"]:
            got = sites.s3.get_object(Bucket=sites.bucket, Key=item["Key"])
            found[item["Key"]] = (got["Body"].read(), got["Metadata"].get("generator"))
    return found


def public_puts(site: Site, since: float) -> list[tuple[str, int]]:
    """The site's PUTs of public files since a time, each with the store's answer, in order."""
    return [
        (path, status)
        for at, method, path, status in list(site.proxy.log)
        if method == "PUT" and at >= since and "/.sites/" not in path
    ]


@pytest.mark.parametrize("sites", STORES, indirect=True)
def test_a_writer_frozen_with_its_third_public_put_in_flight_lands_none_after_the_takeover(sites):
    primary_writing(sites)
    primary_kuma_broken(sites)  # the primary's next run has news: the honest unknown
    frozen: dict[str, Any] = {}
    held, release = threading.Event(), threading.Event()

    def hold_the_third(path: str) -> None:
        """The primary's third public PUT stops in flight, past every check of its lease; the VM stops too."""
        if "/.sites/" in path or "proc" not in frozen:
            return
        frozen["puts"] = frozen.get("puts", 0) + 1
        if frozen["puts"] == 3:
            frozen["at"], frozen["path"] = time.time(), path
            sites.primary.freeze(frozen["proc"])
            held.set()
            release.wait(120)

    sites.primary.proxy.before_put = hold_the_third
    frozen["proc"] = proc = sites.primary.start()
    assert held.wait(40), "the primary never uploaded"
    while not any(path.endswith("/public/status.json") for _, path in sites.standby.proxy.writes(frozen["at"])):
        assert time.time() - frozen["at"] < LEASE_SECONDS + 40, "the standby never published"
        sites.standby.run()
        time.sleep(1)
    newer = public_objects(sites)
    release.set()  # the held PUT reaches the store after the standby's whole set
    wait_for(lambda: public_puts(sites.primary, frozen["at"]), 30, "the held PUT's answer", 0.05)
    sites.primary.thaw(proc)
    proc.communicate(timeout=60)
    late = public_puts(sites.primary, frozen["at"])
    assert late[0] == (frozen["path"], 412) and all(status == 412 for _, status in late), late
    assert public_objects(sites) == newer
    standby_generator = json.loads((sites.standby.folder / "state.json").read_text())["generator"]
    assert {generator for _, generator in newer.values()} == {standby_generator}
    assert json.loads(newer["public/status.json"][0])["site"] == "ams3"
    assert proc.returncode == 4
    assert "the site's lease ran out during the upload" in sites.primary.log_text()
    # Every public PUT of either site was conditional: If-Match what its writer believed, or If-None-Match.
    for site in sites.sites:
        sent = [(match, none) for path, match, none in site.proxy.conditions if "/.sites/" not in path]
        assert sent and all((match is None) != (none is None) for match, none in sent), site.name


def test_a_412_mid_upload_stops_it_before_status_json_and_the_next_run_lists_the_folder_again(sites):
    primary_writing(sites)
    site, summary = sites.primary, "public/api/v2/summary.json"
    assert json.loads((site.folder / "state.json").read_text())["site"]["etags"][summary]
    sites.s3.delete_object(Bucket=sites.bucket, Key=summary)  # deleted by hand: this run puts it back
    keys: list[str] = []

    def another_writer_at_the_fifth(path: str) -> None:
        if "/.sites/" not in path and path not in keys:
            keys.append(path)
            if len(keys) == 5:
                sites.s3.put_object(Bucket=sites.bucket, Key=path.split(f"/{sites.bucket}/")[1], Body=b"{}")

    site.proxy.before_put = another_writer_at_the_fifth
    since = time.time()
    assert site.run().returncode == 4
    sent = public_puts(site, since)
    assert sent[-1] == (keys[4], 412) and len({path for path, _ in sent}) == 5, sent
    assert not any(path.endswith("/public/status.json") for path, _ in sent)  # nothing after the 412
    deleted = [status for path, status in sent if path.endswith(summary)]
    assert deleted == [404, 200]  # If-Match on a deleted key, then the same PUT as a create
    errors = [line for line in site.log_text().splitlines() if " ERROR " in line and "stopped" in line]
    assert len(errors) == 1 and "another writer has written there" in errors[0], errors
    assert keys[4].split(f"/{sites.bucket}/")[1] + " changed since this site last saw it (412)" in errors[0]
    assert "etags" not in json.loads((site.folder / "state.json").read_text())["site"]
    # The next run lists the folder once, and writes the whole set over what the other writer left.
    site.proxy.before_put = None
    logged = len(site.log_text().splitlines())
    assert site.run().returncode == 0
    lines = site.log_text().splitlines()[logged:]
    assert sum("fence: the status folder listed" in line for line in lines) == 1
    generator = json.loads((site.folder / "state.json").read_text())["generator"]
    assert {owner for _, owner in public_objects(sites).values()} == {generator}


def test_a_put_whose_answer_was_lost_and_sent_again_is_no_other_writer(sites):
    primary_writing(sites)
    site, summary = sites.primary, "public/api/v2/summary.json"
    sites.s3.delete_object(Bucket=sites.bucket, Key="public/status.json")  # this run has to upload
    site.proxy.lose_answers = {"/public/history.json"}
    since = time.time()
    assert site.run().returncode == 0, site.log_text()[-2000:]
    sent = public_puts(site, since)
    assert [status for path, status in sent if path.endswith("/public/history.json")] == [200, 412]
    assert sent[-1][0].endswith("/public/status.json") and sent[-1][1] == 200
    assert "another writer" not in site.log_text()
    assert summary in json.loads((site.folder / "state.json").read_text())["site"]["etags"]


def test_a_store_that_ignores_if_match_is_refused_at_start(moto, tmp_path):
    sites = TwoSites(moto.url, tmp_path)
    try:
        ignoring = S3Proxy(moto.url, strip_conditions=True)
        site = sites.primary
        site.write_settings(SPACES_ENDPOINT=ignoring.url)
        result = site.run()
        assert result.returncode == 2, result.stderr
        errors = [line for line in site.log_text().splitlines() if " INFO " not in line]
        assert len(errors) == 1 and "exit 2: SPACES_ENDPOINT: the store answered 200" in errors[0], errors
        assert "ignores conditional writes" in errors[0]
        assert ignoring.writes(public=True) == []
        checked = run_script("bucket_setup.py", "--env-file", str(site.env_file))
        assert checked.returncode == 2 and "ignores conditional writes" in checked.stderr
        site.write_settings(SPACES_ENDPOINT=moto.url)
        honoured = run_script("bucket_setup.py", "--env-file", str(site.env_file))
        assert honoured.returncode == 0, honoured.stderr
        assert "conditional writes (If-Match, If-None-Match) honoured" in honoured.stdout
        ignoring.close()
    finally:
        sites.close()


def test_history_goes_on_across_a_handoff_every_day_once_and_every_minute_once(sites):
    today = datetime.now(UTC).date()
    names = ["HTTP kuma self", "TCP kuma port", "Keyword target", "HTTP closed port", "Keyword missing"]
    ids = [component_id("m", 0, name, True) for name in names]
    past = [(today - timedelta(days=n)).isoformat() for n in (3, 2, 1)]
    seeded = {
        "schema_version": 1,
        "updated_at": f"{past[-1]}T23:59:00.000Z",
        "components": [{"id": i, "name": n, "group_id": None} for i, n in zip(ids, names, strict=True)],
        "days": [
            {
                "date": day,
                "worst": {"platform": "operational", **{i: "operational" for i in ids}},
                "minutes": {"platform": {"operational": 1440}, **{i: {"operational": 1440} for i in ids}},
                "uptime": {"platform": 99.5, **{i: 99.5 for i in ids}},
            }
            for day in past
        ],
        "incidents": [],
        "maintenances": [],
    }
    sites.s3.put_object(Bucket=sites.bucket, Key="public/history.json", Body=json.dumps(seeded).encode())
    primary_writing(sites)
    for _ in range(3):
        sites.round()
    before = sites.public("public/history.json")
    before_today = next(d for d in before["days"] if d["date"] == today.isoformat())
    while True:  # the primary stops; the standby runs until it has taken over
        since = time.time()
        sites.standby.run()
        if sites.standby.proxy.writes(since):
            break
        time.sleep(1)
    after_takeover = sites.public("public/history.json")
    sites.standby.run()  # and one more run as the writer, whether or not it uploads
    minutes_now = json.loads((sites.standby.folder / "state.json").read_text())["history"]["days"][today.isoformat()]
    dates = [d["date"] for d in after_takeover["days"]]
    assert dates == sorted(set(dates)) and dates == [*past, today.isoformat()]
    assert [c["name"] for c in after_takeover["components"]] == [c["name"] for c in before["components"]]
    assert [c["id"] for c in after_takeover["components"]] == [c["id"] for c in before["components"]]
    assert {c["id"] for c in after_takeover["components"]} <= set(ids) | {"platform"}
    for day in past:  # the days before are the bucket's (yesterday's uptime closed by the primary's first run)
        kept = next(d for d in after_takeover["days"] if d["date"] == day)
        given = next(d for d in seeded["days"] if d["date"] == day)
        assert (kept["worst"], kept["minutes"]) == (given["worst"], given["minutes"])
        assert kept == given or day == past[-1]
    closed = next(d for d in before["days"] if d["date"] == past[-1])
    assert next(d for d in after_takeover["days"] if d["date"] == past[-1]) == closed
    # Today: the primary's published minutes, then each minute boundary the standby's runs crossed since the
    # history it took over was published: every minute once, whatever the run rate.
    platform_minutes = sum(before_today["minutes"]["platform"].values())
    last_run = json.loads((sites.standby.folder / "state.json").read_text())["history"]["last_run"]
    crossed = minute_of(last_run) - minute_of(before["updated_at"])
    assert 0 <= crossed <= 15 and sum(minutes_now["minutes"]["platform"].values()) == platform_minutes + crossed


def minute_of(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp[:19] + "+00:00").timestamp() // 60)


def test_each_heartbeat_tells_the_sites_role_and_the_public_files_name_the_writer(sites, recorder):
    from urllib.parse import parse_qs, urlsplit

    for site in sites.sites:
        site.write_settings(HEARTBEAT_URL=f"{recorder.url}/api/push/{site.name}")
    primary_writing(sites)
    recorder.hits.clear()
    sites.round()
    said = {}
    for _, path, _ in recorder.hits:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        said[parts.path.rsplit("/", 1)[1]] = (query["status"][0], query["msg"][0])
    assert said == {"fra1": ("up", "primary, writing"), "ams3": ("up", "standby, ready")}
    sites.standby.kuma.routes["/metrics"] = BROKEN
    recorder.hits.clear()
    sites.round()
    standby = [parse_qs(urlsplit(p).query) for _, p, _ in recorder.hits if "/ams3?" in p][0]
    assert standby["status"] == ["down"]
    assert standby["msg"][0].startswith("standby, not healthy: Uptime Kuma")
    summary = sites.public("public/api/v2/summary.json")
    assert summary["page"]["site"] == "fra1"
    page = sites.s3.get_object(Bucket=sites.bucket, Key="public/index.html")["Body"].read().decode()
    assert "Published from site fra1" in page


def test_a_drained_writer_hands_over_to_the_healthy_site_and_stays_off(sites):
    primary_writing(sites)
    sites.primary.write_settings(SITE_DRAIN="true")
    rounds = rounds_of(sites, 8)
    assert writers(rounds) and set(writers(rounds)) == {"ams3"}, rounds  # the standby, from the first round on
    assert "lease released: drained by the operator (SITE_DRAIN)" in sites.primary.log_text()
    assert sites.public()["site"] == "ams3"


def test_a_name_twice_on_the_page_is_refused_in_two_site_mode(sites):
    page_path = "/api/status-page/elytra"
    reply = sites.primary.kuma.routes[page_path]
    page = json.loads(reply.body)
    monitors = page["publicGroupList"][0]["monitorList"]
    monitors[1]["name"] = monitors[0]["name"]
    sites.primary.kuma.routes[page_path] = Reply(200, reply.headers, json.dumps(page).encode())
    result = sites.primary.run()
    assert result.returncode == 2
    errors = [line for line in sites.primary.log_text().splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "exit 2: UPTIME_KUMA_STATUS_PAGE" in errors[0] and "HTTP kuma self" in errors[0], errors
    assert sites.primary.proxy.writes() == []


def test_sites_whose_public_settings_differ_both_warn_every_run(sites):
    sites.standby.write_settings(CACHE_MAX_AGE_SECONDS="30")
    for _ in range(2):
        sites.round()
    for site, other in ((sites.primary, "ams3"), (sites.standby, "fra1")):
        # The warning names the setting and both sites, never its value.
        warned = [
            line.split("site ", 1)[1]
            for line in site.log_text().splitlines()
            if "CACHE_MAX_AGE_SECONDS differ between" in line and other in line
        ]
        assert len(warned) >= 1, site.name
        assert not any("30" in line for line in warned), warned


def test_a_publish_by_hand_is_refused_with_two_sites(sites):
    primary_writing(sites)
    since = time.time()
    result = run_script("publish.py", "--env-file", str(sites.primary.env_file))
    assert result.returncode == 2
    assert "SITE_NAME: with two sites only the job publishes" in result.stderr
    assert sites.primary.proxy.writes(since) == []


def test_the_writers_unchanged_run_confirms_status_json_by_one_fenced_put_and_a_newer_object_stops_it(sites):
    primary_writing(sites)
    site, key = sites.primary, "public/status.json"
    believed = json.loads((site.folder / "state.json").read_text())["site"]["etags"][key]
    since = time.time()

    assert site.run().returncode == 0, site.log_text()[-2000:]

    assert public_puts(site, since) == [(f"/{sites.bucket}/{key}", 200)]  # one PUT, status.json alone
    assert [(m, n) for p, m, n in site.proxy.conditions if p.endswith(key)][-1] == (believed, None)
    body = sites.s3.get_object(Bucket=sites.bucket, Key=key)["Body"].read()
    assert body != body.rstrip() and json.loads(body)["site"] == "fra1"  # the term's token, after the value
    assert "status.json confirmed: one PUT" in site.log_text()

    def another_writer_first(path: str) -> None:  # lands between this run's bucket check and its PUT
        if path.endswith(key):
            site.proxy.before_put = None
            sites.s3.put_object(Bucket=sites.bucket, Key=key, Body=body.rstrip())  # another ETag

    site.proxy.before_put = another_writer_first
    since = time.time()

    site.run()

    assert public_puts(site, since) == [(f"/{sites.bucket}/{key}", 412)]
    assert "status.json not confirmed: another writer has written it since this site's last PUT" in site.log_text()
