"""Faults real machines inflict: the main job killed with SIGKILL in the middle of the dbt stage and
of publishing, and a warehouse locked by another process. After a kill, the published marts still
open and are the last good version; the next normal run succeeds with no row duplicated or lost."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from .conftest import PROJECT_DIR, make_run
from .contract_numbers import FCT_INDICATOR_VALUE_TOTAL, TOTAL_CELLS

GRAIN = {
    "fct_indicator_value": "document_id, measure_key, year, value_kind",
    "fct_target_attainment": "measure_key, year",
    "dim_measure": "measure_key",
}


def _snapshot(marts: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(marts), read_only=True) as con:
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in GRAIN}


def _assert_intact(data_dir: Path) -> None:
    """Contract numbers hold, every grain is unique, and the published file equals the warehouse."""
    with duckdb.connect(str(data_dir / "marts.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_indicator_value").fetchone() == (FCT_INDICATOR_VALUE_TOTAL,)
        for table, grain in GRAIN.items():
            dupes = con.execute(
                f"select count(*) from (select {grain} from marts.{table} group by all having count(*) > 1)"
            )
            assert dupes.fetchone() == (0,), table
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.indicator_cell").fetchone() == (TOTAL_CELLS,)
        assert con.execute("select count(*) from marts.fct_indicator_value").fetchone() == (FCT_INDICATOR_VALUE_TOTAL,)


@pytest.fixture
def data_dir(published, tmp_path) -> Path:
    """A copy of a DATA_DIR where `make run` succeeded once (the last good version)."""
    target = tmp_path / "data"
    shutil.copytree(published, target, ignore=shutil.ignore_patterns("dagster_home"))
    return target


def _kill_when(data_dir: Path, marker: str, delay_s: float, extra_env: dict[str, str] | None = None) -> str:
    """Start the main job, SIGKILL its whole process group `delay_s` after `marker` is printed."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DUCKDB_PATH", "MARTS_PATH", "REPORTS_DIR")},
        "DATA_DIR": str(data_dir),
        "RAW_DIR": str(data_dir.parent / "raw"),
        "DAGSTER_HOME": str(data_dir / "dagster_home_kill"),
        **(extra_env or {}),
    }
    (data_dir / "dagster_home_kill").mkdir(exist_ok=True)
    job = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    seen = []
    try:
        for line in job.stdout:
            seen.append(line)
            if marker in line:
                time.sleep(delay_s)
                os.killpg(job.pid, signal.SIGKILL)
                break
        job.wait(timeout=60)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
    assert job.returncode == -signal.SIGKILL, "".join(seen)[-2000:]
    return "".join(seen)


@pytest.fixture
def raw_dir(data_dir) -> Path:
    raw = data_dir.parent / "raw"
    shutil.copytree(PROJECT_DIR / "raw", raw)
    return raw


def test_kill_during_dbt_and_during_publishing_then_a_normal_run(data_dir, raw_dir):
    before = _snapshot(data_dir / "marts.duckdb")
    _kill_when(data_dir, "→ warehouse_dbt_assets", delay_s=6)
    assert _snapshot(data_dir / "marts.duckdb") == before  # BI still reads the last good version

    # The job pauses between building the new file and renaming it: the kill lands in between.
    _kill_when(
        data_dir, "→ publish__marts_duckdb", delay_s=3, extra_env={"FAULT_INJECT_PUBLISH_PAUSE_S": "30"}
    )
    assert (data_dir / ".marts.duckdb.building").exists()  # killed half-way: the new file was not renamed
    assert _snapshot(data_dir / "marts.duckdb") == before

    result = make_run(data_dir, raw_dir)
    assert result.returncode == 0, result.stdout[-3000:]
    assert not (data_dir / ".marts.duckdb.building").exists()
    _assert_intact(data_dir)
    assert _snapshot(data_dir / "marts.duckdb") == before


def test_a_locked_warehouse_fails_the_run_in_bounded_time_naming_the_lock(data_dir, raw_dir):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(300)",
            str(data_dir / "warehouse.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        # A hang would trip make_run's own timeout; the message says how long the run waited.
        result = make_run(data_dir, raw_dir, extra_env={"DUCKDB_LOCK_TIMEOUT": "3"})
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"is locked by process {holder.pid}" in output
    assert "waited 3 s" in output
