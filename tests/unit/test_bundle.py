"""The public bundle from replayed Uptime Kuma pages: components, incidents, maintenance, nothing leaked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from elytra_status.infra import schemas as bundle_schema
from elytra_status.kuma.published import PageGroup, PageMonitor, PublishedPage
from elytra_status.render import bundle
from elytra_status.render.bundle_memory import BundleMemory

NOW = datetime(2026, 11, 28, 7, 0, 0, tzinfo=UTC)


DOC = {"platform_status": "degraded", "maintenance": True, "updated_at": "2026-11-28T07:00:00Z"}


def big_page(groups: int, per_group: int) -> PublishedPage:
    page = PublishedPage("big", "Big")
    for g in range(groups):
        monitors = tuple(PageMonitor(g * per_group + i + 1, f"Service {g}-{i}", "http") for i in range(per_group))
        page.groups.append(PageGroup(g + 1, f"Group {g}", monitors))
    return page


def test_200_monitors_in_10_groups_and_a_rename_keeps_ids_and_since_times():
    page = big_page(10, 20)
    states = {i: 1 for i in range(1, 201)}
    memory = BundleMemory()
    files = bundle.build({**DOC, "maintenance": False}, page, states, None, memory, "", NOW)
    comps = files["api/v2/components.json"]["components"]
    for key, content in files.items():
        bundle_schema.check(key, content)
    assert len(comps) == 210 and sum(c["group"] for c in comps) == 10

    renamed = big_page(10, 20)
    renamed.groups[0] = PageGroup(1, "Group 0", (PageMonitor(1, "API v2", "http"), *renamed.groups[0].monitors[1:]))
    later = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    again = bundle.build({**DOC, "maintenance": False}, renamed, states, None, memory, "", later)
    first = {c["id"]: c for c in again["api/v2/components.json"]["components"]}["m1"]
    assert first["name"] == "API v2"
    assert first["updated_at"] == "2026-11-28T07:00:00.000Z"  # same status: still "since 07:00"

    states[1] = 0
    down = bundle.build({**DOC, "maintenance": False}, renamed, states, None, memory, "", later)
    first = {c["id"]: c for c in down["api/v2/components.json"]["components"]}["m1"]
    assert (first["status"], first["updated_at"]) == ("major_outage", "2026-11-28T08:00:00.000Z")
    assert first["created_at"] == "2026-11-28T07:00:00.000Z"


@pytest.mark.parametrize(
    ("platform", "maintenance", "indicator"),
    [
        ("operational", False, "none"),
        ("operational", True, "maintenance"),
        ("outage", False, "critical"),
        ("unknown", False, "minor"),
    ],
)
def test_the_page_status_never_reads_unknown_as_none(platform, maintenance, indicator):
    status = bundle.status_object({"platform_status": platform, "maintenance": maintenance})
    assert status["indicator"] == indicator


def test_a_maintenance_gone_from_the_page_is_completed():
    page = PublishedPage("p", "P")
    memory = BundleMemory()
    from elytra_status.kuma.published import PageMaintenance

    page.maintenances = [PageMaintenance(7, "DB upgrade", "", None, None)]
    bundle.build(DOC, page, {}, None, memory, "", NOW)
    page.maintenances = []
    files = bundle.build(DOC, page, {}, None, memory, "", datetime(2026, 11, 28, 9, tzinfo=UTC))
    [done] = files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    assert (done["status"], done["resolved_at"]) == ("completed", "2026-11-28T09:00:00.000Z")
    assert done["scheduled_for"] == "2026-11-28T07:00:00.000Z"  # a manual one starts when first seen
    assert files["api/v2/scheduled-maintenances/active.json"]["scheduled_maintenances"] == []
