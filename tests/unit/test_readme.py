"""The README agrees with the code: the settings table, the code map, the exit codes, the commands."""

from __future__ import annotations

import re

from elytra_status import __main__ as package_form
from elytra_status.infra import definitions, exits, settings
from support.commands import ROOT, readme_help_block

README = (ROOT / "README.md").read_text()
HELP_COMMAND = "PYTHONPATH=scripts .venv/bin/python -m elytra_status --help"
PACKAGE = ROOT / "scripts" / "elytra_status"


def test_the_settings_table_is_the_one_the_definitions_make():
    table = README.split("<!-- settings table:", 1)[1].split("-->", 1)[1].split("<!-- end of the settings table -->")[0]
    assert table.strip() == definitions.markdown_table().strip()


def test_the_settings_defaults_and_bounds_are_the_ones_the_code_uses():
    """Every number's default is what an empty settings file gives, and its bounds are where the check stops."""
    config = settings.parse_config({"STATUS_MAX_AGE_SECONDS": "3600"})
    for setting in definitions.SETTINGS:
        attribute = setting.name.lower()
        if setting.low is None:
            continue
        value = getattr(config, attribute)
        if setting.name != "STATUS_MAX_AGE_SECONDS":
            assert value == float(setting.default), setting.name
        for outside in (setting.low - 1, setting.high + 1):
            try:
                settings.parse_config({"STATUS_MAX_AGE_SECONDS": "86400", setting.name: f"{outside:g}"})
            except settings.ConfigError as exc:
                assert setting.name in str(exc)
            else:
                raise AssertionError(f"{setting.name}={outside:g} was accepted")
    assert settings.parse_config({}).status_max_age_seconds == 900


def test_every_variable_the_code_reads_is_in_the_table_and_the_example():
    example = (ROOT / "config" / ".env.example").read_text()
    for name in settings.KNOWN_VARIABLES:
        assert f"| `{name}` |" in README, name
        assert re.search(rf"^{name}=", example, re.M), name


def test_the_code_map_names_every_module_and_every_folder_it_names_exists():
    code_map = README.split("## Code map", 1)[1].split("\n## ", 1)[0]
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")):
        assert f"| `{folder.name}/` |" in code_map, folder.name
        for module in folder.glob("*.py"):
            if module.name != "__init__.py":
                assert f"`{module.name}`" in code_map, f"{folder.name}/{module.name} is not in the code map"
    for folder, names in re.findall(r"^\| `([a-z_]+)/` \| (.*) \|$", code_map, re.M):
        for name in re.findall(r"`([a-z_]+\.py)`", names):
            assert (PACKAGE / folder / name).exists() or folder == "publish" and name == "aws_upload.py", name


def test_the_exit_codes_table_matches_the_codes():
    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in (exits.EXIT_OK, exits.EXIT_FAILED, exits.EXIT_CONFIG, exits.EXIT_SOURCE_FAILED):
        assert f"\n| {code} |" in table
    for code in (exits.EXIT_UPLOAD_FAILED, exits.EXIT_STATE_NOT_SAVED, exits.EXIT_LOCKED):
        assert f"\n| {code} |" in table


def test_the_commands_the_readme_names_exist():
    for name in set(re.findall(r"scripts/cli/([a-z_]+\.py)", README)):
        assert (ROOT / "scripts" / "cli" / name).exists(), name


def test_no_word_about_how_the_project_was_made():
    for doc in [ROOT / "README.md", *PACKAGE.rglob("README.md"), *(ROOT / "tests").rglob("README.md")]:
        text = doc.read_text()
        assert not re.search(r"\b(the brief|the seed|issue #?\d+|issues left room)\b", text, re.I), doc


def test_needed_by_names_the_commands_that_refuse_to_start_without_it():
    needs = {
        "the job": settings.NEEDS_KUMA + settings.NEEDS_BACKUPS + settings.NEEDS_PUBLISH,
        "status.py": settings.NEEDS_KUMA + settings.NEEDS_BACKUPS,
        "uptime_kuma_client.py": settings.NEEDS_KUMA,
        "backup_checker.py": settings.NEEDS_BACKUPS,
        "publish.py": settings.NEEDS_PUBLISH,
        "bucket_setup.py": settings.NEEDS_PUBLISH,
        "public_check.py": settings.NEEDS_PUBLIC_CHECK,
    }
    for setting in definitions.SETTINGS:
        named = {c.strip() for c in setting.needed_by.split(",") if c.strip()}
        assert named == {command for command, names in needs.items() if setting.name in names}, setting.name


def test_every_file_the_docs_name_exists():
    docs = [ROOT / "README.md", *PACKAGE.rglob("README.md"), *(ROOT / "tests").rglob("README.md")]
    for doc in docs:
        for path in re.findall(r"`((?:tests|scripts)/[\w./-]+\.(?:py|sh|json|md))(?:::\w+)?`", doc.read_text()):
            assert (ROOT / path).exists(), f"{doc.relative_to(ROOT)} names {path}"


def test_the_readme_shows_the_package_help_exactly_as_it_prints(capsys):
    command, shown = readme_help_block()
    assert command == HELP_COMMAND
    assert package_form.main(["--help"]) == exits.EXIT_OK
    printed = capsys.readouterr()
    assert printed.out == shown and printed.err == ""
