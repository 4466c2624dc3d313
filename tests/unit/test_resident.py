"""The resident mode's pure parts: what a quiet poll compares, and the watchdog's bound."""

from __future__ import annotations

from elytra_status.kuma.inputs import news as fingerprint
from elytra_status.run.watchdog import Watchdog

BODY = """# HELP monitor_status x
monitor_status{monitor_id="1",monitor_name="API"} 1
monitor_uptime_ratio{monitor_id="1",window="1d"} 0.9991
process_start_time_seconds 1700000000
expressjs_number_of_open_connections 1
"""


def test_a_quiet_poll_sees_a_state_or_a_restart_never_a_moving_ratio():
    assert fingerprint(BODY) == fingerprint(BODY.replace("0.9991", "0.9992"))
    assert fingerprint(BODY) != fingerprint(BODY.replace('"API"} 1', '"API"} 0'))
    assert fingerprint(BODY) != fingerprint(BODY.replace("1700000000", "1700000600"))


def test_the_watchdog_counts_only_work_in_progress():
    now = [0.0]
    dog = Watchdog(30.0, lambda ran: None, clock=lambda: now[0])
    now[0] = 1000.0  # a long wait between polls is no hang
    assert dog.overdue() is None
    dog.busy()
    now[0] += 30.0
    assert dog.overdue() is None
    now[0] += 1.0
    assert dog.overdue() == 31.0
    dog.idle()
    assert dog.overdue() is None
