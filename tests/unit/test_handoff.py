"""Two sites: who holds the lease, the lease and health objects as read, and the two-site settings."""

from __future__ import annotations

import json

import pytest

from elytra_status.infra.settings import ConfigError, parse_config
from elytra_status.judge.handoff import TAKEBACK_RUNS, Me, Peer, decide
from elytra_status.publish import health, lease
from elytra_status.render.keys import component_id

FRA, AMS = "fra1", "ams3"


def me(role="primary", healthy=True, broken=0, drain=False, site=FRA, held_for=0.0, hold=0.0) -> Me:
    return Me(site, role, healthy, broken, 2, drain, held_for, hold)


def peer(role="standby", healthy=True, runs=10, site=AMS) -> Peer:
    return Peer(site, role, healthy, runs, True)


def test_the_holder_renews_while_its_view_is_healthy_or_nobody_else_is():
    assert decide(me(), FRA, False, [peer()]).action == "renew"
    assert decide(me(healthy=False, broken=9), FRA, False, [peer(healthy=False)]).action == "renew"
    assert decide(me(healthy=False, broken=9), FRA, False, []).action == "renew"


def test_a_broken_holder_keeps_the_lease_through_the_grace_then_releases_it_to_a_healthy_site():
    assert decide(me(healthy=False, broken=2), FRA, False, [peer()]).action == "renew"
    decision = decide(me(healthy=False, broken=3), FRA, False, [peer()])
    assert decision.action == "release" and AMS in decision.why and decision.failed
    # Runs that failed to publish count as much as a broken view: the view alone is not the job.
    assert decide(me(healthy=True, broken=3), FRA, False, [peer()]).action == "release"


def test_a_drained_holder_hands_over_only_to_a_healthy_site():
    assert decide(me(drain=True, healthy=False), FRA, False, [peer()]).action == "release"
    assert decide(me(drain=True, healthy=False), FRA, False, [peer(healthy=False)]).action == "renew"
    assert decide(me(drain=True, healthy=False), None, True, [peer()]).action == "wait"


def test_a_standby_takes_a_lease_only_once_it_ran_out_and_only_while_healthy():
    standby = me("standby", site=AMS)
    primary = peer("primary", site=FRA)
    assert decide(standby, FRA, False, [primary]).action == "wait"
    assert decide(standby, FRA, True, [primary]).action == "take"
    assert decide(me("standby", healthy=False, site=AMS), FRA, True, []).action == "wait"


def test_a_standby_leaves_a_missing_or_released_lease_to_a_primary_that_is_back():
    standby = me("standby", site=AMS)
    assert decide(standby, None, True, [peer("primary", runs=1, site=FRA)], missing=True).action == "wait"
    assert decide(standby, None, True, [peer("primary", runs=1, site=FRA)]).action == "take"
    assert decide(standby, None, True, [peer("primary", runs=TAKEBACK_RUNS, site=FRA)]).action == "wait"
    assert decide(standby, None, True, [], missing=True).action == "take"


def test_a_standby_holder_gives_the_lease_back_once_the_primary_is_healthy_for_the_takeback_runs():
    holder = me("standby", site=AMS)
    assert decide(holder, AMS, False, [peer("primary", runs=TAKEBACK_RUNS - 1, site=FRA)]).action == "renew"
    assert decide(holder, AMS, False, [peer("primary", runs=TAKEBACK_RUNS, site=FRA)]).action == "release"
    assert decide(me(), None, True, [peer()]).action == "take"


def test_after_a_handoff_the_new_writer_holds_the_lease_for_the_hold_time_unless_it_fails_itself():
    back = [peer("primary", runs=TAKEBACK_RUNS, site=FRA)]
    assert decide(me("standby", site=AMS, held_for=599, hold=600), AMS, False, back).action == "renew"
    assert decide(me("standby", site=AMS, held_for=600, hold=600), AMS, False, back).action == "release"
    sick = me("standby", healthy=False, broken=3, site=AMS, held_for=10, hold=600)
    assert decide(sick, AMS, False, back).action == "release"


