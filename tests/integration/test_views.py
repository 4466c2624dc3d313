"""One truth from every site: the public files are a function of every counting site's view, with one id per
thing whoever writes. Real generators through the cron wrapper, stand-in Uptime Kumas that number the same
monitors, incidents and windows apart, one moto (tests/support/two_sites.py)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from support.kuma_replay import Reply
from support.two_sites import LEASE_SECONDS, Site, TwoSites

PREFIX = "public/"


@pytest.fixture
def sites(moto, tmp_path) -> Iterator[TwoSites]:
    pair = TwoSites(moto.url, tmp_path)
    yield pair
    pair.close()


@pytest.fixture
def with_incidents(moto, tmp_path) -> Iterator[TwoSites]:
    pair = TwoSites(moto.url, tmp_path, incidents=True)
    yield pair
    pair.close()


def set_status(site: Site, monitor_id: int, value: int) -> None:
    """Uptime Kuma at this site now says monitor_id is value (0 down, 1 up)."""
    reply = site.kuma.routes["/metrics"]
    pattern = rb'^(monitor_status\{[^\n]*monitor_id="%d"[^\n]*\}) \d+$' % monitor_id
    body, n = re.subn(pattern, rb"\1 %d" % value, reply.body, flags=re.M)
    assert n == 1, monitor_id
    site.kuma.routes["/metrics"] = Reply(reply.status, reply.headers, body)


def text(sites: TwoSites, key: str) -> str:
    return sites.s3.get_object(Bucket=sites.bucket, Key=PREFIX + key)["Body"].read().decode()


def component(sites: TwoSites, name: str) -> dict:
    return next(c for c in sites.public(PREFIX + "api/v2/components.json")["components"] if c["name"] == name)


def rounds_until(sites: TwoSites, done, most: int = 8, who: list[Site] | None = None) -> list[dict[str, int]]:
    """Rounds of the sites until done() holds; never two writers in one round."""
    seen = []
    for _ in range(most):
        seen.append(sites.round(who))
        assert sum(1 for n in seen[-1].values() if n) <= 1, seen
        if done():
            return seen
    raise AssertionError(f"not reached in {most} rounds: {seen}")


def writing(sites: TwoSites) -> None:
    """The primary writes, and every other site's view counts in what it publishes."""
    assert sites.primary.run().returncode == 0, sites.primary.log_text()[-2000:]
    count = ", ".join(sorted(s.name for s in sites.sites))
    rounds_until(sites, lambda: f"views: {count} count" in sites.primary.log_text())


def test_down_at_one_site_and_up_at_the_other_is_a_partial_outage_named_on_the_page_the_api_and_the_feed(sites):
    for site, offset in zip(sites.sites, (0, 100), strict=True):
        for monitor in (4, 5):  # the capture's two down monitors come up: all operational
            set_status(site, monitor + offset, 1)
    reply = sites.standby.kuma.routes["/metrics"]  # ams3's Uptime Kuma counts another 24 h figure
    pattern = rb'^(monitor_uptime_ratio\{[^\n]*monitor_id="101"[^\n]*window="1d"\}) 1$'
    body, n = re.subn(pattern, rb"\1 0.5", reply.body, flags=re.M)
    sites.standby.kuma.routes["/metrics"] = Reply(reply.status, reply.headers, body)
    assert n == 1
    writing(sites)
    rounds_until(sites, lambda: sites.public()["platform_status"] == "operational")
    set_status(sites.standby, 101, 0)  # "HTTP kuma self" is down as seen from ams3 only

    rounds_until(sites, lambda: component(sites, "HTTP kuma self")["status"] == "partial_outage")

    split = component(sites, "HTTP kuma self")
    assert split["description"] == "Down from ams3, up from fra1"
    assert split["where"] == {"down": ["ams3"], "up": ["fra1"]}
    assert sites.public()["platform_status"] == "degraded"
    page = text(sites, "index.html")
    assert "Partial outage: HTTP kuma self" in page and "Down from ams3, up from fra1" in page
    assert "uptime figures measured from site fra1" in page
    assert "HTTP kuma self: down from ams3, up from fra1." in text(sites, "history.atom")
    assert sites.public(PREFIX + "api/v2/summary.json")["page"]["uptime_site"] == "fra1"
    assert split["uptime"]["last_24h"] == 100.0  # the primary's Uptime Kuma's figure, not ams3's 50
    # The views and the record are private: an anonymous reader gets 403.
    for key in (".sites/view-fra1.json", ".sites/view-ams3.json", ".sites/record.json"):
        assert requests.get(f"{sites.moto_url}/{sites.bucket}/{PREFIX}{key}", timeout=5).status_code == 403, key
    # Down at both: a major outage, as with one site.
    set_status(sites.primary, 1, 0)
    rounds_until(sites, lambda: component(sites, "HTTP kuma self")["status"] == "major_outage")
    assert "where" not in component(sites, "HTTP kuma self")


