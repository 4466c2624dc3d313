"""Two sites: a site's health is what its runs did, and a wrong setup is named, both sides."""

from __future__ import annotations

from dataclasses import dataclass, field

from elytra_status.judge import site_health, site_setup
from elytra_status.judge.site_health import Counts, Last, counts, run_ok


def last(outcome="ok", failed=0, healthy=4, interval=60.0, run=1.0, age=59.0) -> Last:
    return Last(outcome, failed, healthy, interval, run, age)


def test_a_run_that_left_no_outcome_counts_as_failed_and_a_failed_run_is_kept():
    assert counts(last("running", failed=2)) == Counts(3, 0, 60.0)
    assert counts(last("failed", failed=2)) == Counts(2, 0, 60.0)
    assert counts(last("ok", failed=0, healthy=4)) == Counts(0, 4, 60.0)
    assert counts(None) == Counts(0, 0, None)
    assert site_health.after(Counts(2, 0, 60.0), ok=False) == (3, 0)
    assert site_health.after(Counts(0, 4, 60.0), ok=True) == (0, 5)


def test_healthy_runs_before_a_gap_the_bucket_did_not_see_do_not_count():
    assert counts(last(healthy=4, age=80.0)).healthy_runs == 4  # a late cron minute
    # The gap is the age of the last write plus how far into its run it was written (1 s here).
    assert counts(last(healthy=4, age=119.0)).healthy_runs == 4  # one run missing: two intervals
    assert counts(last(healthy=4, age=120.0)).healthy_runs == 4  # a second of the store's clock
    assert counts(last(healthy=4, age=121.0)).healthy_runs == 0  # over two intervals
    assert counts(last(healthy=4, age=3600.0)).healthy_runs == 0  # back after an outage
    # The interval follows the site: after a gap it is the gap, so a new rhythm is learnt, not refused.
    assert counts(last(healthy=0, interval=180.0, age=59.0)).interval == 60.0


def test_a_writer_did_its_job_only_when_it_published_or_had_nothing_new():
    assert run_ok(True, writer=True, published=True)
    assert run_ok(True, writer=True, published=None)
    assert not run_ok(True, writer=True, published=False)
    assert run_ok(True, writer=False, published=False)
    assert not run_ok(False, writer=False, published=None)


@dataclass
class Seen:
    site: str = "fra1"
    role: str = "primary"
    healthy: bool = True
    interval: float | None = 60.0
    lease_seconds: int = 180
    settings: dict = field(default_factory=lambda: {"PAGE_LANGUAGE": "a" * 12, "the page's title": "b" * 12})
    install: str = "a" * 16
    since: str = "2026-12-01T00:00:00Z"
    host: str = "vm-a"
    age: float | None = 30.0

    def fresh(self, within: float) -> bool:
        return self.age is not None and self.age < within


def test_of_two_installs_of_one_name_the_lease_holder_keeps_going_and_the_newcomer_stops():
    old, new = Seen(), Seen(install="b" * 16, since="2026-12-05T00:00:00Z", host="vm-b")
    refused = site_setup.name_clash(new, [old, new], "a" * 16, "fra1", 180)
    assert refused and "vm-a" in refused and "vm-b" in refused and "holds the lease" in refused
    assert site_setup.name_clash(old, [old, new], "a" * 16, "fra1", 180) is None
    # Neither holds it: the one that ran first keeps the name.
    assert site_setup.name_clash(new, [old, new], None, "ams3", 180)
    assert site_setup.name_clash(old, [old, new], None, "ams3", 180) is None


def test_a_rebuilt_vm_whose_old_install_is_stale_is_not_refused():
    old, new = Seen(age=400.0), Seen(install="b" * 16, since="2026-12-05T00:00:00Z")
    assert site_setup.name_clash(new, [old, new], "a" * 16, "fra1", 180) is None


def test_setup_warnings_name_both_sides_and_the_setting_never_its_value():
    me = Seen(lease_seconds=12, interval=60.0)
    other = Seen("ams3", "primary", settings={"PAGE_LANGUAGE": "c" * 12, "the page's title": "b" * 12})
    found = site_setup.warnings(me, [other], "ams3", 86_400, holder_seen=True)
    text = "\n".join(found)
    assert "fra1's lease of 12s is not longer than the time between its runs (60s)" in text
    assert "between ams3's runs (60s)" in text
    assert "SITE_LEASE_SECONDS differs: fra1 12s, ams3 180s" in text
    assert "fra1 and ams3 are both primary" in text
    assert "PAGE_LANGUAGE differ between fra1 and ams3" in text and "the page's title" not in text
    assert "ams3's lease claims 86400s; fra1 honours it for its own 12s at most" in text
    assert site_setup.warnings(Seen(), [Seen("ams3", "standby")], "fra1", 180, holder_seen=False) == []
    missing = site_setup.warnings(Seen(), [], "ams3", 180, holder_seen=False)
    assert missing == ["the lease is held by ams3, which writes no fresh health object: is it set up right?"]
