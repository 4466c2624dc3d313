"""One id for one thing: the record gives components their id by page name, and incidents and windows theirs
at first sight, whoever writes and in either mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elytra_status.judge import ids

FRA, AMS = "a" * 32, "b" * 32
NOW = "2026-12-02T13:00:00.000Z"


def incident(record, generator, key, title, start="2026-12-02T12:00:00.000Z", now=NOW):
    return ids.event(record, ids.INCIDENT, generator, key, title, start, now, f"i{key}").id


def test_a_component_keeps_the_id_its_name_first_had_whatever_the_site_numbers_it():
    record = ids.IdRecord()
    assert ids.components(record, [("g", "Services", 1), ("m", "API", 1)]) == {
        ("g", "Services"): "g1",
        ("m", "API"): "m1",
    }
    # The other site's Uptime Kuma numbers the same monitor 101: the name keeps m1.
    assert ids.components(record, [("g", "Services", 101), ("m", "API", 101)])[("m", "API")] == "m1"


def test_existing_single_site_ids_stay_and_a_name_hash_id_of_an_older_two_site_bucket_stays():
    record = ids.IdRecord()
    ids.seed(record, {"m1": "API", "m-0123456789ab": "Web", "g3": "Services"}, [], FRA, NOW)
    found = ids.components(record, [("g", "Services", 103), ("m", "API", 7), ("m", "Web", 2)])
    assert found == {("g", "Services"): "g3", ("m", "API"): "m1", ("m", "Web"): "m-0123456789ab"}


def test_a_rename_keeps_the_id_and_a_name_still_on_the_page_never_loses_it():
    record = ids.IdRecord()
    ids.components(record, [("m", "API", 1), ("m", "Web", 2)])
    assert ids.components(record, [("m", "API v2", 1), ("m", "Web", 2)])[("m", "API v2")] == "m1"
    # A new name whose native id another name on the page holds gets one of its own.
    assert ids.components(record, [("m", "API v2", 1), ("m", "Web", 2), ("m", "Docs", 2)])[("m", "Docs")] == "m2-2"


def test_an_incident_keeps_its_id_when_its_title_is_edited():
    record = ids.IdRecord()
    assert incident(record, FRA, "7", "Database slow") == "i7"
    assert incident(record, FRA, "7", "Database down") == "i7"
    assert len(record.events) == 1


def test_another_sites_incident_joins_when_a_title_matches_and_the_starts_are_within_15_minutes():
    record = ids.IdRecord()
    assert incident(record, FRA, "7", "Database down") == "i7"
    assert incident(record, AMS, "31", "Database down", start="2026-12-02T12:14:00.000Z") == "i7"
    assert record.events[0].seen == {FRA: "7", AMS: "31"}
    # Later than 15 minutes, another title, or a second one at the same site: another incident.
    assert incident(record, AMS, "32", "Database down", start="2026-12-02T12:16:00.000Z") == "i32"
    assert incident(record, "c" * 32, "5", "Other", start="2026-12-02T12:00:00.000Z") == "i5"
    assert incident(record, FRA, "8", "Database down", start="2026-12-02T11:59:00.000Z") == "i8"


def test_the_edited_title_is_matched_too():
    record = ids.IdRecord()
    incident(record, FRA, "7", "DB slow")
    incident(record, FRA, "7", "Database down")
    assert incident(record, AMS, "31", "Database down", start="2026-12-02T12:05:00.000Z") == "i7"


def test_a_native_id_another_thing_holds_gets_a_suffix():
    record = ids.IdRecord()
    assert incident(record, FRA, "7", "Database down") == "i7"
    assert incident(record, AMS, "7", "Certificate renewal") == "i7-2"
    assert incident(record, "c" * 32, "7", "Mail delayed") == "i7-3"


def test_a_window_is_one_event_across_sites_and_keeps_its_first_start():
    record = ids.IdRecord()
    start = "2026-12-02T06:29:00.000Z"
    first = ids.event(record, ids.MAINTENANCE, FRA, f"3@{start}", "Upgrade", start, NOW, "mt3-20261202T062900Z")
    later = "2026-12-02T06:30:10.000Z"  # a manual window: the other site saw it a run later
    other = ids.event(record, ids.MAINTENANCE, AMS, f"103@{later}", "Upgrade", later, NOW, "mt103-20261202T063010Z")
    assert other is first and first.id == "mt3-20261202T062900Z" and first.start == start


def test_events_unseen_for_90_days_are_forgotten_and_the_record_is_bounded():
    record = ids.IdRecord()
    now = datetime(2026, 12, 2, tzinfo=UTC)
    old = (now - timedelta(days=91)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    incident(record, FRA, "1", "Old", now=old)
    incident(record, FRA, "2", "Recent")
    ids.prune(record, now)
    assert [e.id for e in record.events] == ["i2"]
    for n in range(ids.MAX_EVENTS + 5):
        incident(record, FRA, str(100 + n), f"t{n}")
    ids.prune(record, now)
    assert len(record.events) == ids.MAX_EVENTS


def test_seeding_takes_the_published_incidents_and_windows_with_this_sites_own_keys():
    record = ids.IdRecord()
    items = [
        {"id": "i7", "name": "Database down", "impact": "major", "created_at": "2026-12-02T12:00:00.000Z"},
        {
            "id": "mt3-20261202T062900Z",
            "name": "Upgrade",
            "impact": "maintenance",
            "created_at": "2026-12-02T06:29:00.000Z",
            "scheduled_for": "2026-12-02T06:29:00.000Z",
        },
    ]
    ids.seed(record, {}, items, FRA, NOW)
    assert incident(record, FRA, "7", "Database down (edited)") == "i7"
    window = ids.event(
        record, ids.MAINTENANCE, FRA, "3@2026-12-02T06:29:00.000Z", "Upgrade", "2026-12-02T06:29:00.000Z", NOW, "x"
    )
    assert window.id == "mt3-20261202T062900Z"


def test_the_record_goes_to_json_and_back_unchanged():
    record = ids.IdRecord()
    ids.components(record, [("m", "API", 1)])
    incident(record, FRA, "7", "Database down")
    again = ids.from_json(ids.to_json(record))
    assert again == record
