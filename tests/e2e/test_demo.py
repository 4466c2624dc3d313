"""The demo's first run: progress while npm installs Uptime Kuma, and npm's own words when it fails."""

from __future__ import annotations

import shutil

import kuma_live
import pytest
from stack import free_port


def test_a_failed_npm_install_shows_npms_last_lines_and_what_to_check(tmp_path, monkeypatch):
    if not shutil.which("npm"):
        pytest.fail("npm is missing: Node 20+ with npm is needed for the demo and the end-to-end stage")
    monkeypatch.setenv("KUMA_CACHE_DIR", str(tmp_path / "kuma"))
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{free_port()}/")  # nothing listens there
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    said: list[str] = []

    with pytest.raises(kuma_live.StackError) as err:
        kuma_live.install(said.append)

    message = str(err.value)
    assert "installing Uptime Kuma from npm failed" in message
    assert "npm's last lines:" in message and "ECONNREFUSED" in message
    assert "Check: Node 20+" in message
    assert said[0].startswith("Uptime Kuma: installing uptime-kuma@2.0.0-dev.0 from npm")
    assert not (tmp_path / "kuma" / f".installed-{kuma_live.VERSION}").exists()


def test_an_installed_uptime_kuma_is_not_announced_as_installing(tmp_path, monkeypatch):
    cache = tmp_path / "kuma"
    (cache / "node_modules" / "uptime-kuma").mkdir(parents=True)
    (cache / f".installed-{kuma_live.VERSION}").touch()
    monkeypatch.setenv("KUMA_CACHE_DIR", str(cache))
    said: list[str] = []
    assert kuma_live.install(said.append) == cache / "node_modules" / "uptime-kuma"
    assert said == []
