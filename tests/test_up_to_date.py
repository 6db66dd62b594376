"""Cost follows the change: a `make run` with nothing changed since the last complete run skips
everything downstream of ingestion and says which fingerprint matched; one new document, or a
missing output, makes the next run do the work (a changed dbt project too: tests/test_faults.py,
whose broken model comes with a changed seed). And `.env` is read the same way by `make run` and by
the definitions loaded in-process. Small real runs: copies of the session's run on raw/pap/ (two
documents, `small_published`)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from .conftest import PROJECT_DIR, SEED_FILE, make_run, published_run_id, run_events, run_record

pytestmark = pytest.mark.slow


@pytest.fixture
def state(small_copy) -> Path:
    """A copy of the small complete run (RAW_DIR and DATA_DIR, a DAGSTER_HOME of its own)."""
    return small_copy.parent


def test_a_run_with_nothing_changed_skips_then_a_new_document_is_built(state):
    data_dir, raw_dir = state / "data", state / "raw"
    first_publication = published_run_id(data_dir)
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        [(recorded,)] = con.execute(
            "select fingerprint from raw.run_fingerprint where completed_at is not null"
        ).fetchall()

    result = make_run(data_dir, raw_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"warehouse up to date (fingerprint {recorded[:12]}" in result.stdout
    assert "= up to date: fingerprint" in result.stdout
    record = run_record(data_dir)
    assert record["up_to_date"] is True and record["fingerprint"] == recorded
    assert {"warehouse_dbt_assets", "publish__marts_duckdb", "publish__scorecard"} <= set(
        record["steps_skipped"]
    )
    assert any("_gx_" in step for step in record["steps_skipped"])
    assert list(record["steps"]) == ["raw_sources"]
    assert published_run_id(data_dir) == first_publication  # nothing republished
    assert "Blocking asset check" not in result.stderr

    # One new document: the next run loads it and rebuilds and republishes everything downstream.
    new = raw_dir / "pap" / "2023" / "p352.txt"
    new.parent.mkdir()
    new.write_text(
        SEED_FILE.read_text(encoding="utf-8").replace("annee#2024", "annee#2023"), encoding="utf-8"
    )
    result = make_run(data_dir, raw_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "up to date" not in result.stdout.split("=" * 78)[1]
    record = run_record(data_dir)
    assert record["up_to_date"] is False and record["steps_skipped"] == []
    assert record["ingest"]["documents_loaded"] == 1
    assert published_run_id(data_dir) != first_publication
    with duckdb.connect(str(data_dir / "marts.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from marts.dim_document where vintage_year = 2023"
        ).fetchone() == (1,)
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        [(fingerprint, run_id)] = con.execute(
            "select fingerprint, run_id from raw.run_fingerprint where completed_at is not null"
        ).fetchall()
    assert fingerprint != recorded and run_id == record["run_id"]
    # Only documents changed: dbt builds what is downstream of the sources, not the seeds, and
    # still runs the tests of the rebuilt models against the seeds (a new document may bring a unit
    # no seed maps).
    built = _materialized(data_dir, run_id)
    assert ("marts", "fct_indicator_value") in built
    assert not [key for key in built if key[0] == "reference"], built
    build = json.loads((state / "dbt_target" / "dagster-build" / "run_results.json").read_text())
    ran = {r["unique_id"]: r["status"] for r in build["results"]}
    assert not [node for node in ran if node.startswith("seed.")]
    assert ran["test.lolf_performance.assert_every_unit_is_mapped"] == "pass"
    assert [n for n in ran if "value_kind__ref_ref_value_kind_" in n], sorted(ran)

    # A missing output makes the run do the work, although nothing it is built from changed:
    # raw_sources (materialized on its own, in process) says so and materializes the raw tables,
    # so every step downstream runs (the rebuild itself is the one above).
    shutil.rmtree(data_dir / "reports" / "scorecard")
    why = _why_raw_sources_runs(data_dir, raw_dir)
    assert any(r.startswith("missing: scorecard") for r in why), why


def _materialized(data_dir: Path, run_id: str) -> set[tuple[str, ...]]:
    """The asset keys that the run `run_id` of `make run` on `data_dir` materialized."""
    import dagster as dg

    events = run_events(data_dir / "dagster_home", run_id, dg.DagsterEventType.ASSET_MATERIALIZATION)
    return {tuple(e.asset_key.path) for e in events}


def _why_raw_sources_runs(data_dir: Path, raw_dir: Path) -> list[str]:
    """raw_sources alone, in process, on `data_dir`: its reasons to rebuild (empty: up to date)."""
    import dagster as dg

    from orchestration.defs.ingest.assets import raw_sources
    from orchestration.defs.resources import SettingsResource, WarehouseResource

    result = dg.materialize(
        [raw_sources],
        resources={
            "warehouse": WarehouseResource(database=str(data_dir / "warehouse.duckdb"), lock_timeout_s=5),
            "settings": SettingsResource(raw_dir=str(raw_dir), data_dir=str(data_dir)),
        },
        instance=dg.DagsterInstance.ephemeral(),
    )
    [materialization] = [
        m
        for m in result.asset_materializations_for_node("raw_sources")
        if m.asset_key == dg.AssetKey(["raw", "source_document"])
    ] or [None]
    return list(materialization.metadata["why_run"].value) if materialization else []


def test_env_file_is_honoured_by_the_definitions_loaded_in_process(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(f"DATA_DIR={tmp_path / 'from_env'}\nDUCKDB_LOCK_TIMEOUT=7\nRAW_DIR='raw'\n")
    for var in ("DATA_DIR", "DUCKDB_PATH", "DUCKDB_LOCK_TIMEOUT", "RAW_DIR", "MARTS_PATH", "REPORTS_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ENV_FILE", str(env_file))
    monkeypatch.setenv("EXPORTS_DIR", str(tmp_path / "exports"))  # the environment: an EnvVar

    import dagster as dg

    from orchestration.definitions import load

    defs = load()
    with dg.build_resources(
        {"warehouse": defs.resources["warehouse"], "settings": defs.resources["settings"]}
    ) as resources:
        assert resources.warehouse.lock_timeout_s == 7
        assert resources.warehouse.path == tmp_path / "from_env" / "warehouse.duckdb"
        settings = resources.settings.resolved()
    assert settings.marts_path == tmp_path / "from_env" / "marts.duckdb"
    assert settings.raw_dir == PROJECT_DIR / "raw"
    assert settings.exports_dir == tmp_path / "exports"
    assert isinstance(defs.resources["settings"].exports_dir, dg.EnvVar)

    # A variable set in the environment wins over .env.
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "from_environment"))
    defs = load()
    with dg.build_resources({"warehouse": defs.resources["warehouse"]}) as resources:
        assert resources.warehouse.path == tmp_path / "from_environment" / "warehouse.duckdb"


def test_env_file_is_honoured_by_make_run(tmp_path):
    """DATA_DIR, DAGSTER_HOME and DUCKDB_LOCK_TIMEOUT from .env alone: the run waits 2 s for the
    warehouse that .env names, held by another process, then fails naming that process and how
    long it waited (a locked warehouse fails the run in bounded time)."""
    data_dir = tmp_path / "data_from_env"
    data_dir.mkdir()
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"DATA_DIR={data_dir}\nDAGSTER_HOME={tmp_path / 'home'}\nDUCKDB_LOCK_TIMEOUT=2\n", encoding="utf-8"
    )
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(120)",
            str(data_dir / "warehouse.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATA_DIR", "DUCKDB_PATH", "DAGSTER_HOME", "DUCKDB_LOCK_TIMEOUT", "RAW_DIR")
        },
        "ENV_FILE": str(env_file),
    }
    try:
        assert holder.stdout.readline().strip() == "ok"
        result = subprocess.run(
            ["make", "--no-print-directory", "run"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        holder.kill()
        holder.wait()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{data_dir / 'warehouse.duckdb'} is locked by process {holder.pid}" in output
    assert "waited 2 s" in output
    assert (tmp_path / "home" / "dagster.yaml").is_file()  # the run was recorded where .env says