def test_an_unhealthy_primary_takes_a_free_lease_only_when_no_site_is_healthy():
    assert decide(me(healthy=False), None, True, [peer()]).action == "wait"
    # It released the lease because its runs failed: its view alone does not make it fit to take it again.
    assert decide(me(healthy=True, broken=3), None, True, [peer()]).action == "wait"
    assert decide(me(healthy=True, broken=3), None, True, [peer(healthy=False)]).action == "take"
    assert decide(me(healthy=False), None, True, [peer(healthy=False)]).action == "take"


def test_the_lease_runs_out_by_the_stores_clock_with_a_second_of_slack():
    assert not lease.Lease(FRA, 12, '"e"', 12.0).ran_out()
    assert lease.Lease(FRA, 12, '"e"', 13.0).ran_out()
    assert lease.Lease(None, 12, '"e"', 0.0).ran_out()
    headers = {"date": "Wed, 02 Dec 2026 15:00:20 GMT", "last-modified": "Wed, 02 Dec 2026 15:00:05 GMT"}
    assert lease.store_age(headers) == 15.0
    assert lease.store_age({"date": "Wed, 02 Dec 2026 15:00:20 GMT"}) is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b'{"version": 2, "site": "fra1", "seconds": 12}',
        b'{"version": 1, "site": "FRA 1", "seconds": 12}',
        b'{"version": 1, "site": "fra1", "seconds": 0}',
        b'{"version": 1, "site": "fra1", "seconds": true}',
        b"x" * 5000,
    ],
)
def test_a_lease_that_is_not_ours_reads_as_free(body):
    assert lease.parse(body) == (None, 0, None, None)


def test_a_lease_of_ours_reads_back_and_its_later_fields_are_optional():
    assert lease.parse(b'{"version": 1, "site": "fra1", "seconds": 12, "token": "ab"}') == (FRA, 12, None, None)
    body = {"version": 1, "site": FRA, "seconds": 12, "since": "2026-12-02T15:00:05Z", "install": "c" * 16}
    assert lease.parse(json.dumps(body).encode()) == (FRA, 12, "2026-12-02T15:00:05Z", "c" * 16)
    bad = {**body, "since": "yesterday", "install": "X"}
    assert lease.parse(json.dumps(bad).encode()) == (FRA, 12, None, None)


def test_a_lease_is_honoured_for_this_sites_own_length_at_most_and_knows_how_long_it_was_held():
    from datetime import UTC, datetime

    claims_a_day = lease.Lease(FRA, 86_400, '"e"', 13.0)
    assert not claims_a_day.ran_out() and claims_a_day.ran_out(honoured=12)
    held = lease.Lease(FRA, 12, '"e"', 1.0, "2026-12-02T15:00:05Z", None, datetime(2026, 12, 2, 15, 10, 5, tzinfo=UTC))
    assert held.held_for() == 600.0
    assert lease.Lease(FRA, 12, '"e"', 1.0).held_for() == 0.0


HEALTH = {
    "version": 2,
    "site": FRA,
    "role": "primary",
    "healthy": True,
    "why": "ok",
    "healthy_runs": 3,
    "failed_runs": 0,
    "outcome": "ok",
    "interval": 60.5,
    "run_seconds": 1.2,
    "lease_seconds": 180,
    "settings": {"PAGE_LANGUAGE": "a" * 12, "the page's title": "b" * 12},
    "generator": "b" * 32,
    "install": "c" * 16,
    "since": "2026-12-02T15:00:05Z",
    "host": "vm-fra1",
}


def test_a_health_object_is_checked_field_by_field():
    read = health.parse(json.dumps(HEALTH).encode())
    assert read is not None and (read.site, read.outcome, read.settings) == (FRA, "ok", HEALTH["settings"])
    for field, bad in (
        ("role", "boss"),
        ("healthy", 1),
        ("healthy_runs", -1),
        ("failed_runs", True),
        ("outcome", "great"),
        ("interval", "60"),
        ("lease_seconds", 0),
        ("settings", "x"),
        ("settings", {"PAGE_LANGUAGE": "not a digest"}),
        ("settings", {f"S{'x' * n}": "a" * 12 for n in range(17)}),
        ("install", "short"),
        ("since", "now"),
        ("site", "A"),
        ("version", 1),
    ):
        assert health.parse(json.dumps({**HEALTH, field: bad}).encode()) is None, field
    assert health.parse(json.dumps({**HEALTH, "interval": None}).encode()) is not None
    assert health.parse(b"not json") is None


