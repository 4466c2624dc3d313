"""The human status page, rendered in process: its weight, its CSP, and what its script is given."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from elytra_status.render import history

DEGRADED = {
    "platform_status": "degraded",
    "maintenance": False,
    "updated_at": "2026-11-28T12:00:00Z",
    "uptime": {"last_24h": 99.9, "last_7d": None, "last_30d": None},
    "backups": {"last_backup_status": "success", "last_backup_time": None},
}


def test_the_page_weighs_under_60_kb_with_50_services_and_90_days():
    from elytra_status.kuma.published import PageGroup, PageMonitor, PublishedPage
    from elytra_status.render import bundle
    from elytra_status.render import page as page_module
    from elytra_status.render.bundle_memory import BundleMemory

    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    published = PublishedPage("big", "Big")
    for g in range(5):
        published.groups.append(
            PageGroup(
                g + 1, f"Group {g}", tuple(PageMonitor(g * 10 + i + 1, f"Service {g}-{i}", "http") for i in range(10))
            )
        )
    document = dict(DEGRADED)
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


def _front(
    language: str = "en", when: datetime = datetime(2026, 11, 28, 12, tzinfo=UTC), status_file: str = "status.json"
):
    """One small front page: two services, one down; (its HTML, its document)."""
    from elytra_status.kuma.published import PageGroup, PageMonitor, PublishedPage
    from elytra_status.render import bundle
    from elytra_status.render import page as page_module
    from elytra_status.render.bundle_memory import BundleMemory

    published = PublishedPage(
        "small", "Small", [PageGroup(1, "Services", (PageMonitor(1, "API", "http"), PageMonitor(2, "Web", "http")))]
    )
    document = dict(DEGRADED)
    files = bundle.build(document, published, {1: 0, 2: 1}, None, BundleMemory(), "", when)
    return page_module.render_page(files, document, {}, 900, when, language, status_file), document


def _csp(html: str) -> dict[str, list[str]]:
    content = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1)
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in content.split(";")) if d}


def test_the_csp_lets_the_page_fetch_its_own_status_json_and_runs_only_its_one_script():
    from elytra_status.render.page import csp_hash

    html, _ = _front()
    csp = _csp(html)
    assert csp["connect-src"] == ["'self'"]  # the freshness line's fetch of status.json, nothing elsewhere
    assert csp["default-src"] == ["'none'"]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1 and "<script " not in html
    assert csp["script-src"] == [f"'{csp_hash(scripts[0])}'"]  # by its hash: no 'unsafe-inline', no 'unsafe-eval'
    assert 'fetch(t.getAttribute("data-src"), {cache: "no-store"})' in scripts[0]


def test_the_page_names_its_status_json_and_the_status_it_shows_for_its_script():
    import json

    html, document = _front(status_file="elytra.json")  # STATUS_BUCKET_KEY=public/elytra.json
    assert 'data-src="elytra.json"' in html
    # What the script builds from the fetched file: status, maintenance and backups joined by "/", as JavaScript
    # says them.
    said = json.loads(json.dumps(document))
    key = f"{said['platform_status']}/{json.dumps(said['maintenance'])}/{said['backups']['last_backup_status']}"
    assert f'data-status="{key}"' in html


def test_nothing_on_the_page_moves_with_the_clock_so_the_change_gate_never_sees_the_freshness_line():
    start = datetime(2026, 11, 28, 12, 0, 5, tzinfo=UTC)
    assert _front(when=start)[0] == _front(when=start + timedelta(seconds=50))[0]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("checked {n} s ago", "checked {n} min ago", "checked {n} h ago", "reload the page")),
        ("de", ("vor {n} Sek. geprüft", "vor {n} Min. geprüft", "vor {n} Std. geprüft", "Laden Sie die Seite neu")),
    ],
)
def test_the_freshness_words_are_in_the_page_language(language, words):
    html, _ = _front(language)
    for name, said in zip(("s", "min", "h"), words, strict=False):
        assert f'data-{name}="{said}"' in html
    assert words[3] in html.split('id="changed"', 1)[1].split("</p>", 1)[0]
    assert "updated just now" not in html and "gerade aktualisiert" not in html
