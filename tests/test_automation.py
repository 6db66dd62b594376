"""The RAW_DIR sensor and the daily schedule, evaluated for real against a copy of raw/pap/, with a
real (ephemeral) Dagster instance holding the runs the sensor requested."""

import os
import time
from datetime import UTC, datetime

import dagster as dg
import pytest

from orchestration.defs import automation
from orchestration.defs.automation import daily_refresh, raw_dir_sensor

from .conftest import SEED_FILE, warehouse_held


@dg.op(config_schema={"fail": bool})
def _step(context) -> None:
    if context.op_config["fail"]:
        raise RuntimeError("the run failed")


@dg.job
def _stand_in():
    """Stands in for refresh_warehouse: a run carrying the sensor's tags that succeeds or fails."""
    _step()


@pytest.fixture
def instance(tmp_path):
    """A real instance in a temporary DAGSTER_HOME (a schedule's context needs one it can refer to).
    Not entered as a context manager: `DagsterInstance.__enter__` sets a context variable (its
    definitions-state storage) that `__exit__` does not reset, and the test process's next load of
    the definitions would then reach the disposed instance."""
    instance = dg.DagsterInstance.local_temp(str(tmp_path))
    try:
        yield instance
    finally:
        instance.dispose()


def _evaluate(instance, cursor: str | None):
    import os

    from orchestration.defs.resources import SettingsResource

    raw_dir = os.environ["RAW_DIR"]
    # No warehouse beside the copy: each plan is a run that builds everything.
    settings = SettingsResource(raw_dir=raw_dir, data_dir=os.path.join(os.path.dirname(raw_dir), "data"))
    context = dg.build_sensor_context(cursor=cursor, instance=instance, resources={"settings": settings})
    result = raw_dir_sensor(context)
    return result, context.cursor


def _run(instance, request: dg.RunRequest, *, fail: bool) -> dg.DagsterRunStatus:
    """The run the daemon would launch for `request`, with the tags it would give it."""
    result = _stand_in.execute_in_process(
        run_config={"ops": {"_step": {"config": {"fail": fail}}}},
        instance=instance,
        tags={**request.tags, "dagster/run_key": request.run_key, "dagster/sensor_name": "raw_dir_sensor"},
        raise_on_error=False,
    )
    return instance.get_run_by_id(result.run_id).status


def _only(request) -> list[str]:
    return request.run_config["ops"]["raw_sources"]["config"]["only"]


