"""One writer: at most one run at a time, whether the daemon's queue or `make run` starts it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli import AnotherWriter, free_pool_slots_of_ended_runs, refuse_if_a_run_is_in_progress

from .conftest import PROJECT_DIR


def test_the_instance_queue_runs_one_run_at_a_time(tmp_path):
    """The project's dagster.yaml, as an instance reads it: runs wait in the daemon's queue, which
    starts one at a time (Dagster has a run queue config only when the instance queues its runs),
    and one step per pool at a time."""
    shutil.copyfile(PROJECT_DIR / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        config = instance.get_concurrency_config()
        assert config.run_queue_config.max_concurrent_runs == 1
        assert config.pool_config.default_pool_limit == 1


@pytest.mark.slow  # the job's command line, for real (refused before it runs a step)
def test_a_second_make_run_on_the_same_warehouse_is_refused_at_once(tmp_path):
    data_dir = tmp_path / "data"
    env = {**os.environ, "DATA_DIR": str(data_dir), "DAGSTER_HOME": str(tmp_path / "home")}
    env.pop("DUCKDB_PATH", None)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from orchestration.cli import writer_lock; from orchestration.lib.settings import "
            "load_settings\nwith writer_lock(load_settings().duckdb_path):\n print('ok', flush=True); time.sleep(60)",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        second = subprocess.run(
            [sys.executable, "-m", "orchestration.cli"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 3, second.stdout + second.stderr
    assert f"refused: another `make run` (process {holder.pid}) is already writing" in second.stderr
    assert second.stdout == ""  # refused before doing anything
    assert not (data_dir / "warehouse.duckdb").exists()


@dg.op
def _noop() -> None:
    pass


@dg.job
def _stand_in():
    _noop()


def _started_run(instance, tags: dict[str, str]) -> dg.DagsterRun:
    return instance.create_run_for_job(_stand_in, status=dg.DagsterRunStatus.STARTED, tags=tags)


def test_make_run_refuses_while_a_daemon_run_is_in_progress():
    with dg.DagsterInstance.ephemeral() as instance:
        run = _started_run(instance, {"dagster/sensor_name": "raw_dir_sensor"})
        with pytest.raises(AnotherWriter, match=f"run {run.run_id} .* is in progress"):
            refuse_if_a_run_is_in_progress(instance, Path("/w/warehouse.duckdb"))


def test_a_run_left_in_progress_by_a_killed_make_run_is_marked_failed():
    warehouse = Path("/w/warehouse.duckdb")
    with dg.DagsterInstance.ephemeral() as instance:
        killed = _started_run(
            instance,
            {
                "orchestration/launched_by": "make run",
                "orchestration/warehouse": str(warehouse),
                "orchestration/pid": str(os.getpid()),  # alive, but we hold its warehouse's lock
            },
        )
        other = _started_run(
            instance,
            {
                "orchestration/launched_by": "make run",
                "orchestration/warehouse": "/elsewhere/warehouse.duckdb",
                "orchestration/pid": str(os.getpid()),  # alive, on another warehouse: left be
            },
        )
        refuse_if_a_run_is_in_progress(instance, warehouse)
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(other.run_id).status == dg.DagsterRunStatus.STARTED


def test_the_pool_slot_of_a_killed_make_run_is_freed_before_the_next_run(tmp_path):
    """A `make run` killed while a step of the pool `duckdb_warehouse` held its one slot: nothing
    frees the slot (no daemon); the next `make run` would wait for it forever. It frees it, once the
    killed run is marked failed, and leaves the slots of a run in progress alone."""
    shutil.copyfile(PROJECT_DIR / "dagster.yaml", tmp_path / "dagster.yaml")
    warehouse = Path("/w/warehouse.duckdb")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots("duckdb_warehouse", 1)
        killed = _started_run(
            instance,
            {
                "orchestration/launched_by": "make run",
                "orchestration/warehouse": str(warehouse),
                "orchestration/pid": str(os.getpid()),
            },
        )
        claim = storage.claim_concurrency_slot("duckdb_warehouse", killed.run_id, "warehouse_dbt_assets")
        assert claim.is_claimed
        refuse_if_a_run_is_in_progress(instance, warehouse)
        assert free_pool_slots_of_ended_runs(instance) == [killed.run_id]
        assert storage.get_concurrency_info("duckdb_warehouse").active_slot_count == 0

        running = _started_run(instance, {"orchestration/launched_by": "make run"})
        assert storage.claim_concurrency_slot("duckdb_warehouse", running.run_id, "raw_sources").is_claimed
        assert free_pool_slots_of_ended_runs(instance) == []
        assert storage.get_concurrency_info("duckdb_warehouse").active_slot_count == 1
