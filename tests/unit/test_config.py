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


SPACES = {
    "SPACES_ENDPOINT": "fra1.digitaloceanspaces.com",
    "SPACES_ACCESS_KEY": "spaces-ak",
    "SPACES_SECRET_KEY": "sp-sk",
}


def test_the_status_bucket_follows_spaces_unless_status_endpoint_is_set():
    config = parse_config(SPACES)
    assert config.status_store == config.backup_store
    assert (config.status_store.endpoint, config.status_store.region) == ("https://fra1.digitaloceanspaces.com", "fra1")
    assert config.status_store.keys == ("spaces-ak", "sp-sk")
    assert config.status_store.endpoint_setting == "SPACES_ENDPOINT"

    own = parse_config({**SPACES, "STATUS_ENDPOINT": "s3.eu-central-1.amazonaws.com"})
    assert (own.status_store.endpoint, own.status_store.region) == (
        "https://s3.eu-central-1.amazonaws.com",
        "eu-central-1",
    )
    assert own.status_store.keys == ("spaces-ak", "sp-sk")  # no keys of its own: Spaces' go with it
    assert own.status_store.keys_setting == "SPACES_ACCESS_KEY and SPACES_SECRET_KEY"
    assert own.status_store.endpoint_setting == "STATUS_ENDPOINT"
    assert (own.spaces_endpoint, own.spaces_region) == ("https://fra1.digitaloceanspaces.com", "fra1")

    keyed = parse_config(
        {
            **SPACES,
            "STATUS_ENDPOINT": "http://minio.internal:9000",
            "STATUS_ACCESS_KEY": "st-ak",
            "STATUS_SECRET_KEY": "st-sk",
        }
    )
    assert keyed.status_store.region == "us-east-1"
    assert keyed.status_store.keys == ("st-ak", "st-sk")
    assert keyed.status_store.keys_setting == "STATUS_ACCESS_KEY and STATUS_SECRET_KEY"
    assert keyed.backup_store.keys == ("spaces-ak", "sp-sk")
    assert {"st-sk", "sp-sk", "st-ak"} <= set(keyed.secrets)
    named = parse_config({**SPACES, "STATUS_ENDPOINT": "ams3.digitaloceanspaces.com", "STATUS_REGION": "nyc3"})
    assert named.status_store.region == "nyc3"
    assert "st-sk" not in repr(keyed.status_store) and "sp-sk" not in repr(keyed.backup_store)


PAIR = "STATUS_ACCESS_KEY and STATUS_SECRET_KEY are set together or not at all"
STRAY = "is set but STATUS_ENDPOINT is empty"


@pytest.mark.parametrize(
    ("values", "named", "said"),
    [
        ({"STATUS_ENDPOINT": "s3.example.com", "STATUS_ACCESS_KEY": "st-ak"}, "STATUS_SECRET_KEY", PAIR),
        ({"STATUS_ENDPOINT": "s3.example.com", "STATUS_SECRET_KEY": "st-sk"}, "STATUS_ACCESS_KEY", PAIR),
        ({"STATUS_ACCESS_KEY": "st-ak"}, "STATUS_SECRET_KEY", PAIR),
        ({"STATUS_ACCESS_KEY": "st-ak", "STATUS_SECRET_KEY": "st-sk"}, "STATUS_ACCESS_KEY", STRAY),
        ({"STATUS_REGION": "eu-west-1"}, "STATUS_REGION", STRAY),
        ({"STATUS_ENDPOINT": "not a host!"}, "STATUS_ENDPOINT", "is not a host name"),
        ({"STATUS_ENDPOINT": "s3.example.com", "STATUS_REGION": "EU West"}, "STATUS_REGION", "is not a region name"),
    ],
)
def test_a_half_set_or_stray_status_store_setting_is_refused_by_name(values, named, said):
    with pytest.raises(ConfigError) as err:
        parse_config({**SPACES, **values})
    assert err.value.variable == named
    assert said in str(err.value)
    assert "st-ak" not in str(err.value) and "st-sk" not in str(err.value)


def test_one_bucket_name_on_two_stores_is_two_buckets_not_a_warning():
    same = {**SPACES, "STATUS_BUCKET": "elytra", "BACKUP_BUCKET": "elytra"}
    assert any("both 'elytra'" in w for w in parse_config(same).warnings)
    assert not any("both" in w for w in parse_config({**same, "STATUS_ENDPOINT": "s3.example.com"}).warnings)


def test_messages_about_the_status_bucket_name_the_setting_that_points_at_it():
    from botocore.exceptions import EndpointConnectionError

    from elytra_status.backups.check import source_error
    from elytra_status.publish.aws_cli import explain_aws_failure

    unreachable = "Could not connect to the endpoint URL"
    refused = "An error occurred (InvalidAccessKeyId) when calling the PutObject operation"
    spaces = parse_config({**SPACES, "STATUS_BUCKET": "elytra-status"})
    assert "check SPACES_ENDPOINT and the network" in explain_aws_failure(unreachable, spaces)
    assert "check SPACES_ACCESS_KEY and SPACES_SECRET_KEY" in explain_aws_failure(refused, spaces)
    own = parse_config(
        {**SPACES, "STATUS_BUCKET": "elytra-status", "STATUS_ENDPOINT": "http://127.0.0.1:9", "STATUS_ACCESS_KEY": "a"}
        | {"STATUS_SECRET_KEY": "b"}
    )
    assert (
        explain_aws_failure(unreachable, own)
        == "cannot reach http://127.0.0.1:9: check STATUS_ENDPOINT and the network"
    )
    assert "check STATUS_ACCESS_KEY and STATUS_SECRET_KEY" in explain_aws_failure(refused, own)
    gone = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    assert "check STATUS_ENDPOINT" in str(source_error(gone, own, own.status_bucket, own.status_store))
    assert "check SPACES_ENDPOINT" in str(source_error(gone, own, "backups"))


def test_the_state_names_the_status_endpoint_only_when_it_has_its_own(tmp_path):
    from elytra_status.run import state as run_state

    assert "STATUS_ENDPOINT" not in run_state.source_of(parse_config(SPACES))  # older states keep their source
    own = parse_config({**SPACES, "STATUS_ENDPOINT": "s3.example.com"})
    assert run_state.source_of(own)["STATUS_ENDPOINT"] == "https://s3.example.com"
    path = tmp_path / "state.json"
    assert run_state.save(path, run_state.bind(run_state.RunState(), own))
    again = run_state.load(path)  # read back whole, not moved aside as damaged
    assert again.source == run_state.source_of(own) and list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("value", ["4", "61", "ten", "7.5"])
def test_poll_seconds_is_a_whole_number_from_5_to_60(value):
    with pytest.raises(ConfigError) as err:
        parse_config({**SPACES, "POLL_SECONDS": value})
    assert err.value.variable == "POLL_SECONDS"
    assert parse_config(SPACES).poll_seconds == 10 and parse_config({**SPACES, "POLL_SECONDS": "5"}).poll_seconds == 5