def test_component_ids_follow_the_page_names_in_two_site_mode_and_kuma_ids_otherwise():
    assert component_id("m", 12, "API", False) == "m12"
    assert component_id("m", 12, "API", True) == component_id("m", 112, "API", True)
    assert component_id("m", 12, "API", True) != component_id("m", 12, "Dashboard", True)
    assert component_id("g", 1, "API", True) != component_id("m", 1, "API", True)


BASE = {
    "STATUS_BUCKET": "status-bucket",
    "UPTIME_KUMA_STATUS_PAGE": "elytra",
    "SITE_NAME": FRA,
    "SITE_ROLE": "primary",
}


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SITE_ROLE": ""}, "SITE_ROLE"),
        ({"SITE_NAME": ""}, "SITE_NAME"),
        ({"SITE_NAME": "Fra 1"}, "SITE_NAME"),
        ({"SITE_ROLE": "leader"}, "SITE_ROLE"),
        ({"SITE_LEASE_SECONDS": "100", "RUN_DEADLINE_SECONDS": "60"}, "SITE_LEASE_SECONDS"),
        (
            {"SITE_LEASE_SECONDS": "60", "RUN_DEADLINE_SECONDS": "10", "UPLOAD_TIMEOUT_SECONDS": "60"},
            "SITE_LEASE_SECONDS",
        ),
        ({"STATUS_BUCKET": ""}, "STATUS_BUCKET"),
        ({"UPTIME_KUMA_STATUS_PAGE": ""}, "UPTIME_KUMA_STATUS_PAGE"),
        ({"SITE_DRAIN": "maybe"}, "SITE_DRAIN"),
    ],
)
def test_a_bad_two_site_setting_is_refused_naming_it(changes, named):
    with pytest.raises(ConfigError) as raised:
        parse_config({**BASE, **changes})
    assert raised.value.variable == named


def test_two_site_settings_read_and_a_single_site_is_untouched():
    config = parse_config(
        {**BASE, "SITE_LEASE_SECONDS": "12", "RUN_DEADLINE_SECONDS": "5", "UPLOAD_TIMEOUT_SECONDS": "5"}
    )
    assert (config.site_name, config.site_role, config.site_lease_seconds, config.site_drain) == (
        FRA,
        "primary",
        12,
        False,
    )
    single = parse_config({"SITE_LEASE_SECONDS": "10", "RUN_DEADLINE_SECONDS": "60"})
    assert single.site_name is None and single.site_role is None


def test_the_lease_and_health_keys_are_never_taken_for_backups():
    config = parse_config(
        {"STATUS_BUCKET": "shared-bucket", "BACKUP_BUCKET": "shared-bucket", "STATUS_BUCKET_KEY": "public/status.json"}
    )
    own = config.own_objects("shared-bucket")
    assert "public/.sites/lease.json" in own and "public/.sites/health-fra1.json" in own
    assert "public/status.json" in own and "db/nightly.sql.gz" not in own
    assert "public/.sites/lease.json" not in config.own_objects("other-bucket")


def test_a_takeover_goes_on_from_the_published_history_and_counts_each_minute_once():
    from datetime import UTC, datetime

    from elytra_status.render import history

    now = datetime(2026, 12, 2, 12, 0, 30, tzinfo=UTC)
    day = {"worst": {"platform": "operational"}, "minutes": {"platform": {"operational": 700}}, "uptime": {}}
    mine = {
        "days": {"2026-12-02": {**day, "minutes": {"platform": {"operational": 9999}}}},
        "last_run": "2026-12-02T12:00:00Z",
    }
    published = {"updated_at": "2026-12-02T11:59:30.000Z", "days": [{"date": "2026-12-02", **day}], "components": []}
    assert history.take_over(mine, published, now) == 1
    assert mine["days"]["2026-12-02"]["minutes"] == {"platform": {"operational": 700}}
    assert mine["last_run"] == "2026-12-02T11:59:30Z"
    history.record(mine, {"platform_status": "operational", "maintenance": False}, [], {}, now)
    assert mine["days"]["2026-12-02"]["minutes"] == {"platform": {"operational": 701}}
    assert history.take_over(mine, {"days": "nonsense"}, now) == 0
