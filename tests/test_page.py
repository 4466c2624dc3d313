"""The human status page and its feed, loaded from the moto bucket's public URL in Debian's Chromium."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import history
from browser_page import ARTIFACTS, axe_source, browser
from conftest import cron_run, write_env
from kuma_replay import Reply, capture

HOSTILE = (
    "<script>alert('x')</script><img src=x onerror=alert(1)> **bold** "
    "[click me](javascript:alert(1)) <a href='javascript:alert(2)'>a</a> "
    "שירות האחסון מושבת \u202e reversed \u202c " + "long " * 2000
)


@pytest.fixture
def published(moto, s3, job_env, kuma, status_bucket, tmp_path):
    """One cron run against the 2.5.3 page with incidents and maintenance; returns (base URL, env file)."""
    kuma.serve_incidents("2.5.3-incident")
    env = {
        **job_env,
        "UPTIME_KUMA_STATUS_PAGE": "elytra",
        "STATUS_PUBLIC_URL": f"{moto.url}/{status_bucket}/public/status.json",
    }
    env_file = write_env(tmp_path / "page.env", env)
    result = cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert result.returncode in (0, 3), result.stdout
    return f"{moto.url}/{status_bucket}/public", env_file


def test_the_page_shows_status_services_incidents_and_maintenance_from_its_own_origin(published):
    base, _ = published
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as chromium:
        for scheme in ("light", "dark"):
            for width, height in ((1280, 800), (375, 812)):
                context = chromium.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
                tab = context.new_page()
                requests: list[str] = []
                tab.on("request", lambda r, seen=requests: seen.append(r.url))
                tab.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
                tab.goto(f"{base}/index.html", wait_until="load")
                banner = tab.locator(".banner").inner_text()
                assert "degraded" in banner.lower() or "outage" in banner.lower()
                assert tab.get_by_text("Services", exact=True).first.is_visible()
                for name in ("API", "Closed port", "Pending", "Maint"):
                    assert tab.get_by_text(name, exact=True).first.is_visible(), name
                incident = tab.locator("article", has_text="Object storage degraded")
                assert incident.locator("strong", has_text="object storage").count() == 1  # Markdown rendered
                assert incident.locator("li").count() == 3
                assert tab.locator("article", has_text="Network switch replacement").is_visible()
                assert tab.locator("#stale").is_hidden()
                assert "updated just now" in tab.locator("#ago").inner_text()
                assert all(url.startswith(base) for url in requests), requests
                tab.screenshot(path=str(ARTIFACTS / f"page-{width}x{height}-{scheme}.png"), full_page=False)
                tab.locator(".bar").nth(2).focus()  # a service's bar: its last day is told
                assert "uptime" in tab.locator("#tip").inner_text() or "no data" in tab.locator("#tip").inner_text()
                tab.screenshot(path=str(ARTIFACTS / f"page-{width}x{height}-{scheme}-full.png"), full_page=True)
                context.close()


def test_with_javascript_off_the_status_still_shows(published):
    base, _ = published
    with browser() as chromium:
        context = chromium.new_context(java_script_enabled=False)
        tab = context.new_page()
        tab.goto(f"{base}/index.html")
        assert tab.locator(".banner").is_visible()
        assert tab.locator(".svc .state").first.is_visible()
        assert "If that is more than" in tab.content()  # the noscript freshness note
        context.close()


def test_old_data_says_plainly_that_it_may_be_out_of_date(published):
    base, _ = published
    with browser() as chromium:
        context = chromium.new_context()
        tab = context.new_page()
        tab.clock.set_fixed_time(datetime.now(UTC) + timedelta(hours=2))  # the visitor comes two hours later
        tab.goto(f"{base}/index.html")
        assert tab.locator("#stale").is_visible()
        assert "may be out of date" in tab.locator("#stale").inner_text()
        context.close()


def test_axe_finds_no_serious_or_critical_violation(published):
    base, _ = published
    with browser() as chromium:
        for scheme in ("light", "dark"):
            context = chromium.new_context(bypass_csp=True, color_scheme=scheme)  # axe is injected by the test
            tab = context.new_page()
            tab.goto(f"{base}/index.html")
            tab.evaluate(axe_source())
            result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            bad = [
                (v["id"], v["impact"], len(v["nodes"]))
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert bad == [], bad
            context.close()


def test_hostile_incident_text_renders_as_text_and_no_script_runs(published, kuma, tmp_path):
    base, env_file = published
    page = json.loads(capture("2.5.3-incident", "status-page_elytra.txt").body)
    page["incidents"][0]["content"] = HOSTILE
    page["incidents"][0]["title"] = "<script>alert('title')</script>"
    kuma.routes["/api/status-page/elytra"] = Reply(
        200, [("Content-Type", "application/json")], json.dumps(page).encode()
    )
    assert cron_run("generate_and_upload.sh", env_file, tmp_path).returncode in (0, 3)
    with browser() as chromium:
        context = chromium.new_context()
        tab = context.new_page()
        dialogs: list[str] = []
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.goto(f"{base}/index.html")
        assert dialogs == []
        assert tab.locator("script").count() == 1  # ours, and no other
        assert tab.locator("img").count() == 0
        assert tab.locator("a[href^='javascript']").count() == 0
        article = tab.locator("article", has_text="alert('title')")
        assert "<script>alert('x')</script>" in article.inner_text()
        assert article.locator("strong", has_text="bold").count() == 1
        tab.screenshot(path=str(ARTIFACTS / "page-hostile.png"))
        context.close()


def test_the_feed_parses_and_its_ids_are_stable(published, tmp_path):
    import feedparser
    import requests as http

    base, env_file = published
    first = feedparser.parse(http.get(f"{base}/history.atom", timeout=5).content)
    assert cron_run("generate_and_upload.sh", env_file, tmp_path).returncode in (0, 3)
    second = feedparser.parse(http.get(f"{base}/history.atom", timeout=5).content)
    assert first.bozo == 0 and first.version == "atom10"
    titles = [e.title for e in first.entries]
    assert "Incident: Object storage degraded" in titles and any(t.startswith("Resolved: ") for t in titles)
    assert any(t.startswith("Maintenance: ") for t in titles)
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    updated = [e.updated for e in first.entries]
    assert updated == sorted(updated, reverse=True)


def test_the_page_weighs_under_60_kb_with_50_services_and_90_days():
    import bundle
    import page as page_module
    from kuma_public import PageGroup, PageMonitor, PublishedPage
    from run_state import BundleMemory

    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    published = PublishedPage("big", "Big")
    for g in range(5):
        published.groups.append(
            PageGroup(
                g + 1, f"Group {g}", tuple(PageMonitor(g * 10 + i + 1, f"Service {g}-{i}", "http") for i in range(10))
            )
        )
    document = {
        "platform_status": "degraded",
        "maintenance": False,
        "updated_at": "2026-11-28T12:00:00Z",
        "uptime": {"last_24h": 99.9, "last_7d": None, "last_30d": None},
        "backups": {"last_backup_status": "success", "last_backup_time": None},
    }
    files = bundle.build(document, published, {i: i % 4 for i in range(1, 51)}, None, BundleMemory(), "", now)
    memory: dict = {}
    for back in range(120, 0, -1):  # four months of runs, a run every 6 hours
        for hour in (0, 6, 12, 18):
            moment = now - timedelta(days=back) + timedelta(hours=hour)
            figures = {"platform": 99.5, **{f"m{i}": 99.0 + (i % 10) / 10 for i in range(1, 51)}}
            history.record(memory, document, files["api/v2/summary.json"]["components"], figures, moment)
    html = page_module.render_page(files, document, memory, 900, now)
    assert len(memory["days"]) == history.DAYS
    assert len(html.encode()) < 60_000, len(html.encode())
