"""One run's public set: built once in memory, written to disk, and what a publish by hand reads back is the same."""

from __future__ import annotations

import pytest

from elytra_status.judge.change_gate import digest_of
from elytra_status.publish.from_disk import RefusedFile, read_generation
from elytra_status.publish.upload import stage
from elytra_status.render import generation, status_doc
from elytra_status.render.bundle_memory import BundleMemory
from elytra_status.render.checks import RefusedBundle
from support.documents import NOW, one_run


def test_the_set_is_built_once_and_a_publish_by_hand_reads_back_the_same_bytes_and_digest(tmp_path):
    config, document, files, days = one_run(tmp_path)
    made = generation.render(config, document, files, days, NOW)
    status_doc.write_status(document, config.output_file)
    generation.write_bundle(config, made)

    read = read_generation(config, NOW)

    assert read.digest == made.digest == digest_of({"status.json": document, **files})
    assert read.status == made.status == config.output_file.read_bytes()
    assert read.files == made.files
    assert list(made.objects(config))[-1] == "status.json"  # status.json goes last
    assert {"index.html", "history.atom", "api/v2/summary.json", "badge.json"} <= set(made.files)


def test_the_digest_leaves_out_the_time_and_nothing_else(tmp_path):
    memory = BundleMemory()  # kept between runs, as the state keeps it
    config, document, files, _ = one_run(tmp_path, NOW, memory)
    _, later_document, later_files, _ = one_run(tmp_path, NOW.replace(minute=7), memory)
    assert digest_of({"status.json": document, **files}) == digest_of({"status.json": later_document, **later_files})
    changed = {**later_document, "platform_status": "degraded"}
    assert digest_of({"status.json": document, **files}) != digest_of({"status.json": changed, **later_files})


def test_a_bundle_of_another_run_on_disk_is_refused_for_a_publish_by_hand(tmp_path):
    config, document, files, days = one_run(tmp_path)
    generation.write_bundle(config, generation.render(config, document, files, days, NOW))
    _, newer, _, _ = one_run(tmp_path, NOW.replace(minute=1))
    status_doc.write_status(newer, config.output_file)
    with pytest.raises(RefusedBundle, match="of another run"):
        read_generation(config, NOW.replace(minute=1))


def test_a_missing_status_file_is_refused_by_name(tmp_path):
    config, *_ = one_run(tmp_path)
    with pytest.raises(RefusedFile, match="does not exist"):
        read_generation(config, NOW)


def test_the_staging_folder_holds_exactly_the_objects(tmp_path):
    config, document, files, days = one_run(tmp_path)
    made = generation.render(config, document, files, days, NOW)
    staging = stage(made.objects(config))
    try:
        staged = {str(p.relative_to(staging)): p.read_bytes() for p in staging.rglob("*") if p.is_file()}
    finally:
        import shutil

        shutil.rmtree(staging)
    assert staged == made.objects(config)


def test_the_checks_compiled_at_set_up_are_the_schemas_own(tmp_path, monkeypatch):
    """A precompiled check refuses what the schema refuses; a schema without one is compiled in process."""
    from elytra_status.infra import validators
    from elytra_status.run import state

    monkeypatch.setattr(validators, "FOLDER", tmp_path / "checks")
    fresh = validators.compiled("state", state.schema())  # nothing precompiled: fastjsonschema compiles
    validators.write("state", state.schema())
    written = validators.compiled("state", state.schema())
    assert written is not fresh and written.__module__.startswith("elytra_validators.")
    good = state.to_json(state.RunState())
    assert written(good) == fresh(good)
    bad = {**good, "kuma": {**good["kuma"], "seen": {"1": 5}}}
    for check in (written, fresh):
        with pytest.raises(Exception, match="must be string"):
            check(bad)
    other = {**state.schema(), "title": "another"}
    assert validators.compiled("state", other).__module__ != written.__module__  # another schema, another key
