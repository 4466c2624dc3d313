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
