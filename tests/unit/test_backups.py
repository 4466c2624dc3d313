"""The backup checker against moto's S3 server on loopback, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from elytra_status.backups import check as b
from elytra_status.infra import s3 as s3_factory


@pytest.mark.parametrize(
    ("age", "expected"),
    [(0, "success"), (24.999, "success"), (25, "warning"), (49.999, "warning"), (50, "failed"), (500, "failed")],
)
def test_age_thresholds(age, expected):
    assert b.judge_age(age, 25) == expected


def test_date_partitions_list_only_what_can_be_young_enough():
    now = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)
    assert b.expand_prefix("db/%Y/%m/%d/", now, 25) == ["db/2026/11/27/", "db/2026/11/26/", "db/2026/11/25/"]
    assert b.expand_prefix("db/%Y-%m/", datetime(2026, 12, 1, 1, tzinfo=UTC), 25) == ["db/2026-12/", "db/2026-11/"]
    assert len(b.expand_prefix("db/%Y%m%d%H/", now, 25)) == 51
    assert b.expand_prefix("flat/", now, 25) == ["flat/"]


@pytest.mark.parametrize("value", ["2026-11-27T13:11:07.000Z", "2026-11-27T13:11:07Z", "Fri, 27 Nov 2026 13:11:07 GMT"])
def test_the_fast_timestamp_parser_agrees_with_botocores(value):
    from botocore.utils import parse_timestamp

    assert s3_factory._parse_timestamp(value) == parse_timestamp(value)
