"""The RAW_DIR sensor and the daily schedule, evaluated for real against a copy of raw/."""

import os
import time

import dagster as dg

from orchestration.defs.automation import daily_refresh, raw_dir_sensor

from .conftest import SEED_FILE


def _evaluate(cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor)
    result = raw_dir_sensor(context)
    return result, context.cursor


def test_sensor_starts_a_run_for_the_new_or_changed_document_only(raw_copy, monkeypatch):
    monkeypatch.setenv("RAW_DIR", str(raw_copy))
    result, cursor = _evaluate(None)
    assert isinstance(result, dg.SkipReason) and "baseline recorded: 2 source file(s)" in result.skip_message

    result, cursor = _evaluate(cursor)
    assert isinstance(result, dg.SkipReason) and "no source file" in result.skip_message

    new = raw_copy / "pap" / "2023" / "p352.txt"
    new.parent.mkdir()
    new.write_text(
        SEED_FILE.read_text(encoding="utf-8").replace("annee#2024", "annee#2023"), encoding="utf-8"
    )
    result, cursor = _evaluate(cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.run_config == {"ops": {"raw_sources": {"config": {"only": ["pap/2023/p352.txt"]}}}}

    # A changed file (new size and time) starts its own run; an unchanged folder does not.
    seed = raw_copy / "pap" / "2024" / SEED_FILE.name
    seed.write_text(seed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    os.utime(seed, (time.time() + 5, time.time() + 5))
    result, cursor = _evaluate(cursor)
    assert result.run_config["ops"]["raw_sources"]["config"]["only"] == [f"pap/2024/{SEED_FILE.name}"]
    result, cursor = _evaluate(cursor)
    assert isinstance(result, dg.SkipReason)

    # A removed file needs the full scan that takes its rows out.
    new.unlink()
    result, cursor = _evaluate(cursor)
    assert result.run_config["ops"]["raw_sources"]["config"]["only"] == []
    assert result.tags["raw_dir/removed"] == "pap/2023/p352.txt"


def test_daily_schedule_runs_the_whole_graph_every_morning_in_paris():
    assert daily_refresh.cron_schedule == "0 6 * * *"
    assert daily_refresh.execution_timezone == "Europe/Paris"
    assert daily_refresh.job_name == "refresh_warehouse"
