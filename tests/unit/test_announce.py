"""What to announce, decided over plain data: the hold, unknown, incidents by name, retries and their bound."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from elytra_status.announce import decide
from elytra_status.infra import timing
from elytra_status.infra.logs import log, setup_logging
from elytra_status.infra.settings import parse_config

NOW = datetime(2026, 12, 2, 13, 9, tzinfo=UTC)
HOLD = 120


def at(seconds_ago: float) -> str:
    return timing.iso_z(NOW - timedelta(seconds=seconds_ago))


def view(platform: str, changes=(), incidents=()) -> decide.View:
    parts = {"word": "operational", "names": [], "more": 0}
    return decide.View(platform, parts, "https://status.example.com/", list(changes), list(incidents), [])


def change(frm: str, to: str, seconds_ago: float) -> dict:
    return {"at": at(seconds_ago), "from": frm, "to": to}


def test_a_change_is_announced_once_it_has_held_and_only_once():
    record = decide.baseline(view("operational"))
    changes = [change("operational", "degraded", 60)]
    assert decide.new_events(view("degraded", changes), record, NOW, HOLD) == []
    changes = [change("operational", "degraded", 121)]
    (event,) = decide.new_events(view("degraded", changes), record, NOW, HOLD)
    assert (event["kind"], event["phase"], event["at"]) == ("status", "degraded", at(121))
    assert decide.new_events(view("degraded", changes), record, NOW, HOLD) == []


def test_unknown_is_never_announced_and_neither_starts_nor_ends_a_hold():
    record = decide.baseline(view("operational"))
    assert decide.new_events(view("unknown", [change("operational", "unknown", 500)]), record, NOW, HOLD) == []
    # degraded for 200 s, unknown in the middle: still one hold, from its start
    changes = [change("unknown", "degraded", 30), change("degraded", "unknown", 90)]
    changes.append(change("operational", "degraded", 200))
    (event,) = decide.new_events(view("degraded", changes), record, NOW, HOLD)
    assert event["at"] == at(200)
    # out of unknown into a state: the hold starts when that state was first seen
    record = decide.baseline(view("operational"))
    changes = [change("unknown", "outage", 30), change("operational", "unknown", 500)]
    assert decide.new_events(view("outage", changes), record, NOW, HOLD) == []


def test_maintenance_counts_as_operational_for_a_status_change():
    record = decide.baseline(view("operational"))
    assert decide.new_events(view("maintenance", [change("operational", "maintenance", 500)]), record, NOW, HOLD) == []


def incident(name: str, status: str, body: str = "text") -> dict:
    return {
        "name": name,
        "status": status,
        "started_at": at(300),
        "updated_at": at(100),
        "resolved_at": at(10) if status == "resolved" else None,
        "shortlink": f"https://status.example.com/incidents/{name}.html",
        "incident_updates": [{"body": body}],
    }


def test_an_incident_new_updated_resolved_and_the_other_sites_ids_do_not_matter():
    record = decide.baseline(view("operational"))
    phases = []
    for item in (incident("db", "investigating"), incident("db", "investigating", "fixed"), incident("db", "resolved")):
        phases += [e["phase"] for e in decide.new_events(view("operational", incidents=[item]), record, NOW, HOLD)]
    assert phases == ["new", "update", "resolved"]
    # the other site's Uptime Kuma numbers it apart: the same title and text are the same incident
    other = {**incident("db", "resolved"), "id": "i99"}
    assert decide.new_events(view("operational", incidents=[other]), record, NOW, HOLD) == []


def test_a_failing_target_backs_off_by_runs_and_is_dropped_after_the_bound():
    record = decide.baseline(view("operational"))
    decide.queue(record, [{"key": "k", "kind": "status", "phase": "outage", "at": at(0)}], ["a", "b"], NOW)
    tried = []
    for _ in range(8):
        pairs = decide.due(record, ["a", "b"])
        tried.append([t for _, t in pairs])
        decide.settle(record, {("k", t): t == "b" for _, t in pairs}, NOW)
    assert tried[0] == ["a", "b"] and [run for run, t in enumerate(tried) if "a" in t] == [0, 1, 3, 7]
    late = NOW + timedelta(seconds=decide.RETRY_SECONDS + 1)
    dropped = decide.settle(record, {("k", "a"): False}, late)
    assert [t for _, t in dropped] == ["a"] and decide.pending_count(record) == 0


def test_a_target_removed_from_notify_urls_is_forgotten():
    record = decide.baseline(view("operational"))
    decide.queue(record, [{"key": "k", "kind": "status", "phase": "outage", "at": at(0)}], ["a"], NOW)
    assert decide.due(record, ["b"]) == []
    decide.settle(record, {}, NOW)
    assert decide.pending_count(record) == 0


def test_notify_urls_are_secrets_masked_in_every_log_line_apprises_included(capsys):
    url = "slack://TokenAAAAAAAA/TokenBBBBBBBB/TokenCCCCCCCCCCCC/#status"
    config = parse_config({"NOTIFY_URLS": f"{url} json://user:pa55word99@hooks.example.com/path/x1y2z3w4v5"})
    setup_logging("test", config)
    from elytra_status.announce.sender import _apprise_logging

    _apprise_logging()
    logging.getLogger("apprise").warning("posting to %s with pa55word99", url)
    log.info("https://hooks.example.com/path/x1y2z3w4v5 and TokenAAAAAAAA")
    err = capsys.readouterr().err
    for secret in ("TokenAAAAAAAA", "TokenBBBBBBBB", "TokenCCCCCCCCCCCC", "pa55word99", "x1y2z3w4v5"):
        assert secret not in err
    assert "hooks.example.com" in err  # a DNS name is not a secret; the line stays readable


def test_a_bad_notify_url_stops_the_run_naming_the_setting_never_the_value():
    try:
        parse_config({"NOTIFY_URLS": "slack://ok/ok/ok not-a-url-s3cr3t"})
    except Exception as exc:  # noqa: BLE001
        assert "NOTIFY_URLS" in str(exc) and "item 2" in str(exc) and "s3cr3t" not in str(exc)
    else:
        raise AssertionError("accepted")


def test_apprise_is_imported_only_inside_the_sender_by_a_run_that_sends():
    import ast

    from support.commands import ROOT

    top_level = []
    for path in (ROOT / "scripts" / "elytra_status").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level: paid by every run, the ones with nothing to send included
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            top_level += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "apprise"]
    assert top_level == []


def test_a_telegram_bot_token_in_the_host_is_masked_on_its_own():
    from elytra_status.infra.values import url_secrets

    token = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    found = url_secrets((f"tgram://123456789:{token}/-1001234567",))
    assert token in found and "123456789" not in found


def test_a_record_whose_pending_event_is_damaged_at_any_depth_is_no_record():
    import json

    from elytra_status.announce import record

    event = {"key": "k", "kind": "status", "phase": "changed", "at": "2026-12-06T20:00:00Z", "queued": "x"}
    good = {"version": record.RECORD_VERSION, "incidents": {}, "maintenances": {}}
    ok = {**good, "pending": [{**event, "targets": {"t1": {"tries": 1, "skip": 0}}}]}
    assert record.parse(json.dumps(ok).encode()) is not None
    for bad in ({"t1": {"tries": "1", "skip": 0}}, {"t1": {"tries": 1}}, ["t1"], None):
        damaged = {**good, "pending": [{**event, "targets": bad}]}
        assert record.parse(json.dumps(damaged).encode()) is None, bad
    assert record.parse(json.dumps({**good, "pending": [{"targets": {}}]}).encode()) is None
