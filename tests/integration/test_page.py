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
    assert "Incident: Object storage degraded" in titles and any(t.startswith("Resolved: ") for t in titles)
    assert any(t.startswith("Maintenance: ") for t in titles)
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    updated = [e.updated for e in first.entries]
    assert updated == sorted(updated, reverse=True)
