"""The Uptime Kuma client over the wire, against replayed answers of real servers."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from stack import free_port

from elytra_status.infra import settings
from elytra_status.kuma import read as k
from support.commands import run_script
from support.kuma_replay import API_KEY, ReplayServer, Reply, capture, metrics_without_ratios


def config(server: ReplayServer, **extra: str) -> settings.Config:
    values = {"UPTIME_KUMA_URL": server.url, "UPTIME_KUMA_API_KEY": API_KEY, "HTTP_TIMEOUT_SECONDS": "2", **extra}
    return settings.parse_config(values)


def by_id(report: k.KumaReport) -> dict[int | None, k.Monitor]:
    return {m.id: m for m in report.monitors}


def test_2_1_reads_states_and_ratios_from_one_metrics_request(kuma):
    kuma.serve_version("2.5.3")
    report = k.read_kuma(config(kuma))

    assert report.generation == "2.1+"
    assert report.version == "2.5.3"
    assert sorted(by_id(report)) == [1, 2, 3, 4, 5]  # 6 is paused: absent from /metrics
    assert by_id(report)[4].state == k.DOWN
    assert by_id(report)[1].uptime["24h"] == k.Figure(Decimal("100"), "metrics:1d")
    assert "7d" not in by_id(report)[1].uptime  # no status page, no 7-day source
    assert [p for p, _ in kuma.requests] == ["/metrics"]


def test_metrics_auth_is_basic_with_empty_user_and_key_as_password(kuma):
    kuma.serve_version("2.5.3")
    k.read_kuma(config(kuma))
    import base64

    assert kuma.requests[0][1] == "Basic " + base64.b64encode(f":{API_KEY}".encode()).decode()


def test_history_ratios_are_kumas_own_figures_and_7d_comes_from_the_168_hour_badge(kuma):
    kuma.serve_version("2.5.3-history")
    report = k.read_kuma(config(kuma, UPTIME_KUMA_STATUS_PAGE="elytra"))
    one = by_id(report)[1]

    assert one.uptime["24h"] == k.Figure(Decimal("100"), "metrics:1d")
    assert one.uptime["30d"] == k.Figure(Decimal("0.9992818671454219") * 100, "metrics:30d")
    assert one.uptime["7d"] == k.Figure(Decimal("99.70"), "badge:168h")
    assert all(p.endswith("/168") for p in kuma.badge_paths())  # never "7d": 7 hours on 1.23


def test_groups_are_left_out_when_every_monitor_counts(kuma):
    kuma.serve_version("2.5.3-history")
    report = k.read_kuma(config(kuma))
    assert 7 not in by_id(report)
    assert {8, 9, 10, 11} <= set(by_id(report))


def test_a_listed_group_stands_for_itself(kuma):
    kuma.serve_version("2.5.3-history")
    report = k.read_kuma(config(kuma, MONITOR_IDS="7,1"))
    assert [m.id for m in report.monitors] == [7, 1]
    assert by_id(report)[7].state == k.DOWN
    assert by_id(report)[7].uptime["24h"].percent == 0


def test_a_paused_or_unknown_id_asked_for_is_unknown_never_dropped(kuma):
    kuma.serve_version("2.5.3")
    report = k.read_kuma(config(kuma, MONITOR_IDS="1,6,999"))
    assert [(m.id, m.state) for m in report.monitors] == [(1, k.UP), (6, k.UNKNOWN), (999, k.UNKNOWN)]
    assert report.missing == {6: "paused or deleted", 999: "paused or deleted"}
    assert report.incomplete


def test_2_0_has_ids_but_no_ratios_and_takes_24h_from_the_status_page(kuma):
    kuma.serve_version("2.5.3")
    kuma.routes["/metrics"] = metrics_without_ratios()
    report = k.read_kuma(config(kuma, UPTIME_KUMA_STATUS_PAGE="elytra"))

    assert report.generation == "2.0"
    assert by_id(report)[4].uptime["24h"] == k.Figure(Decimal("0"), "status-page:24h")
    assert "/api/status-page/heartbeat/elytra" in [p for p, _ in kuma.requests]


def test_2_0_without_a_status_page_leaves_windows_empty_not_100(kuma):
    kuma.serve_version("2.5.3")
    kuma.routes["/metrics"] = metrics_without_ratios()
    report = k.read_kuma(config(kuma))
    assert all(m.uptime == {} for m in report.monitors)


def test_1_23_maps_ids_to_names_through_the_status_page(kuma):
    kuma.serve_version("2.0.0-dev.0")
    report = k.read_kuma(config(kuma, UPTIME_KUMA_STATUS_PAGE="elytra", MONITOR_IDS="4,1"))

    assert report.generation == "1.23"
    assert [(m.id, m.name) for m in report.monitors] == [(4, "HTTP closed port"), (1, "HTTP kuma self")]
    assert by_id(report)[4].state == k.DOWN
    assert by_id(report)[1].uptime["24h"] == k.Figure(Decimal("100"), "status-page:24h")
    assert by_id(report)[1].uptime["7d"] == k.Figure(Decimal("100.0"), "badge:168h")
    assert "/api/badge/1/uptime/168" in kuma.badge_paths()


def test_1_23_ids_without_a_status_page_cannot_be_resolved(kuma):
    kuma.serve_version("2.0.0-dev.0")
    report = k.read_kuma(config(kuma, MONITOR_IDS="1"))
    assert [(m.id, m.state) for m in report.monitors] == [(1, k.UNKNOWN)]
    assert "set UPTIME_KUMA_STATUS_PAGE" in report.problems[0]


def test_1_23_a_shared_name_whose_lines_and_beats_disagree_is_not_guessed(kuma):
    kuma.serve_version("2.0.0-dev.0")
    # "HTTP closed port" (4, down) renamed on /metrics only: two lines named "HTTP kuma self", UP and DOWN,
    # and the page has one id of that name, whose newest beat (UP) cannot account for the DOWN line.
    body = capture("2.0.0-dev.0", "metrics_apikey.txt").body.replace(b'"HTTP closed port"', b'"HTTP kuma self"')
    kuma.routes["/metrics"] = Reply(200, [("Content-Type", "text/plain; version=0.0.4")], body)
    report = k.read_kuma(config(kuma, UPTIME_KUMA_STATUS_PAGE="elytra", MONITOR_IDS="1,3"))

    # 1's state cannot be told: unknown, never UP; its figures are by id, so they count.
    assert [(m.id, m.state) for m in report.monitors] == [(1, k.UNKNOWN), (3, k.UP)]
    assert by_id(report)[1].uptime["24h"].source == "status-page:24h"
    assert "shared by monitors /metrics cannot tell apart" in report.problems[0]
    assert report.incomplete


def test_1_23_a_shared_name_whose_lines_all_agree_gives_every_id_of_it_that_state(kuma):
    kuma.serve_version("2.0.0-dev.0")
    body = capture("2.0.0-dev.0", "metrics_apikey.txt").body.replace(b'"TCP kuma port"', b'"HTTP kuma self"')
    kuma.routes["/metrics"] = Reply(200, [("Content-Type", "text/plain; version=0.0.4")], body)
    report = k.read_kuma(config(kuma, UPTIME_KUMA_STATUS_PAGE="elytra", MONITOR_IDS="1,3"))
    assert [(m.id, m.state) for m in report.monitors] == [(1, k.UP), (3, k.UP)]  # both lines say UP
    assert not report.problems and not report.incomplete


@pytest.mark.parametrize("metrics", ["metrics_apikey.txt", "metrics_apikey_up_last.txt"], ids=["down-last", "up-last"])
def test_1_23_twins_of_one_name_and_url_are_one_line_each_id_keeps_its_state_and_figures(kuma, metrics):
    kuma.serve_version("1.23-twins")  # "Dup" 1 up and 2 down share one /metrics line; "Web" 3 up
    kuma.routes["/metrics"] = capture("1.23-twins", metrics)
    report = k.read_kuma(config(kuma, UPTIME_KUMA_STATUS_PAGE="elytra"))

    assert sorted((m.id, m.state) for m in report.monitors) == [(1, k.UP), (2, k.DOWN), (3, k.UP)]
    assert report.missing == {} and not report.problems  # none taken for paused or deleted
    assert report.states == {1: k.UP, 2: k.DOWN, 3: k.UP}
    figures = {m.id: [(float(m.uptime[w].percent), m.uptime[w].source) for w in k.WINDOWS] for m in report.monitors}
    sources = ["status-page:24h", "badge:168h", "badge:720h"]
    assert figures == {i: list(zip([p] * 3, sources, strict=True)) for i, p in ((1, 100.0), (2, 50.0), (3, 90.0))}


def test_1_23_twins_whose_beats_lag_the_line_are_unknown_never_up(kuma):
    kuma.serve_version("1.23-twins")
    beats = json.loads(capture("1.23-twins", "status-page_heartbeat_elytra.txt").body)
    beats["heartbeatList"]["2"][0]["status"] = 1  # the cached list still has both up; the line says DOWN
    kuma.routes["/api/status-page/heartbeat/elytra"] = Reply(
        200, [("Content-Type", "application/json")], json.dumps(beats).encode()
    )
    report = k.read_kuma(config(kuma, UPTIME_KUMA_STATUS_PAGE="elytra"))
    assert sorted((m.id, m.state) for m in report.monitors) == [(1, k.UNKNOWN), (2, k.UNKNOWN), (3, k.UP)]


def test_1_23_an_id_not_on_the_page_is_reported(kuma):
    kuma.serve_version("2.0.0-dev.0")
    report = k.read_kuma(config(kuma, UPTIME_KUMA_STATUS_PAGE="elytra", MONITOR_IDS="42"))
    assert "not on status page 'elytra'" in report.problems[0]


def test_an_unknown_slug_that_never_answers_is_bounded_by_the_timeout(kuma):
    kuma.serve_version("2.0.0-dev.0")
    kuma.routes["/api/status-page/nope"] = Reply(200, [], b"", behaviour="hang")
    started = time.monotonic()
    report = k.read_kuma(config(kuma, UPTIME_KUMA_STATUS_PAGE="nope", HTTP_TIMEOUT_SECONDS="1"))
    assert time.monotonic() - started < 5
    assert len(report.monitors) == 5  # /metrics still counts; only the page's figures are missing


def test_401_says_the_key_was_rejected_and_is_not_retried(kuma):
    kuma.serve_version("2.5.3")
    cfg = settings.parse_config({"UPTIME_KUMA_URL": kuma.url, "UPTIME_KUMA_API_KEY": "uk9_wrong-secret-value"})
    with pytest.raises(k.KumaAuthError) as err:
        k.read_kuma(cfg)
    assert str(err.value).startswith(f"API key rejected by {kuma.url}/metrics")
    assert "uk9_wrong-secret-value" not in str(err.value)
    assert len(kuma.requests) == 1


def test_5xx_is_retried_a_bounded_number_of_times(kuma):
    kuma.routes["/metrics"] = Reply(503, [("Content-Type", "text/plain")], b"busy")
    with pytest.raises(k.KumaResponseError, match="HTTP 503"):
        k.read_kuma(config(kuma))
    assert len(kuma.requests) == 3  # one try and two retries


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(200, [("Content-Type", "text/html; charset=utf-8")], b"<!DOCTYPE html><html>Login</html>"), "HTML page"),
        (Reply(200, [("Content-Type", "text/plain")], b""), "empty body"),
        (
            Reply(
                200,
                [("Content-Type", "text/plain")],
                b"# HELP monitor_status x\n# TYPE monitor_status gauge\nmonitor_st",
            ),
            "truncated",
        ),
        (Reply(302, [("Location", "/login")], b""), "redirects"),
    ],
)
def test_unusable_answers_are_errors_that_say_what_to_fix(kuma, reply, message):
    kuma.routes["/metrics"] = reply
    with pytest.raises(k.KumaResponseError, match=message):
        k.read_kuma(config(kuma))


def test_a_body_cut_short_of_its_content_length_is_truncated(kuma):
    good = capture("2.5.3", "metrics_apikey.txt")
    kuma.routes["/metrics"] = Reply(200, good.headers, good.body, behaviour="truncate")
    with pytest.raises(k.KumaResponseError, match="truncated"):
        k.read_kuma(config(kuma))


def test_connection_refused_and_dns_failure_are_unreachable():
    refused = settings.parse_config({"UPTIME_KUMA_URL": f"http://127.0.0.1:{free_port()}", "UPTIME_KUMA_API_KEY": "x"})
    with pytest.raises(k.KumaUnreachable, match="refused"):
        k.read_kuma(refused)
    nowhere = settings.parse_config({"UPTIME_KUMA_URL": "http://kuma.invalid", "UPTIME_KUMA_API_KEY": "x"})
    with pytest.raises(k.KumaUnreachable, match="DNS"):
        k.read_kuma(nowhere)


@pytest.fixture
def tls_server(tmp_path: Path):
    """An HTTPS server with a self-signed certificate, which verification must refuse."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
        ],
        check=True,
        capture_output=True,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_tls_verification_stays_on(tls_server):
    cfg = settings.parse_config({"UPTIME_KUMA_URL": tls_server, "UPTIME_KUMA_API_KEY": "x"})
    with pytest.raises(k.KumaUnreachable, match="TLS error"):
        k.read_kuma(cfg)


def test_cli_prints_each_monitor_with_state_uptimes_and_sources(kuma):
    kuma.serve_version("2.5.3-history")
    env = {"UPTIME_KUMA_URL": kuma.url, "UPTIME_KUMA_API_KEY": API_KEY, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    table = run_script("uptime_kuma_client.py", env=env)
    as_json = run_script("uptime_kuma_client.py", "--json", env=env)

    assert table.returncode == 0, table.stderr
    assert "99.70% (badge:168h)" in table.stdout and "MAINTENANCE" in table.stdout
    data = json.loads(as_json.stdout)
    assert data["monitors"][0]["uptime"]["30d"]["source"] == "metrics:30d"
    assert "uptime 7d sources: badge:168h=9" in as_json.stderr
    assert API_KEY not in table.stdout + table.stderr + as_json.stdout + as_json.stderr