def published_ids(sites: TwoSites) -> dict[str, object]:
    """Every id readers see: components, incidents, windows, feed entries, calendar events, incident pages."""
    summary = sites.public(PREFIX + "api/v2/summary.json")
    feed = text(sites, "history.atom")
    calendar = text(sites, "maintenance.ics")
    pages = sites.s3.list_objects_v2(Bucket=sites.bucket, Prefix=PREFIX + "incidents/").get("Contents", [])
    return {
        "components": [c["id"] for c in summary["components"]],
        "incidents": sorted(i["id"] for i in sites.public(PREFIX + "api/v2/incidents.json")["incidents"]),
        "open": sorted(i["id"] for i in summary["incidents"]),
        "windows": sorted(m["id"] for m in summary["scheduled_maintenances"]),
        "shortlinks": sorted(i["shortlink"] for i in summary["incidents"] + summary["scheduled_maintenances"]),
        "feed": sorted(re.findall(r"<id>([^<]+)</id>", feed)),
        "calendar": sorted(re.findall(r"^(?:UID|DTSTART):.*$", calendar, flags=re.M)),
        "pages": sorted(o["Key"] for o in pages),
    }


def test_a_handoff_mid_incident_and_mid_maintenance_and_back_keeps_every_id_and_adds_no_entry(with_incidents):
    sites = with_incidents
    writing(sites)
    before = published_ids(sites)
    assert before["open"] and before["windows"] and before["components"]
    assert sites.public()["site"] == "fra1"
    # A standby builds nothing: no day, no status change of its own view to carry into the feed.
    standby = json.loads((sites.standby.folder / "state.json").read_text())["history"]
    assert not standby.get("days") and "changes" not in standby

    sites.primary.write_settings(SITE_DRAIN="true")
    rounds_until(sites, lambda: sites.public()["site"] == "ams3")
    assert published_ids(sites) == before
    sites.primary.write_settings(SITE_DRAIN="false")
    rounds_until(sites, lambda: sites.public()["site"] == "fra1", most=12)
    assert published_ids(sites) == before
    # The incident pages the shortlinks point to were written by both sites in turn.
    key = PREFIX + before["pages"][0].removeprefix(PREFIX)
    assert sites.s3.head_object(Bucket=sites.bucket, Key=key)["Metadata"]["generator"]


def test_an_incident_at_one_site_only_stays_listed_when_that_site_stops_until_it_is_retired(with_incidents):
    sites = with_incidents
    reply = sites.primary.kuma.routes["/api/status-page/elytra"]
    page = json.loads(reply.body)
    page.update(incidents=[], maintenanceList=[])  # posted on ams3's Uptime Kuma only
    sites.primary.kuma.routes["/api/status-page/elytra"] = Reply(200, reply.headers, json.dumps(page).encode())
    writing(sites)
    listed = published_ids(sites)
    assert listed["open"] == ["i112", "i113"], listed  # ams3's own ids: it showed them first
    assert listed["windows"]

    started = time.time()  # ams3 stops; fra1 runs on until ams3's view is stale
    while "ams3 (stale)" not in sites.primary.log_text():
        assert time.time() - started < LEASE_SECONDS + 30, "ams3's view never went stale"
        assert sites.primary.run().returncode == 0
    assert sites.primary.run().returncode == 0
    still = published_ids(sites)
    assert still["open"] == listed["open"] and still["windows"] == listed["windows"]
    unresolved = sites.public(PREFIX + "api/v2/incidents/unresolved.json")["incidents"]
    assert [i["status"] for i in unresolved] == ["investigating", "investigating"]

    # The operator retires ams3: its view deleted from the bucket (README "Two sites").
    sites.s3.delete_object(Bucket=sites.bucket, Key=PREFIX + ".sites/view-ams3.json")
    assert sites.primary.run().returncode == 0
    assert sites.public(PREFIX + "api/v2/incidents/unresolved.json")["incidents"] == []
    resolved = sites.public(PREFIX + "api/v2/incidents.json")["incidents"]
    assert {i["id"]: i["status"] for i in resolved if i["id"] in listed["open"]} == dict.fromkeys(
        listed["open"], "resolved"
    )


