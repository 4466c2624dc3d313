"""Read Uptime Kuma with an API key: each selected monitor's state and its 24h, 7d and 30d uptime."""

from __future__ import annotations

import argparse

from elytra_status.commands import common
from elytra_status.infra import exits, settings
from elytra_status.infra.logs import log
from elytra_status.infra.timing import DeadlineExceeded
from elytra_status.kuma.metrics import STATE_NAMES, KumaError
from elytra_status.kuma.presence import KumaReport
from elytra_status.kuma.read import WINDOWS, coverage, read_kuma
from elytra_status.kuma.report import log_report, report_json


def print_table(report: KumaReport) -> None:
    print(f"Uptime Kuma {report.version or '?'} (API generation {report.generation})")
    rows = [("ID", "NAME", "TYPE", "STATE", *(f"UPTIME {w}" for w in WINDOWS))]
    for m in report.monitors:
        cells = [
            f"{m.uptime[w].percent:.2f}% ({m.uptime[w].source})" if w in m.uptime else "- (no source)" for w in WINDOWS
        ]
        rows.append((str(m.id) if m.id is not None else "?", m.name, m.type, STATE_NAMES[m.state], *cells))
    common.print_rows(rows)
    print("coverage  " + ", ".join(f"{w}: {h} of {o}" for w, (h, o, _) in coverage(report.monitors).items()))
    if report.expectation:
        print(f"expected  from {report.expectation.source}")
    for monitor_id, reason in report.missing.items():
        print(f"missing   {monitor_id}: {reason}")
    for problem in report.problems:
        print(f"problem: {problem}")


def main(argv: list[str] | None = None) -> int:
    from elytra_status.run import state as run_state

    parser = argparse.ArgumentParser(description=__doc__)
    args, config = common.begin(parser, argv, "uptime_kuma_client", settings.NEEDS_KUMA)
    if config is None:
        return common.failed(args, exits.EXIT_CONFIG, "bad config (see the log line)")
    try:
        # Bound to this source (never saved here): another source's memory would set the wrong expectations.
        memory = run_state.bind(run_state.load(config.state_file), config).kuma
        report = read_kuma(config, memory=memory)
    except (KumaError, DeadlineExceeded) as exc:
        log.error("uptime kuma: %s", exc)
        return common.failed(args, exits.EXIT_SOURCE_FAILED, str(exc))
    log_report(report)
    if args.json:
        common.print_json(report_json(report))
    else:
        print_table(report)
    return exits.EXIT_OK if report.monitors and not report.incomplete else exits.EXIT_SOURCE_FAILED
