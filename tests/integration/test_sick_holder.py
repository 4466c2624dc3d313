"""Two sites: a holder that cannot publish, whatever the cause, hands the lease over; its exit code and its
heartbeat tell the same story (the README's exit codes). Real generators under cron's wrapper, one moto."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from support.sickness import a_monitor_goes_down, fault, refused_public_puts
from support.two_sites import LEASE_SECONDS, TwoSites

GRACE = 2  # SITE_GRACE_RUNS' default


@pytest.fixture
def sites(moto, tmp_path, recorder) -> Iterator[TwoSites]:
    pair = TwoSites(moto.url, tmp_path)
    for site in pair.sites:
        logs = site.folder / "logs"  # the install's logs/: its state, status.json and bundle
        logs.mkdir()
        site.write_settings(
            HEARTBEAT_URL=f"{recorder.url}/api/push/{site.name}",
            STATE_FILE=str(logs / "state.json"),
            OUTPUT_FILE=str(logs / "status.json"),
            BUNDLE_DIR=str(logs / "public"),
        )
    yield pair
    pair.close()


def heartbeats(recorder) -> dict[str, tuple[str, str]]:
    said = {}
    for _, path, _ in recorder.hits:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        said[parts.path.rsplit("/", 1)[1]] = (query["status"][0], query["msg"][0])
    return said


def clock(offset: str) -> Callable[[TwoSites], None]:
    def sicken(sites: TwoSites) -> None:
        if not shutil.which("faketime"):
            pytest.fail("Debian's faketime is missing: scripts/test.sh installs it as root (apt-get install faketime)")
        sites.primary.wrap = ["faketime", "-f", offset]

    return sicken


def faulty(name: str) -> Callable[[TwoSites], None]:
    return lambda sites: fault(sites, name)


def state_folder_unwritable(sites: TwoSites) -> None:
    # Root writes through any mode bits: the folder becomes a file, so nothing can be written under it.
    logs = sites.primary.folder / "logs"
    logs.rename(logs.with_name("logs.moved"))
    logs.write_text("not a folder\n")


# Until its last runs failed, then the run that releases the lease.
DID_NOT_PUBLISH = "(holds the lease but did not publish|released the lease after failed runs)"
# (how the holder gets sick, its exit code each run, what its heartbeat's message starts with: a pattern)
CASES = {
    "clock 300 s ahead": (clock("+300s"), 1, "primary, not healthy: clock 30[01] s ahead of the store"),
    "clock 300 s behind": (clock("-300s"), 1, "primary, not healthy: clock (299|300) s behind the store"),
    "public PUTs refused": (refused_public_puts, 4, f"primary, not healthy: {DID_NOT_PUBLISH}"),
    "the AWS CLI gone": (faulty("no-aws"), 4, f"primary, not healthy: {DID_NOT_PUBLISH}"),
    "state folder unwritable": (state_folder_unwritable, 1, f"primary, not healthy: {DID_NOT_PUBLISH}"),
    "an exception in the run": (faulty("raise"), 1, "unexpected RuntimeError: injected by the test"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_holder_that_cannot_publish_hands_over_and_says_so(sites, recorder, case):
    sicken, code, message = CASES[case]
    assert sites.primary.run().returncode == 0, sites.primary.log_text()[-2000:]
    assert sites.lease()["site"] == "fra1"
    sicken(sites)
    a_monitor_goes_down(sites)
    sick_at = time.time()
    rounds, took = 0, None
    while took is None:
        rounds += 1
        assert rounds <= GRACE + 3, f"no handoff after {rounds - 1} rounds: {sites.primary.log_text()[-3000:]}"
        recorder.hits.clear()
        started = time.time()
        wrote = sites.round()
        assert not (wrote["fra1"] and wrote["ams3"]), wrote
        said = heartbeats(recorder)
        if wrote["ams3"]:
            took = time.time() - started
            assert said["ams3"] == ("up", "standby, writing")
            continue
        assert said["fra1"][0] == "down" and re.match(message, said["fra1"][1]), said
        # The run that releases the lease has nothing of its own to fail at: it exits 4, for the runs before.
        expected = 4 if "released the lease after failed runs" in said["fra1"][1] else code
        assert sites.codes["fra1"] == expected, (case, sites.codes, sites.primary.log_text()[-2000:])
        assert said["ams3"] == ("up", "standby, ready"), said
    # The holder's failed runs are the grace and one more, then it releases; the standby takes the free lease.
    assert sites.public()["site"] == "ams3"
    assert time.time() - sick_at <= LEASE_SECONDS + (GRACE + 2) * max(took, 5.0)
    assert sites.primary.proxy.writes(sick_at) == []
