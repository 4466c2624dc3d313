"""The human status page and its feed, loaded from the moto bucket's public URL in Debian's Chromium."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from support.browser_page import ARTIFACTS, axe_source, browser
from support.commands import cron_run
from support.kuma_replay import Reply, capture

HOSTILE = (
    "<script>alert('x')</script><img src=x onerror=alert(1)> **bold** "
    "[click me](javascript:alert(1)) <a href='javascript:alert(2)'>a</a> "
    "שירות האחסון מושבת \u202e reversed \u202c " + "long " * 2000
)


def where(base: str, name: str) -> tuple[str, str]:
    """The bucket and key of a public file under base (the moto bucket's public folder URL)."""
    bucket, folder = base.split("/", 3)[3].split("/", 1)
    return bucket, f"{folder}/{name}"


def put_public(s3, base: str, name: str, body: bytes, content_type: str) -> None:
    bucket, key = where(base, name)
    s3.put_object(Bucket=bucket, Key=key, Body=body, ACL="public-read", ContentType=content_type)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_page_at(s3, base: str, moment: datetime) -> None:
    """index.html as a run at moment would have built it: the same page, its build time moved."""
    page = requests.get(f"{base}/index.html", timeout=10).text
    built = re.search(r'<time id="updated" datetime="([^"]+)"', page).group(1)
    page = page.replace(f'datetime="{built}"', f'datetime="{stamp(moment)}"')
    put_public(s3, base, "index.html", page.encode(), "text/html; charset=utf-8")


def confirm_at(s3, base: str, moment: datetime, **changes: object) -> None:
    """status.json as a confirmation at moment would have put it, with any field changed."""
    document = requests.get(f"{base}/status.json", timeout=10).json()
    document.update(updated_at=stamp(moment), **changes)
    put_public(s3, base, "status.json", json.dumps(document).encode(), "application/json")


def checked(tab) -> int:
    """The seconds the page's freshness line says, once its script has written it."""
    tab.wait_for_function("() => /\\d/.test(document.getElementById('ago').textContent)")
    number, unit = re.search(r"(\d+)\xa0(\w+)", tab.locator("#ago").inner_text()).groups()
    return int(number) * {"h": 3600, "Std": 3600, "min": 60, "Min": 60, "s": 1, "Sek": 1}[unit]


def console_errors(tab) -> list[str]:
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


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
                errors = console_errors(tab)
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
                assert checked(tab) < 120  # the status.json of this run: seconds ago
                assert f"{base}/status.json" in requests and errors == [], errors
                assert all(url.startswith(base) for url in requests), requests
                tab.screenshot(path=str(ARTIFACTS / f"page-{width}x{height}-{scheme}.png"), full_page=False)
                tab.locator(".bar").nth(2).focus()  # a service's bar: its last day is told
                assert "uptime" in tab.locator("#tip").inner_text() or "no data" in tab.locator("#tip").inner_text()
                tab.keyboard.press("ArrowLeft")
                tab.keyboard.press("ArrowLeft")  # a day told "=", like the one before it: no run, no data
                assert tab.locator("#tip").inner_text().endswith(": no data"), tab.locator("#tip").inner_text()
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
        built = tab.locator("#updated").get_attribute("datetime")
        assert built == requests.get(f"{base}/status.json", timeout=10).json()["updated_at"]
        assert tab.locator("#updated").inner_text().startswith("generated ") and tab.locator("#ago").inner_text() == ""
        context.close()


def test_old_data_says_plainly_that_it_may_be_out_of_date(published, s3):
    base, _ = published
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    build_page_at(s3, base, two_hours_ago)  # the page of a set uploaded two hours ago ...
    with browser() as chromium:
        context = chromium.new_context()
        tab = context.new_page()
        tab.goto(f"{base}/index.html")  # ... confirmed a minute ago: live, not stale
        assert checked(tab) < 120 and tab.locator("#stale").is_hidden()
        confirm_at(s3, base, two_hours_ago)  # ... and not confirmed since: stale
        tab.reload()
        assert checked(tab) >= 2 * 3600 - 5
        assert tab.locator("#stale").is_visible()
        assert "may be out of date" in tab.locator("#stale").inner_text()
        context.close()


def test_the_freshness_line_says_when_status_json_last_confirmed_the_page_and_ticks(published, s3):
    """The page built 10 minutes ago, status.json confirmed 42 s ago: "checked 42 s ago", counting up."""
    base, _ = published
    build_page_at(s3, base, datetime.now(UTC) - timedelta(minutes=10))
    confirm_at(s3, base, datetime.now(UTC) - timedelta(seconds=42))
    with browser() as chromium:
        context = chromium.new_context()
        tab = context.new_page()
        errors = console_errors(tab)
        with tab.expect_response(lambda r: r.url == f"{base}/status.json") as fetched:
            tab.goto(f"{base}/index.html")
        assert fetched.value.status == 200 and fetched.value.request.resource_type == "fetch"
        first = checked(tab)
        assert 41 <= first <= 52, first  # the Date header counts whole seconds; the load takes a few
        assert re.fullmatch(r"· checked \d+\xa0s ago", tab.locator("#ago").inner_text())
        tab.wait_for_function(f"() => +document.getElementById('ago').textContent.match(/\\d+/)[0] > {first}")
        assert errors == [], errors  # the CSP lets the fetch through: no "Refused to connect"
        assert tab.locator("#changed").is_hidden() and tab.locator("#stale").is_hidden()
        context.close()


def test_a_visitor_whose_clock_is_two_hours_fast_still_sees_fresh_data_as_fresh(published):
    base, _ = published
    with browser() as chromium:
        context = chromium.new_context()
        tab = context.new_page()
        tab.clock.set_fixed_time(datetime.now(UTC) + timedelta(hours=2))
        tab.goto(f"{base}/index.html")
        assert checked(tab) < 120  # from the store's Date header, not the visitor's clock
        assert tab.locator("#stale").is_hidden()
        context.close()


def test_without_status_json_the_page_tells_its_own_age_quietly(published, s3):
    base, _ = published
    build_page_at(s3, base, datetime.now(UTC) - timedelta(minutes=10))
    bucket, key = where(base, "status.json")
    s3.put_object_acl(Bucket=bucket, Key=key, ACL="private")  # the fetch is refused (403)
    with browser() as chromium:
        context = chromium.new_context()
        tab = context.new_page()
        tab.goto(f"{base}/index.html")
        assert 600 <= checked(tab) < 660  # "checked 10 min ago": the page's own build
        assert tab.locator("#ago").inner_text() == "· checked 10\xa0min ago"
        assert tab.locator("#changed").is_hidden() and tab.locator("#stale").is_hidden()
        context.close()


@pytest.mark.parametrize(
    "changes",
    [
        {"platform_status": "outage"},  # the page's own status is degraded
        {"backups": {"last_backup_status": "failed", "last_backup_time": None}},  # its backups were a success
    ],
)
def test_a_newer_status_json_that_says_otherwise_asks_for_a_reload(published, s3, changes):
    base, _ = published
    build_page_at(s3, base, datetime.now(UTC) - timedelta(minutes=3))
    confirm_at(s3, base, datetime.now(UTC), **changes)
    with browser() as chromium:
        context = chromium.new_context()
        tab = context.new_page()
        tab.goto(f"{base}/index.html")
        tab.locator("#changed").wait_for(state="visible")
        assert "reload the page" in tab.locator("#changed").inner_text()
        assert 180 <= checked(tab) < 240  # what confirmed this page is its build, not the newer file
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


PAGES = {"front": "index.html", "incident": "incidents/i13.html"}
SIZES = {"desktop": (1280, 800), "phone": (360, 780)}


def test_every_page_in_both_languages_light_and_dark_on_desktop_and_phone_passes_axe(deployment):
    """0 axe violations of any impact, colour contrast included; screenshots of each, for people to look at."""
    bases = {language: deployment(language) for language in ("en", "de")}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as chromium:
        for language, base in bases.items():
            for name, path in PAGES.items():
                for scheme in ("light", "dark"):
                    for size, (width, height) in SIZES.items():
                        viewport = {"width": width, "height": height}
                        # axe is injected by the test: the page's own CSP allows only its one script.
                        context = chromium.new_context(viewport=viewport, color_scheme=scheme, bypass_csp=True)
                        tab = context.new_page()
                        tab.goto(f"{base}/{path}", wait_until="load")
                        if name == "front":
                            checked(tab)  # the freshness line, before the screenshot
                        assert tab.locator("html").get_attribute("lang") == language
                        # The feed is discoverable and the page is laid out for the phone it is on.
                        assert tab.locator('link[rel="alternate"][type="application/atom+xml"]').count() == 1
                        assert "width=device-width" in tab.locator('meta[name="viewport"]').get_attribute("content")
                        assert tab.evaluate("document.documentElement.scrollWidth") <= width, (language, name, size)
                        background = tab.evaluate("getComputedStyle(document.body).backgroundColor")
                        assert (background == "rgb(15, 20, 25)") == (scheme == "dark"), background
                        tab.screenshot(path=str(ARTIFACTS / f"{name}-{language}-{size}-{scheme}.png"))
                        tab.evaluate(axe_source())
                        result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                        found = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]]
                        assert found == [], (language, name, scheme, size, found)
                        context.close()


def test_the_german_deployment_speaks_german_with_german_dates_and_numbers(deployment):
    base = deployment("de")
    with browser() as chromium:
        context = chromium.new_context()
        tab = context.new_page()
        tab.goto(f"{base}/index.html", wait_until="load")
        text = tab.locator("main").inner_text()
        assert "Aktuelle Vorfälle" in text and "Frühere Vorfälle" in text and "Wartungskalender abonnieren" in text
        assert "starke auswirkung" in text.lower() and "Teilausfall: " in tab.locator(".banner").inner_text()
        checked(tab)
        assert re.fullmatch(r"· vor \d+\xa0Sek\. geprüft", tab.locator("#ago").inner_text())
        figures = tab.locator(".figures").first.inner_text()
        assert re.search(r"24 Std\. [0-9]+,[0-9]{2}\xa0%", figures), figures  # 99,95 %: the locale's number
        assert re.search(r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}, [0-9]{2}:[0-9]{2} UTC", text), text[:300]  # 02.12.2026
        tab.goto(f"{base}/incidents/i13.html", wait_until="load")
        assert "Zuletzt aktualisiert" in tab.locator("main").inner_text()
        context.close()
