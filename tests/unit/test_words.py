"""The page people expect: one word a state in every language, figures, the headline, the incident pages,
the calendar and the Uptime Kuma-shaped JSON, built in process from one run's bundle."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from elytra_status.infra import settings
from elytra_status.judge.change_gate import digest_of
from elytra_status.kuma.metrics import DOWN, MAINTENANCE, PENDING, UNKNOWN, UP
from elytra_status.kuma.published import PageGroup, PageIncident, PageMaintenance, PageMonitor, PublishedPage
from elytra_status.publish.aws_upload import content_type
from elytra_status.render import extras, generation, history, kuma_json, words
from elytra_status.render import page as page_module
from elytra_status.render.bundle_memory import BundleMemory
from elytra_status.render.documents import build_bundle
from support.commands import ROOT
from support.documents import homepage_reads

NOW = datetime(2026, 12, 2, 13, 9, tzinfo=UTC)
LANGUAGES = words.languages()
# Uptime Kuma's state of a monitor -> the component state the page, feed and badge name.
STATES = {UP: "operational", DOWN: "major_outage", PENDING: "degraded_performance", MAINTENANCE: "under_maintenance"}


class Figure:
    def __init__(self, percent):
        self.percent = Decimal(str(percent))


class Monitor:
    def __init__(self, mid, name, uptime):
        self.id, self.name, self.uptime = mid, name, uptime


def run(
    tmp_path,
    states,
    language="en",
    names=None,
    incidents=(),
    maintenances=(),
    public_url=True,
    figures=None,
    groups=None,
):
    """One run's documents and rendered set, from a page of monitors in the given Uptime Kuma states.

    groups: each monitor's group name (all in "Services" when None); groups in order of first appearance.
    """
    values = {
        "OUTPUT_FILE": str(tmp_path / "status.json"),
        "BUNDLE_DIR": str(tmp_path / "public"),
        "STATUS_BUCKET_KEY": "public/status.json",
        "PAGE_LANGUAGE": language,
    }
    if public_url:
        values["STATUS_PUBLIC_URL"] = "https://status.example.com/public/status.json"
    config = settings.parse_config(values)
    names = names or [f"Service {i}" for i in range(len(states))]
    monitors = [PageMonitor(i + 1, name, "http") for i, name in enumerate(names)]
    of_group = groups or ["Services"] * len(names)
    listed = list(dict.fromkeys(of_group))
    page_groups = [
        PageGroup(g + 1, group, tuple(m for m, mine in zip(monitors, of_group, strict=True) if mine == group))
        for g, group in enumerate(listed)
    ]
    page = PublishedPage("elytra", "Elytra", page_groups, list(incidents), list(maintenances))
    known = {i + 1: s for i, s in enumerate(states) if s != UNKNOWN}
    platform = "operational" if all(s in (UP, MAINTENANCE) for s in states) else "degraded"
    document = {
        "schema_version": 1,
        "updated_at": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform_status": platform,
        "maintenance": MAINTENANCE in states,
        "uptime": {"last_24h": 99.95, "last_7d": None, "last_30d": 99.9},
        "backups": {"last_backup_status": "success", "last_backup_time": None},
        "site": None,
    }
    figures = figures if figures is not None else {"24h": 99.95, "30d": 99.5}

    class Kuma:
        pass

    kuma = Kuma()
    kuma.states, kuma.history, kuma.page, kuma.beats = known, None, page, None
    kuma.monitors = [Monitor(i + 1, name, {w: Figure(v) for w, v in figures.items()}) for i, name in enumerate(names)]
    for m, s in zip(kuma.monitors, states, strict=True):
        m.state = s
    days: dict = {}
    files = build_bundle(config, document, kuma, BundleMemory(), days, NOW)
    made = generation.render(config, document, files, days, NOW)
    return config, document, files, made


def text_of(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_every_message_is_translated_in_every_language_shipped():
    sys.path.insert(0, str(ROOT / "scripts" / "dev"))
    import catalogue

    assert "de" in LANGUAGES and len(catalogue.messages()) > 60
    for language in LANGUAGES[1:]:
        assert catalogue.missing(language) == [], language


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", [UP, DOWN, PENDING, MAINTENANCE, UNKNOWN])
def test_one_state_one_word_on_the_page_the_incident_pages_the_feed_and_the_badge(tmp_path, language, state):
    _, document, files, made = run(tmp_path, [state, UP], language)
    said = words.Words(language)
    component = files["api/v2/summary.json"]["components"][1]
    shown = history.component_state(component)
    assert shown == STATES.get(state, "unknown")
    # The API keeps Statuspage's machine value; an unknown one is never operational there.
    assert component["status"] in ("operational", "degraded_performance", "major_outage", "under_maintenance")
    page = made.files["index.html"].decode()
    row = page.split("Service 0</span>", 1)[1].split("</div>", 1)[0]
    assert f">{said.state(shown)}<" in row
    headline = said.headline(document, files["api/v2/summary.json"]["components"], history.component_state)
    assert files["badge.json"]["message"] == headline
    assert f">{headline}<" in page.replace("&#39;", "'")
    if state != UP:
        assert "Service 0" in headline
    assert f'<html lang="{language}">' in page


def test_the_headline_names_what_is_affected_and_bounds_the_list(tmp_path):
    _, _, files, made = run(tmp_path, [DOWN] * 17 + [UP], names=[f"Svc {i:02d}" for i in range(18)])
    message = files["badge.json"]["message"]
    assert message == "Partial outage: Svc 00, Svc 01, Svc 02, Svc 03, Svc 04 and 12 more"
    assert message in made.files["index.html"].decode()
    _, _, files, _ = run(tmp_path, [DOWN] * 17 + [UP], "de", names=[f"Svc {i:02d}" for i in range(18)])
    assert files["badge.json"]["message"].endswith("Svc 04 und 12 weitere")


@pytest.mark.parametrize(
    ("states", "english", "german"),
    [
        (
            [DOWN, DOWN, MAINTENANCE],
            "Partial outage: Public API, Dashboard · Under maintenance: Worker",
            "Teilausfall: Public API, Dashboard · In Wartung: Worker",
        ),
        (
            [UP, UP, UNKNOWN],
            "Degraded performance · Status unknown: Worker",
            "Eingeschränkte Leistung · Status unbekannt: Worker",
        ),
        (
            [DOWN, UNKNOWN, MAINTENANCE],
            "Partial outage: Public API · Status unknown: Dashboard · Under maintenance: Worker",
            "Teilausfall: Public API · Status unbekannt: Dashboard · In Wartung: Worker",
        ),
        ([UP, UP, MAINTENANCE], "Under maintenance: Worker", "In Wartung: Worker"),
    ],
    ids=["maintenance-beside-outages", "no-current-data", "all-three", "maintenance-alone"],
)
def test_each_service_is_named_only_under_its_own_state_in_the_banner_badge_and_feed(tmp_path, states, english, german):
    for language, expected in (("en", english), ("de", german)):
        _, document, files, made = run(tmp_path, states, language, names=["Public API", "Dashboard", "Worker"])
        assert files["badge.json"]["message"] == expected
        assert f">{expected}<" in made.files["index.html"].decode()
        parts = words.headline_parts(document, files["api/v2/summary.json"]["components"], history.component_state)
        change = {"at": "2026-12-02T13:09:00Z", "from": "operational", "to": "degraded", "headline": parts}
        assert f"<title>{expected}</title>" in page_module.render_feed(files, [change], "", NOW, language)
    # Kept in the state for the feed, clauses and all: the state's checks take it back.
    from elytra_status.run import state as run_state

    kept = run_state.RunState(history={"changes": [change]}, bundle=BundleMemory(shown=[1, 2, 3]))
    assert run_state.parse(run_state.to_json(kept), NOW).history["changes"] == [change]


def test_the_feed_tells_a_change_in_the_same_words_as_the_banner():
    from elytra_status.render import page

    summary_comps = [
        {"id": "m1", "name": "API", "status": "major_outage", "group": False, "description": None},
        {"id": "m2", "name": "Dashboard", "status": "operational", "group": False, "description": None},
    ]
    document = {"platform_status": "degraded", "maintenance": False}
    parts = words.headline_parts(document, summary_comps, history.component_state)
    files = {
        "api/v2/summary.json": {"page": {"id": "elytra", "name": "Elytra", "updated_at": "2026-12-02T13:09:00.000Z"}},
        "api/v2/incidents.json": {"incidents": []},
        "api/v2/scheduled-maintenances.json": {"scheduled_maintenances": []},
    }
    change = {"at": "2026-12-02T13:09:00Z", "from": "operational", "to": "degraded", "headline": parts}
    for language in LANGUAGES:
        feed = page.render_feed(files, [change], "", NOW, language)
        expected = words.Words(language).headline(document, summary_comps, history.component_state)
        assert f"<title>{expected}</title>" in feed
    assert "<title>Partial outage: API</title>" in page.render_feed(files, [change], "", NOW)


def test_figures_come_from_the_first_run_and_a_missing_one_says_no_data(tmp_path):
    _, _, files, made = run(tmp_path, [UP, UP], figures={"24h": 99.95, "7d": 99.87})
    component = files["api/v2/summary.json"]["components"][1]
    assert component["uptime"] == {"last_24h": 99.95, "last_7d": 99.87, "last_30d": None}
    text = text_of(made.files["index.html"])
    assert "24 h 99.95%" in text and "7 d 99.87%" in text and "30 d no data" in text
    assert "0.00%" not in text and "100.00%" not in text
    _, _, _, german = run(tmp_path, [UP, UP], "de", figures={"24h": 99.95})
    assert "99,95\xa0%" in german.files["index.html"].decode()
    assert "keine Daten" in german.files["index.html"].decode()


def test_a_drift_of_the_figures_alone_does_not_change_the_digest_a_change_of_state_does(tmp_path):
    _, document, files, _ = run(tmp_path, [UP, UP], figures={"24h": 99.95})
    _, drifted_doc, drifted, _ = run(tmp_path, [UP, UP], figures={"24h": 99.94})
    drifted_doc = {**drifted_doc, "uptime": {**drifted_doc["uptime"], "last_24h": 99.94}}
    assert digest_of({"status.json": document, **files}) == digest_of({"status.json": drifted_doc, **drifted})
    _, changed_doc, changed, _ = run(tmp_path, [UP, DOWN], figures={"24h": 99.95})
    assert digest_of({"status.json": document, **files}) != digest_of({"status.json": changed_doc, **changed})


def test_a_group_named_like_the_section_is_not_a_second_heading(tmp_path):
    _, _, _, made = run(tmp_path, [UP])
    page = made.files["index.html"].decode()
    assert page.count(">Services</h") == 1


@pytest.mark.parametrize(("language", "heading"), [("en", "Services"), ("de", "Dienste")])
@pytest.mark.parametrize("order", [["Infrastructure", "SECTION"], ["SECTION", "Infrastructure"]])
def test_among_several_groups_one_named_like_the_section_says_its_heading_once(tmp_path, language, heading, order):
    names = ["Database", "Web app"] if order[0] == "Infrastructure" else ["Web app", "Database"]
    groups = [heading if g == "SECTION" else g for g in order]
    _, _, _, made = run(tmp_path, [UP, UP], language, names=names, groups=groups)
    page = made.files["index.html"].decode()
    assert page.count(f">{heading}</h") == 1 and page.count(">Infrastructure</h3>") == 1
    # The section's own group sits right under its heading, before the next group's heading.
    section = page.split(f">{heading}</h2>", 1)[1]
    assert section.index(">Web app<") < section.index(">Infrastructure</h3>") < section.index(">Database<")


INCIDENT = PageIncident(
    13, "danger", "Object storage degraded", "Uploads fail; a, b; c", NOW - timedelta(hours=2), None
)
WINDOW = PageMaintenance(
    3, "Switch, rack B; swap", "Brief packet loss – ünïcode " + "long " * 30, NOW, NOW + timedelta(hours=4)
)


def test_each_incident_and_window_has_its_own_page_and_the_shortlink_points_to_it(tmp_path):
    _, _, files, made = run(tmp_path, [UP], incidents=[INCIDENT], maintenances=[WINDOW])
    incident = files["api/v2/incidents.json"]["incidents"][0]
    window = files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"][0]
    assert incident["shortlink"] == "https://status.example.com/public/incidents/i13.html"
    assert window["shortlink"] == f"https://status.example.com/public/incidents/{window['id']}.html"
    assert window["id"] == "mt3-20261202T130900Z"  # a window of its own: a recurring maintenance does not collide
    page = made.files["incidents/i13.html"].decode()
    assert "Object storage degraded" in page and "Major impact" in page and 'href="../index.html"' in page
    assert '<time datetime="2026-12-02T11:09:00.000Z">' in page  # created
    assert "Scheduled until" in made.files[f"incidents/{window['id']}.html"].decode()
    assert 'href="incidents/i13.html"' in made.files["index.html"].decode()
    feed = made.files["history.atom"].decode()
    assert 'href="https://status.example.com/public/incidents/i13.html"' in feed
    assert set(extras.keys(files)) <= set(made.files)
    _, _, relative, _ = run(tmp_path, [UP], incidents=[INCIDENT], public_url=False)
    assert relative["api/v2/incidents.json"]["incidents"][0]["shortlink"] == "incidents/i13.html"


def test_the_calendar_is_read_by_an_icalendar_library(tmp_path):
    import icalendar

    _, _, files, made = run(tmp_path, [UP], maintenances=[WINDOW])
    data = made.files["maintenance.ics"]
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["SUMMARY"]) == "Switch, rack B; swap"
    assert str(event["DESCRIPTION"]).startswith("Brief packet loss – ünïcode long")
    assert event.decoded("DTSTART") == NOW and event.decoded("DTEND") == NOW + timedelta(hours=4)
    assert event.decoded("DTSTART").tzinfo is not None
    assert str(event["UID"]).startswith("mt3-20261202T130900Z@")
    assert str(event["URL"]).endswith("/incidents/mt3-20261202T130900Z.html")


def test_the_uptime_kuma_shaped_json_reads_as_the_homepage_widget_reads_it(tmp_path):
    _, _, files, made = run(tmp_path, [UP, DOWN, UNKNOWN], incidents=[INCIDENT], figures={"24h": 99.5})
    status_key, beats_key = kuma_json.keys("elytra")
    status, beats = json.loads(made.files[status_key]), json.loads(made.files[beats_key])
    read = homepage_reads(status, beats)
    assert read["up"] == 1 and read["down"] == 2  # the unknown one has no beat: nothing invented
    assert read["uptime"] == "99.5"
    assert read["incident_created"] == (NOW - timedelta(hours=2)).replace(tzinfo=None)
    assert beats["heartbeatList"]["3"] == []
    assert all(b["msg"] == "" and b["ping"] is None for beat in beats["heartbeatList"].values() for b in beat)
    assert all(type(v) is float and 0 <= v <= 1 for v in beats["uptimeList"].values())
    assert status["incidents"] == [status["incident"]] and status["incident"]["style"] == "danger"
    names = [m["name"] for g in status["publicGroupList"] for m in g["monitorList"]]
    assert names == ["Service 0", "Service 1", "Service 2"]


def test_every_new_file_is_the_generators_own_with_its_content_type():
    config = settings.parse_config(
        {"STATUS_BUCKET": "shared-bucket", "BACKUP_BUCKET": "shared-bucket", "STATUS_BUCKET_KEY": "public/status.json"}
    )
    own = config.own_objects("shared-bucket")
    for key in ("incidents/i13.html", "maintenance.ics", "api/status-page/elytra", "api/status-page/heartbeat/elytra"):
        assert f"public/{key}" in own, key
    assert "public/index.html" in own and "public/history.atom" in own
    assert content_type("public/api/status-page/heartbeat/elytra") == "application/json"
    assert content_type("public/maintenance.ics") == "text/calendar; charset=utf-8"
    assert content_type("public/incidents/i13.html") == "text/html; charset=utf-8"


def test_a_language_without_a_catalogue_is_refused_naming_the_setting():
    with pytest.raises(settings.ConfigError) as raised:
        settings.parse_config({"PAGE_LANGUAGE": "xx"})
    assert raised.value.variable == "PAGE_LANGUAGE"
    assert settings.parse_config({"PAGE_LANGUAGE": "de"}).page_language == "de"
