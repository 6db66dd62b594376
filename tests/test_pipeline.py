"""The whole Dagster job, for real: ingestion, dbt, checks, into a temporary DuckDB."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource

from .conftest import SEED_FILE


def _materialize(raw_dir: Path, db: Path) -> dg.ExecuteInProcessResult:
    from orchestration.defs.dbt.assets import warehouse_dbt_assets
    from orchestration.defs.dbt.project import dbt_project
    from orchestration.defs.ingest.assets import raw_sources
    from orchestration.defs.resources import WarehouseResource

    return dg.materialize(
        [raw_sources, warehouse_dbt_assets],
        resources={
            "warehouse": WarehouseResource(database=str(db), raw_dir=str(raw_dir), lock_timeout_s=5),
            "dbt": DbtCliResource(project_dir=dbt_project),
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed
        for e in result.get_asset_check_evaluations()
    }


def _marts(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in tables}


@pytest.fixture(scope="module")
def shipped_run(dbt_manifest, raw_dir_module, tmp_path_factory):
    db = tmp_path_factory.mktemp("pipeline") / "warehouse.duckdb"
    return _materialize(raw_dir_module, db), db


@pytest.fixture(scope="module")
def raw_dir_module(tmp_path_factory) -> Path:
    from .conftest import RAW_DIR

    target = tmp_path_factory.mktemp("raw") / "raw"
    shutil.copytree(RAW_DIR, target)
    return target


def test_shipped_sources_materialize_with_every_check_green(shipped_run):
    result, db = shipped_run
    assert result.success
    checks = _checks(result)
    assert checks["raw/rejected_document:no_rejected_documents"] is True
    failed = sorted(k for k, passed in checks.items() if not passed and "no_unparsed_cells" not in k)
    assert failed == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_indicator_value").fetchone() == (11934,)
        assert con.execute(
            "select attainment_status, target_value, target_document_id, realisation_value, realisation_document_id "
            "from marts.fct_target_attainment where measure_key = '30157' and year = 2023"
        ).fetchall() == [("met", 6.0, "PAP-2024-P352", 6.0, "PAP-2025")]
        # Every published cell traces back to its file and line.
        assert con.execute(
            "select count(*) from marts.fct_indicator_value where source_file is null or source_line is null"
        ).fetchone() == (0,)


def test_rerun_gives_the_same_tables(shipped_run, raw_dir_module):
    _result, db = shipped_run
    before = _marts(db)
    again = _materialize(raw_dir_module, db)
    assert again.success
    assert _marts(db) == before


def test_broken_file_fails_a_check_and_the_good_files_still_land(dbt_manifest, raw_copy, tmp_path):
    broken = raw_copy / "pap" / "2023" / "p352_cut.txt"
    broken.parent.mkdir()
    text = SEED_FILE.read_text(encoding="utf-8").replace("annee#2024", "annee#2023")
    broken.write_text(text[: text.index("Précisions méthodologiques")][:-40], encoding="utf-8")
    db = tmp_path / "warehouse.duckdb"
    result = _materialize(raw_copy, db)
    assert result.success  # the run goes on: the other files land and the marts are built
    assert _checks(result)["raw/rejected_document:no_rejected_documents"] is False
    [evaluation] = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "no_rejected_documents"
    ]
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert "pap/2023/p352_cut.txt:" in evaluation.description
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_indicator_value").fetchone() == (11934,)
        assert con.execute("select source_file from raw.rejected_document").fetchall() == [
            ("pap/2023/p352_cut.txt",)
        ]
