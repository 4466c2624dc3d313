"""The package reads as the pipeline: imports point one way, down the stages, and modules stay small."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from support.commands import ROOT

PACKAGE = ROOT / "scripts" / "elytra_status"
# Lower floors never import from higher ones; a floor may import from itself and every floor below.
# announce/ sits beside publish/: it tells what the published files show, and neither imports the other.
FLOORS = {"infra": 0, "kuma": 1, "backups": 1, "judge": 2, "render": 3, "publish": 4, "announce": 4, "run": 5}
FLOORS["commands"] = 6
MAX_LINES = 300
# What a cron run that finds nothing new never needs: boto3 (the backup listing, the upload's checks), the
# renderers (a changed set) and the schema library (set-up only). Each costs it 0.05 to 0.15 CPU-s to import.
HEAVY = ("boto3", "botocore", "jinja2", "babel", "markdown_it", "jsonschema")


def imports_of(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("elytra_status."):
            yield node.module.split(".")[1], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("elytra_status."):
                    yield alias.name.split(".")[1], node.lineno


def test_every_stage_folder_has_a_floor():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert folders == set(FLOORS)


def test_imports_point_down_the_stages_only():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        stage = path.relative_to(PACKAGE).parts[0]
        if stage not in FLOORS:
            continue  # the package's own __init__ and __main__
        for target, line in imports_of(path):
            if FLOORS[target] > FLOORS[stage]:
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert upward == []


def test_peers_on_one_floor_do_not_import_each_other():
    crossing = [
        f"{path.relative_to(PACKAGE)}:{line} imports {target}"
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] in FLOORS
        for target, line in imports_of(path)
        if target != path.relative_to(PACKAGE).parts[0] and FLOORS[target] == FLOORS[path.relative_to(PACKAGE).parts[0]]
    ]
    assert crossing == []


def test_modules_stay_small():
    large = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert large == {}


def test_the_commands_in_scripts_cli_are_thin():
    for path in (ROOT / "scripts" / "cli").glob("*.py"):
        code = [line for line in path.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
        assert len(code) <= 10, path.name
        assert f"from elytra_status.commands.{path.stem} import main" in path.read_text()


def test_the_job_starts_without_boto3_the_renderers_or_jsonschema():
    # A fresh interpreter: this one has them all loaded. The one subprocess of the unit tier (0.2 s).
    code = (
        "import elytra_status.commands.job, sys;"
        f" print(sorted(m for m in sys.modules if m.split('.')[0] in {set(HEAVY)!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd="/", timeout=60, check=True
    )
    assert found.stdout.strip() == "[]", found.stdout
