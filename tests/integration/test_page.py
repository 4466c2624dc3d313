"""The human status page and its feed, loaded from the moto bucket's public URL in Debian's Chromium."""

from __future__ import annotations

from support.commands import cron_run


def test_the_feed_parses_and_its_ids_are_stable(published, tmp_path):
    import feedparser
    import requests as http

    base, env_file = published
    first = feedparser.parse(http.get(f"{base}/history.atom", timeout=5).content)
    assert cron_run("generate_and_upload.sh", env_file, tmp_path).returncode in (0, 3)
    second = feedparser.parse(http.get(f"{base}/history.atom", timeout=5).content)
    assert first.bozo == 0 and first.version == "atom10"
    titles = [e.title for e in first.entries]
    assert "Major impact: Object storage degraded" in titles and any(t.startswith("Resolved: ") for t in titles)
    assert any(t.startswith("Maintenance: ") for t in titles)
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    updated = [e.updated for e in first.entries]
    assert updated == sorted(updated, reverse=True)


def test_every_incident_page_calendar_and_kuma_json_answers_from_the_bucket_with_its_type(published):
    import icalendar
    import requests as http

    base, _ = published
    incidents = http.get(f"{base}/api/v2/incidents.json", timeout=5).json()["incidents"]
    windows = http.get(f"{base}/api/v2/scheduled-maintenances.json", timeout=5).json()["scheduled_maintenances"]
    assert len(incidents) >= 10 and len(windows) >= 3
    for item in incidents + windows:
        assert item["shortlink"] == f"{base}/incidents/{item['id']}.html"
        answer = http.get(item["shortlink"], timeout=5)
        assert answer.status_code == 200, item["shortlink"]
        assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
        assert item["name"] in answer.text
    calendar = http.get(f"{base}/maintenance.ics", timeout=5)
    assert calendar.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = list(icalendar.Calendar.from_ical(calendar.content).walk("VEVENT"))
    assert {str(e["SUMMARY"]) for e in events} == {w["name"] for w in windows}
    for path in ("api/status-page/elytra", "api/status-page/heartbeat/elytra"):
        answer = http.get(f"{base}/{path}", timeout=5)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json", path
    beats = http.get(f"{base}/api/status-page/heartbeat/elytra", timeout=5).json()
    status = http.get(f"{base}/api/status-page/elytra", timeout=5).json()
    assert status["incident"]["title"] == "Object storage degraded"  # the newest open one
    assert all(isinstance(v, list) for v in beats["heartbeatList"].values())
    assert all(beat["msg"] == "" for v in beats["heartbeatList"].values() for beat in v)
    feed = feedparser_entries(f"{base}/history.atom")
    for entry in feed:
        assert http.get(entry.link, timeout=5).status_code == 200, entry.link


def feedparser_entries(url: str) -> list:
    import feedparser
    import requests as http

    return feedparser.parse(http.get(url, timeout=5).content).entries


def test_no_public_file_carries_more_than_the_published_page_shows(published, s3, status_bucket, bucket, kuma):
    """No URL, host, port, tag, error text or hidden monitor of Uptime Kuma's, in any public object."""
    import requests as http

    base, _ = published
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=status_bucket)["Contents"]]
    public = [k for k in keys if "/.sites/" not in k]
    assert any(k.startswith("public/incidents/") for k in public) and "public/maintenance.ics" in public
    forbidden = [
        kuma.url.split("//")[1],
        ":3201",
        ":3202",
        ":3203",
        ":3208",
        ":3209",
        "euwest",
        "Hidden",
        "robots.txt",
        "ECONNREFUSED",
        bucket,
        "monitor_",
    ]
    for key in public:
        body = http.get(f"{base}/{key.removeprefix('public/')}", timeout=5).text
        found = [token for token in forbidden if token in body]
        assert found == [], (key, found)