def ninety_days(names: list[str]) -> dict:
    """history.json as a single site publishes it after 90 days: its components m<Uptime Kuma id>."""
    today = datetime.now(UTC).date()
    ids = [f"m{n}" for n in range(1, len(names) + 1)]
    days = [(today - timedelta(days=n)).isoformat() for n in range(89, 0, -1)]
    subjects = ["platform", *ids]
    return {
        "schema_version": 1,
        "updated_at": f"{days[-1]}T23:59:00.000Z",
        "components": [{"id": i, "name": n, "group_id": "g1"} for i, n in zip(ids, names, strict=True)],
        "days": [
            {
                "date": day,
                "worst": dict.fromkeys(subjects, "operational"),
                "minutes": {s: {"operational": 1440} for s in subjects},
                "uptime": dict.fromkeys(subjects, 99.5),
            }
            for day in days
        ],
        "incidents": [],
        "maintenances": [],
    }


def kept(sites: TwoSites) -> dict[str, object]:
    history = sites.public(PREFIX + "history.json")
    found = published_ids(sites)
    return {
        "components": found["components"],
        "open": found["open"],
        "windows": found["windows"],
        "days": [d["date"] for d in history["days"]],
    }


def test_one_site_to_two_and_back_keeps_every_component_id_history_day_and_incident_id(with_incidents):
    sites = with_incidents
    names = ["API", "TCP port", "Keyword OK", "Closed port", "Keyword missing"]
    seeded = ninety_days(names)
    sites.s3.put_object(Bucket=sites.bucket, Key=PREFIX + "history.json", Body=json.dumps(seeded).encode())
    two_site = {k: sites.primary.settings.pop(k) for k in ("SITE_NAME", "SITE_ROLE", "SITE_LEASE_SECONDS")}
    sites.primary.write_settings()
    assert sites.primary.run().returncode == 0, sites.primary.log_text()[-2000:]
    one = kept(sites)
    assert one["components"][:6] == ["g1", "m1", "m2", "m3", "m4", "m5"]
    assert one["days"][:89] == [d["date"] for d in seeded["days"]] and len(one["days"]) == 90

    sites.primary.write_settings(**two_site)
    writing(sites)
    sites.primary.write_settings(SITE_DRAIN="true")
    rounds_until(sites, lambda: sites.public()["site"] == "ams3")
    assert kept(sites) == one

    for key in two_site:  # back to one site: ams3 stops, fra1 drops its site settings
        sites.primary.settings.pop(key)
    sites.primary.settings.pop("SITE_DRAIN")
    sites.primary.write_settings()
    assert sites.primary.run().returncode == 0, sites.primary.log_text()[-2000:]
    assert sites.public()["site"] is None
    assert kept(sites) == one
    said = sites.primary.log_text()
    assert "back to one site (SITE_NAME was fra1)" in said and "another writer" not in said


def test_three_sites_one_writer_and_a_split_names_every_side(moto, tmp_path):
    sites = TwoSites(moto.url, tmp_path, count=3)
    try:
        writing(sites)
        set_status(sites.sites[2], 201, 0)  # "HTTP kuma self" down as seen from waw1 only
        rounds_until(sites, lambda: component(sites, "HTTP kuma self")["status"] == "partial_outage")
        assert component(sites, "HTTP kuma self")["description"] == "Down from waw1, up from ams3, fra1"
        assert sites.lease()["site"] == "fra1"
    finally:
        sites.close()
