"""The human status page and its feed, loaded from the moto bucket's public URL in Debian's Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elytra_status.render import history


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
