"""Announcements through Apprise: --test sends one message to each target; --dry-run shows the next run's."""

from __future__ import annotations

import argparse

from elytra_status.announce import sender, turn, wording
from elytra_status.commands import common
from elytra_status.infra import exits
from elytra_status.infra.signed_s3 import SignedS3
from elytra_status.render.keys import public_base
from elytra_status.run import state as run_state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--test", action="store_true", help="send one test message to each target; ok or the reason")
    mode.add_argument("--dry-run", action="store_true", help="print what the next run would announce; sends nothing")
    args, config = common.begin(parser, argv, "announce", ())
    if config is None:
        return common.failed(args, exits.EXIT_CONFIG, "bad config (see the line above)")
    if not config.notify_urls:
        return common.failed(args, exits.EXIT_CONFIG, "NOTIFY_URLS is empty: announcements are off")
    if args.test:
        return test(config, args.json)
    if not config.status_bucket:
        return common.failed(args, exits.EXIT_CONFIG, "STATUS_BUCKET is empty: the record lives there")
    try:
        coming = turn.preview(config, run_state.load(config.state_file).history, SignedS3(config))
    except turn.record.RecordError as exc:
        return common.failed(args, exits.EXIT_FAILED, str(exc))
    if args.json:
        common.print_json({"ok": True, "announcements": coming})
    elif not coming:
        print("nothing to announce")
    for item in [] if args.json else coming:
        print(f"{item['kind']} {item['phase']} ({item['at']}): {item['title']}")
    return exits.EXIT_OK


def test(config: common.Config, as_json: bool) -> int:
    targets = turn.targets_of(config)
    title, body = wording.test_message(config.page_language, public_base(config))
    messages = {t.tid: [("test", title, body)] for t in targets}
    results, reasons = sender.send(targets, messages, turn.BUDGET_SECONDS * 2)
    rows = []
    for t in targets:
        ok = results.get(("test", t.tid))
        why = "ok" if ok else reasons.get(t.tid) or ("no answer in time" if ok is None else "failed")
        rows.append({"target": t.number, "service": t.service, "ok": bool(ok), "result": why[:200]})
    if as_json:
        common.print_json({"ok": all(r["ok"] for r in rows), "targets": rows})
    else:
        table = [(str(r["target"]), r["service"], r["result"]) for r in rows]
        common.print_rows([("item", "service", "result"), *table])
    return exits.EXIT_OK if all(r["ok"] for r in rows) else exits.EXIT_FAILED
