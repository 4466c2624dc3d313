#!/usr/bin/env python3
"""The demo: start and seed the local stack, run the cron wrapper once as cron would, show the result.

`demo.py` runs it once and stops everything; `demo.py --keep` leaves it running;
`demo.py stop` ends a stack left running.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from kuma_live import StackError
from stack import BIN, DEFAULT_WORKDIR, ROOT, Stack, say


def cron_env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home)}


def demo(keep: bool, workdir: Path) -> int:
    import requests

    if (workdir / "stack.json").exists():
        Stack(workdir).stop_all()  # a stack left over from --keep
    shutil.rmtree(workdir, ignore_errors=True)  # a new Uptime Kuma database, a new everything
    stack = Stack(workdir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ok = False
    try:
        stack.start_all()
        env_file = stack.write_env()
        home = workdir / "home"
        home.mkdir(exist_ok=True)
        say("running scripts/generate_and_upload.sh as cron would (env -i, PATH=/usr/bin:/bin, cwd /)")
        run = subprocess.run(
            [
                "env",
                "-i",
                *(f"{k}={v}" for k, v in cron_env(home).items()),
                "bash",
                str(ROOT / "scripts/generate_and_upload.sh"),
                "--env-file",
                str(env_file),
            ],
            cwd="/",
            capture_output=True,
            text=True,
            timeout=600,
        )
        sys.stderr.write(run.stdout)
        say(f"cron wrapper exit code {run.returncode}")
        public = stack.env()["STATUS_PUBLIC_URL"]
        fetched = requests.get(public, timeout=10)
        say(
            f"GET {public} -> HTTP {fetched.status_code}, {fetched.headers.get('Content-Type')}, "
            f"Cache-Control: {fetched.headers.get('Cache-Control')}"
        )
        print(fetched.text, end="")
        check = subprocess.run(
            [str(BIN / "python"), str(ROOT / "scripts/cli/public_check.py"), "--env-file", str(env_file)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        say(f"public check: {check.stdout.strip()}")
        show_bundle(public.rsplit("/", 1)[0])
        show_page(public.rsplit("/", 1)[0] + "/index.html")
        ok = run.returncode in (0, 3) and fetched.status_code == 200 and check.returncode == 0
        if keep and ok:
            say(f"left running; settings in {env_file}; Uptime Kuma admin password in {stack.state_file}")
            say(f"stop it with: {BIN / 'python'} {ROOT / 'scripts/dev/demo.py'} stop")
        return 0 if ok else 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except (StackError, TimeoutError) as exc:
        say(f"the stack could not start: {exc}")
        return 1
    finally:
        if not (keep and ok):
            stack.stop_all()
            say("stopped every process the demo started")


def show_page(url: str) -> None:
    """The human page's public URL, and a screenshot of it as a browser shows it (Debian's Chromium)."""
    say(f"the status page: {url}")
    if not Path("/usr/bin/chromium").exists():
        say("no screenshot: Debian's chromium is not installed (apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    shot = ROOT / ".cache" / "demo-status-page.png"
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        tab = chromium.new_page(viewport={"width": 1280, "height": 800})
        tab.goto(url)
        tab.screenshot(path=str(shot), full_page=True)
        chromium.close()
    say(f"screenshot of the page: {shot}")


def show_bundle(base: str) -> None:
    """The public URLs of the bundle, and the first lines of its summary.json."""
    import requests

    say("the public bundle (Statuspage API v2 and a shields.io badge):")
    for key in json.loads((ROOT / "scripts/elytra_status/infra/bundle.schema.json").read_text())["files"]:
        say(f"  {base}/{key}")
    summary = requests.get(f"{base}/api/v2/summary.json", timeout=10).json()
    lines = json.dumps(
        {
            "status": summary["status"],
            "components": [f"{c['name']}: {c['status']}" for c in summary["components"]][:6],
            "incidents": [i["name"] for i in summary["incidents"]],
            "scheduled_maintenances": [m["name"] for m in summary["scheduled_maintenances"]],
        },
        indent=2,
    )
    say("summary.json, in short:\n" + lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=("demo", "stop"), default="demo")
    parser.add_argument("--keep", action="store_true", help="leave the stack running for exploration")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args(argv)
    if args.command == "stop":
        Stack(args.workdir).stop_all()
        say("stopped")
        return 0
    return demo(args.keep, args.workdir)


if __name__ == "__main__":
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
