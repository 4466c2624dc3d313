"""Config: every value is checked once, at start; a bad one stops the run with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from elytra_status.infra.settings import ConfigError, parse_config
from support.commands import write_env


def test_environment_overrides_the_file_and_env_file_picks_the_file(tmp_path):
    env_file = write_env(tmp_path / "a.env", {"UPTIME_KUMA_URL": "http://from-file:1", "MONITOR_IDS": "1"})
    from elytra_status.infra.settings import load_config

    config = load_config(env_file, environ={"MONITOR_IDS": "5,6"})

    assert config.uptime_kuma_url == "http://from-file:1"
    assert config.monitor_ids == (5, 6)


def test_defaults_and_endpoint_forms():
    config = parse_config({"SPACES_ENDPOINT": "nyc3.digitaloceanspaces.com"})
    assert config.spaces_endpoint == "https://nyc3.digitaloceanspaces.com"
    assert config.spaces_region == "nyc3"
    assert config.backup_max_age_hours == 25
    assert config.run_deadline_seconds == 60
    assert str(config.output_file) == "/tmp/status.json"
    assert config.status_bucket_key == "status.json"
    assert config.backup_prefixes == ("",)
    assert parse_config({"SPACES_ENDPOINT": "https://ams3.digitaloceanspaces.com/"}).spaces_region == "ams3"
    assert parse_config({"SPACES_REGION": "fra1", "SPACES_ENDPOINT": "x.example"}).spaces_region == "fra1"


def test_required_groups_are_enforced_per_script():
    with pytest.raises(ConfigError) as err:
        parse_config({}, needs=("UPTIME_KUMA_URL",))
    assert err.value.variable == "UPTIME_KUMA_URL"
    parse_config({})  # nothing needed, nothing missing


def test_every_known_variable_is_documented_in_env_example():
    from elytra_status.infra.settings import KNOWN_VARIABLES

    example = (Path(__file__).resolve().parents[2] / "config" / ".env.example").read_text()
    for name in KNOWN_VARIABLES:
        assert f"\n{name}=" in example or example.startswith(f"{name}="), name


def test_a_missing_config_env_is_named_as_the_missing_file(tmp_path, monkeypatch, capsys):
    from elytra_status.commands import status
    from elytra_status.infra import settings

    missing = tmp_path / "config" / ".env"
    monkeypatch.setattr(settings, "DEFAULT_ENV_FILE", missing)
    assert status.main([]) == 2
    line = capsys.readouterr().err.strip()
    assert f"config error: {missing}: does not exist: copy config/.env.example there" in line
    assert "SPACES_ENDPOINT" not in line


def test_a_date_header_without_a_zone_is_read_as_gmt_not_a_crash():
    from elytra_status.infra import timing

    parsed = timing.parse_http_date("Sat, 28 Nov 2026 09:00:00 -0000")
    assert parsed is not None and parsed.utcoffset().total_seconds() == 0
