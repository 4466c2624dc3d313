"""status.py end to end: replayed Uptime Kuma, moto S3, a real file on disk."""

from __future__ import annotations

import pytest

from elytra_status.render import status_doc


def test_an_invalid_document_is_never_written_and_the_previous_file_stays(tmp_path):
    target = tmp_path / "status.json"
    target.write_text('{"previous": true}\n')
    bad = {"updated_at": "yesterday", "platform_status": "fine", "uptime": {}, "backups": {}}
    with pytest.raises(status_doc.StatusWriteError, match="schema"):
        status_doc.write_status(bad, target)
    assert target.read_text() == '{"previous": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["status.json"]


def test_public_check_says_unconfirmed_after_three_run_intervals_and_what_a_cache_may_hold():
    from elytra_status.infra.settings import parse_config
    from elytra_status.publish.public_check import unconfirmed

    config = parse_config(
        {
            "UPTIME_KUMA_URL": "http://127.0.0.1:3001",
            "SPACES_ENDPOINT": "http://127.0.0.1:9000",
            "CACHE_MAX_AGE_SECONDS": "20",
        }
    )
    document = {"updated_at": "2026-12-06T12:00:00Z"}
    assert unconfirmed(document, 3 * 60 + 20, config) is None
    found = unconfirmed(document, 3 * 60 + 21, config)
    assert found and "not confirmed for 201s" in found and "3 run intervals" in found
