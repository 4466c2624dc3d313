"""The fast /metrics reader gives exactly what prometheus_client gives, on every capture and on hostile text;
where it is not sure, the library decides."""

from __future__ import annotations

from pathlib import Path

import pytest

from elytra_status.kuma import metrics as kuma_metrics
from elytra_status.kuma import prom_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kuma"


CAPTURES = sorted(p for p in FIXTURES.glob("*/metrics_*.txt") if b"# TYPE monitor_status " in p.read_bytes())


def body(path: Path) -> str:
    return path.read_bytes().decode().split("\r\n\r\n", 1)[1]


def wanted(text: str) -> str:
    """The lines parse_metrics hands the reader."""
    lines = [
        ln
        for ln in text.splitlines()
        if ln.startswith(kuma_metrics._WANTED_PREFIXES) and kuma_metrics._UNUSED_WINDOW not in ln
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_capture_reads_the_same_by_the_fast_path_and_by_the_library(path):
    text = body(path)
    assert prom_text._plain(wanted(text)) is not None, "the fast path must take Uptime Kuma's own lines"
    assert prom_text._plain(wanted(text)) == prom_text._by_library(wanted(text))
    whole = prom_text._plain(text)
    assert whole is None or whole == prom_text._by_library(text)


def test_the_captures_cover_every_generation():
    assert {p.parent.name for p in CAPTURES} >= {"2.5.3", "2.0.0-dev.0"}
    assert any(b'monitor_id="' not in p.read_bytes() for p in CAPTURES)  # the 1.23-era lines, names only


HOSTILE = [
    'monitor_status{monitor_name="say \\"hi\\"",monitor_type="http"} 1',
    'monitor_status{monitor_name="back\\\\slash\\\\",monitor_id="3"} 0',
    'monitor_status{monitor_name="two\\nlines",monitor_url="null",monitor_port="null"} 2',
    'monitor_status{monitor_name="tab\\t stays as written"} 1',
    'monitor_status{monitor_name="a,b} 9",window="x"} 3',
    'monitor_status{monitor_name="",monitor_hostname="null",} 1',
    'monitor_status{monitor_name="ünïcødé ✓ 日本"} 1',
    "monitor_status{} 1",
    "process_start_time_seconds 1.7646e+09",
    'monitor_uptime_ratio{monitor_id="1",window="1d"} 0.9993055555555556',
    'monitor_uptime_ratio{monitor_id="1",window="30d"} NaN',
    'monitor_uptime_ratio{monitor_id="1",window="30d"} +Inf',
    "# HELP monitor_status Monitor Status (1 = UP, 0= DOWN, 2= PENDING, 3= MAINTENANCE)",
    "# TYPE monitor_status gauge",
]


@pytest.mark.parametrize("line", HOSTILE)
def test_escapes_nulls_and_odd_values_read_as_the_library_reads_them(line):
    text = line + "\n"
    assert prom_text._plain(text) is not None
    assert repr(prom_text._plain(text)) == repr(prom_text._by_library(text))  # repr: NaN is not NaN


BROKEN = [
    'monitor_status{monitor_name="unclosed} 1',
    "monitor_status{monitor_name=bare} 1",
    'monitor_status{monitor_name="a"} 1_0',
    'monitor_status{monitor_name="a"} up',
    'monitor_status{monitor_name="a" monitor_type="b"} 1',
]


@pytest.mark.parametrize("line", BROKEN)
def test_what_the_fast_path_cannot_read_goes_to_the_library_and_fails_as_it_fails(line):
    text = line + "\n"
    assert prom_text._plain(text) is None
    with pytest.raises(ValueError):
        prom_text._by_library(text)
    with pytest.raises(ValueError):
        prom_text.samples(text)


def test_what_the_fast_path_does_not_know_the_library_still_reads():
    for text in (
        '# a plain comment\nmonitor_status{monitor_name="x"} 1 1764300000000\n',
        'monitor_status{monitor_name="a"}1\n',
    ):
        assert prom_text._plain(text) is None
        assert prom_text.samples(text) == prom_text._by_library(text) != []


def test_a_duplicate_label_is_left_to_the_library():
    assert prom_text._plain('monitor_status{a="1",a="2"} 1\n') is None