def test_sensor_starts_a_run_for_the_new_or_changed_document_only(pap_copy, instance, monkeypatch):
    monkeypatch.setenv("RAW_DIR", str(pap_copy))
    result, cursor = _evaluate(instance, None)
    assert isinstance(result, dg.SkipReason) and "baseline recorded: 2 source file(s)" in result.skip_message

    result, cursor = _evaluate(instance, cursor)
    assert isinstance(result, dg.SkipReason) and "no source file" in result.skip_message

    new = pap_copy / "pap" / "2023" / "p352.txt"
    new.parent.mkdir()
    new.write_text(
        SEED_FILE.read_text(encoding="utf-8").replace("annee#2024", "annee#2023"), encoding="utf-8"
    )
    result, cursor = _evaluate(instance, cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.run_config == {
        "ops": {
            "raw_sources": {"config": {"only": ["pap/2023/p352.txt"]}},
            "warehouse_dbt_assets": {"config": {"scope": "everything"}},
        }
    }
    assert result.tags["orchestration/why"] == "no complete run recorded in this warehouse"
    assert _run(instance, result, fail=False) == dg.DagsterRunStatus.SUCCESS

    # A changed file (new size and time) starts its own run; an unchanged folder does not.
    seed = pap_copy / "pap" / "2024" / SEED_FILE.name
    seed.write_text(seed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    os.utime(seed, (time.time() + 5, time.time() + 5))
    result, cursor = _evaluate(instance, cursor)
    assert _only(result) == [f"pap/2024/{SEED_FILE.name}"]
    _run(instance, result, fail=False)
    result, cursor = _evaluate(instance, cursor)
    assert isinstance(result, dg.SkipReason) and "no source file" in result.skip_message

    # A removed file needs the full scan that takes its rows out.
    new.unlink()
    result, cursor = _evaluate(instance, cursor)
    assert _only(result) == []
    assert result.tags["raw_dir/removed"] == "pap/2023/p352.txt"


def test_a_file_whose_run_failed_is_requested_again_on_the_next_tick(pap_copy, instance, monkeypatch):
    monkeypatch.setenv("RAW_DIR", str(pap_copy))
    _result, cursor = _evaluate(instance, None)
    new = pap_copy / "pap" / "2023" / "p352.txt"
    new.parent.mkdir()
    new.write_text(SEED_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    first, cursor = _evaluate(instance, cursor)
    assert _only(first) == ["pap/2023/p352.txt"]

    # While its run is not there yet (or queued, or running), the sensor waits: no second request.
    result, cursor = _evaluate(instance, cursor)
    assert isinstance(result, dg.SkipReason) and "waiting for the run" in result.skip_message
    assert _run(instance, first, fail=True) == dg.DagsterRunStatus.FAILURE

    # The run failed: the file is not done, the next tick requests it again, under a new run key.
    retry, cursor = _evaluate(instance, cursor)
    assert isinstance(retry, dg.RunRequest), retry
    assert _only(retry) == ["pap/2023/p352.txt"] and retry.run_key != first.run_key
    assert _run(instance, retry, fail=True) == dg.DagsterRunStatus.FAILURE

    # A second failure in a row: the next try waits (60 s, then doubling up to an hour).
    result, cursor = _evaluate(instance, cursor)
    assert isinstance(result, dg.SkipReason) and "2 failed run(s) in a row" in result.skip_message
    later = time.time() + 61
    monkeypatch.setattr(automation, "_now", lambda: later)
    third, cursor = _evaluate(instance, cursor)
    assert _only(third) == ["pap/2023/p352.txt"]
    assert _run(instance, third, fail=False) == dg.DagsterRunStatus.SUCCESS

    # Once a run succeeded for it, the file is done.
    result, cursor = _evaluate(instance, cursor)
    assert isinstance(result, dg.SkipReason) and "no source file" in result.skip_message
    assert [automation.retry_delay_s(n) for n in (1, 2, 3, 8, 20)] == [0, 60, 120, 3600, 3600]


def test_a_cursor_of_the_earlier_format_is_read_as_the_files_done(pap_copy, instance, monkeypatch):
    import json

    monkeypatch.setenv("RAW_DIR", str(pap_copy))
    old_cursor = json.dumps(automation._signatures(pap_copy), sort_keys=True)
    result, _cursor = _evaluate(instance, old_cursor)
    assert isinstance(result, dg.SkipReason) and "no source file" in result.skip_message


def test_daily_schedule_runs_the_whole_graph_every_morning_in_paris(tmp_path, instance):
    """The ticks the daemon computes from the schedule: 06:00 in Paris every day, across the change to
    summer time (05:00 UTC, then 04:00 UTC); on a warehouse never built, each tick asks for the job
    as defined (nothing narrowed) with a dbt build of everything, and that job materializes every
    asset of the definitions."""
    from dagster._utils.schedules import cron_string_iterator  # what the scheduler daemon ticks by

    from orchestration.definitions import defs
    from orchestration.defs.resources import SettingsResource

    start = datetime(2025, 3, 28, 12, tzinfo=UTC).timestamp()
    ticks = cron_string_iterator(start, daily_refresh.cron_schedule, daily_refresh.execution_timezone)
    assert [next(ticks).astimezone(UTC) for _ in range(3)] == [
        datetime(2025, 3, 29, 5, tzinfo=UTC),
        datetime(2025, 3, 30, 4, tzinfo=UTC),
        datetime(2025, 3, 31, 4, tzinfo=UTC),
    ]
    settings = SettingsResource(raw_dir=str(SEED_FILE.parents[2]), data_dir=str(tmp_path / "data"))
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2025, 3, 30, 4, tzinfo=UTC),
        instance=instance,
        resources={"settings": settings},
    )
    [request] = daily_refresh.evaluate_tick(context).run_requests
    assert request.asset_selection is None
    assert request.run_config["ops"] == {
        "raw_sources": {"config": {"only": []}},
        "warehouse_dbt_assets": {"config": {"scope": "everything"}},
    }
    graph = defs.resolve_asset_graph()
    every_asset = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    job = defs.resolve_job_def(daily_refresh.job_name)
    assert set(job.asset_layer.executable_asset_keys) == every_asset


def test_on_an_up_to_date_warehouse_neither_the_schedule_nor_a_touched_file_starts_a_run(
    published, tmp_path, instance, monkeypatch
):
    """The published warehouse, against a copy of the sources it was built from: the files hash as
    its ingestion saw them, so the schedule's tick skips, and a file touched (new time, same
    bytes) is marked done without a run."""
    import shutil

    from orchestration.defs.resources import SettingsResource

    raw_dir = tmp_path / "raw"
    shutil.copytree(published.parent / "raw", raw_dir)
    settings = SettingsResource(raw_dir=str(raw_dir), data_dir=str(published))
    context = dg.build_schedule_context(instance=instance, resources={"settings": settings})
    tick = daily_refresh.evaluate_tick(context)
    assert not tick.run_requests and tick.skip_message.startswith("up to date: fingerprint"), tick

    monkeypatch.setenv("RAW_DIR", str(raw_dir))
    sensor_context = dg.build_sensor_context(instance=instance, resources={"settings": settings})
    raw_dir_sensor(sensor_context)  # the baseline
    touched = raw_dir / "pap" / "2024" / SEED_FILE.name
    os.utime(touched, (time.time() + 5, time.time() + 5))
    sensor_context = dg.build_sensor_context(
        cursor=sensor_context.cursor, instance=instance, resources={"settings": settings}
    )
    result = raw_dir_sensor(sensor_context)
    assert isinstance(result, dg.SkipReason) and "content unchanged: up to date" in result.skip_message
    sensor_context = dg.build_sensor_context(
        cursor=sensor_context.cursor, instance=instance, resources={"settings": settings}
    )
    result = raw_dir_sensor(sensor_context)
    assert isinstance(result, dg.SkipReason) and "no source file" in result.skip_message


def test_a_tick_on_a_warehouse_being_written_requests_a_whole_run_at_once(tmp_path, instance):
    """A run holds the warehouse: the schedule's tick waits PLAN_LOCK_TIMEOUT_S (3 s) for it, not
    the settings' 30 s, then requests a run that builds everything, saying why."""
    from orchestration.defs.resources import SettingsResource

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings = SettingsResource(raw_dir=str(SEED_FILE.parents[2]), data_dir=str(data_dir))
    context = dg.build_schedule_context(instance=instance, resources={"settings": settings})
    with warehouse_held(data_dir / "warehouse.duckdb"):
        [request] = daily_refresh.evaluate_tick(context).run_requests
    assert request.tags["orchestration/why"].startswith("the warehouse could not be read within 3 s (")
    assert request.run_config["ops"]["warehouse_dbt_assets"] == {"config": {"scope": "everything"}}
