"""Two sites set up wrong are refused or warned, both sides named; intermittent faults cannot swing the lease.
Real generators under cron's wrapper, one moto, a logging proxy per site."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from support.commands import run_script
from support.s3_proxy import S3Proxy
from support.two_sites import LEASE_SECONDS, Site, TwoSites, handoffs, primary_writing, rounds_of, writers

LEASE_KEY = "public/.sites/lease.json"


@pytest.fixture
def sites(moto, tmp_path) -> Iterator[TwoSites]:
    pair = TwoSites(moto.url, tmp_path)
    yield pair
    pair.close()


def copy_of_the_primary(sites: TwoSites) -> Site:
    """The primary's config on another install: the same SITE_NAME, its own folder, state and proxy."""
    folder = sites.primary.folder.with_name("fra1-copy")
    folder.mkdir()
    copy = Site("fra1", "primary", folder, sites.primary.kuma, S3Proxy(sites.moto_url))
    copy.write_settings(**sites.settings_of(copy))
    return copy


def health_age(sites: TwoSites, name: str) -> float:
    head = sites.s3.head_object(Bucket=sites.bucket, Key=f"public/.sites/health-{name}.json")
    return time.time() - head["LastModified"].timestamp()


def test_a_second_install_of_one_site_name_is_refused_while_the_first_is_live_and_not_once_it_is_gone(sites):
    primary_writing(sites)
    copy = copy_of_the_primary(sites)
    try:
        result = copy.run()
        assert result.returncode == 2, copy.log_text()[-2000:]
        refused = [line for line in copy.log_text().splitlines() if "SITE_NAME: fra1 is also the name" in line]
        assert len(refused) == 1 and "holds the lease" in refused[0], copy.log_text()[-2000:]
        assert copy.proxy.writes() == [] and sites.lease()["site"] == "fra1"
        # The install that holds the lease keeps going.
        assert sites.primary.run().returncode == 0
        # The first install's VM is gone: once its health is stale, the rebuilt one runs under the name.
        while health_age(sites, "fra1") < LEASE_SECONDS + 1:
            time.sleep(0.5)
        result = copy.run()
        assert result.returncode == 0, copy.log_text()[-2000:]
        assert sites.lease()["site"] == "fra1" and copy.proxy.writes(public=False)
    finally:
        copy.proxy.close()


def test_one_site_on_a_folder_with_a_live_two_site_lease_is_refused_and_not_once_it_was_released(sites):
    primary_writing(sites)
    alone = sites.standby
    alone.write_settings(SITE_NAME="", SITE_ROLE="")
    before = sites.s3.get_object(Bucket=sites.bucket, Key="public/history.json")["Body"].read()
    result = alone.run()
    assert result.returncode == 2
    line = [x for x in alone.log_text().splitlines() if "SITE_NAME: empty (one site), but fra1 holds the lease" in x]
    assert len(line) == 1, alone.log_text()[-2000:]
    assert alone.proxy.writes() == []
    assert sites.s3.get_object(Bucket=sites.bucket, Key="public/history.json")["Body"].read() == before
    released = {"version": 1, "site": None, "seconds": LEASE_SECONDS, "token": "00"}
    sites.s3.put_object(Bucket=sites.bucket, Key=LEASE_KEY, Body=json.dumps(released).encode())
    assert alone.run().returncode == 0, alone.log_text()[-2000:]
    assert alone.proxy.writes()


def test_a_lease_claiming_a_day_from_a_site_with_no_health_is_honoured_for_this_sites_lease_only(sites):
    claimed = {"version": 1, "site": "zzz9", "seconds": 86_400, "token": "00"}
    sites.s3.put_object(Bucket=sites.bucket, Key=LEASE_KEY, Body=json.dumps(claimed).encode())
    written = time.time()
    while not sites.primary.proxy.writes():
        assert time.time() - written < LEASE_SECONDS + 15, sites.primary.log_text()[-2000:]
        assert sites.primary.run().returncode == 0
        time.sleep(1)
    assert time.time() - written >= LEASE_SECONDS
    assert sites.lease()["site"] == "fra1"
    log = sites.primary.log_text()
    assert "site fra1: the lease is held by zzz9, which writes no fresh health object" in log
    assert "site fra1: SITE_LEASE_SECONDS: zzz9's lease claims 86400s; fra1 honours it for its own 12s at most" in log


def test_two_primaries_and_differing_lease_lengths_are_warned_at_both_sites_naming_both(sites):
    sites.standby.write_settings(SITE_ROLE="primary", SITE_LEASE_SECONDS="20")
    primary_writing(sites)
    sites.round()
    for site, other in ((sites.primary, "ams3"), (sites.standby, "fra1")):
        log = site.log_text()
        assert f"SITE_ROLE: {site.name} and {other} are both primary" in log
        lengths = {"fra1": 12, "ams3": 20}
        assert f"SITE_LEASE_SECONDS differs: {site.name} {lengths[site.name]}s, {other} {lengths[other]}s" in log


def test_a_lease_shorter_than_the_time_between_runs_is_warned_with_both_figures(sites):
    sites.primary.write_settings(SITE_LEASE_SECONDS="10")
    assert sites.primary.run().returncode == 0
    time.sleep(11)  # the time between two runs is what is being tested, not a wait for readiness
    assert sites.primary.run().returncode == 0
    log = sites.primary.log_text()
    assert "fra1's lease of 10s is not longer than the time between its runs (1" in log, log[-2000:]


def test_intermittent_cuts_of_the_primary_from_the_bucket_make_at_most_two_handoffs_in_forty_runs(sites):
    """The standby holds the lease (the primary was away); the primary is back but cut off 2 runs in 5."""
    for site in sites.sites:
        site.write_settings(SITE_HOLD_SECONDS="10")
    assert sites.standby.run().returncode == 0 and sites.lease()["site"] == "ams3"
    cut = {"on": False}
    sites.primary.proxy.refuse = lambda method, path: 503 if cut["on"] else None
    rounds = []
    for n in range(40):
        cut["on"] = n % 5 in (3, 4)
        rounds += rounds_of(sites, 1)
    assert handoffs(["ams3", *writers(rounds)]) <= 2, rounds


def test_public_check_at_the_site_that_is_not_writing_is_ok_while_the_other_publishes(sites):
    url = f"{sites.moto_url}/{sites.bucket}/public/status.json"
    for site in sites.sites:
        site.write_settings(STATUS_PUBLIC_URL=url)
    primary_writing(sites)
    sites.round()
    for site in sites.sites:
        result = run_script("public_check.py", "--env-file", str(site.env_file))
        assert result.returncode == 0 and result.stdout.startswith("OK:"), (site.name, result.stdout, result.stderr)
    # A writer no site knows is still named.
    sites.s3.put_object(
        Bucket=sites.bucket,
        Key="public/status.json",
        Body=sites.s3.get_object(Bucket=sites.bucket, Key="public/status.json")["Body"].read(),
        ContentType="application/json",
        ACL="public-read",
        Metadata={"generator": "f" * 32},
    )
    result = run_script("public_check.py", "--env-file", str(sites.standby.env_file))
    assert result.returncode == 2 and "written by another writer" in result.stdout, result.stdout
