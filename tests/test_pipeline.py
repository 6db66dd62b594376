"""The whole Dagster job, for real: ingestion, dbt, checks, into a temporary DuckDB."""

from pathlib import Path

import dagster as dg
import duckdb

from .conftest import SEED_FILE
from .contract_numbers import FCT_INDICATOR_VALUE_TOTAL


def _materialize(raw_dir: Path, db: Path) -> dg.ExecuteInProcessResult:
    from orchestration.defs.dbt.assets import warehouse_dbt_assets
    from orchestration.defs.dbt.project import dbt_project
    from orchestration.defs.ingest.assets import raw_sources
    from orchestration.defs.resources import SettingsResource, WarehouseDbtResource, WarehouseResource

    return dg.materialize(
        [raw_sources, warehouse_dbt_assets],
        resources={
            "warehouse": WarehouseResource(database=str(db), lock_timeout_s=5),
            "settings": SettingsResource(raw_dir=str(raw_dir)),
            "dbt": WarehouseDbtResource(project_dir=dbt_project),
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed
        for e in result.get_asset_check_evaluations()
    }


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
        assert con.execute("select count(*) from marts.fct_indicator_value").fetchone() == (
            FCT_INDICATOR_VALUE_TOTAL,
        )
        assert con.execute("select source_file from raw.rejected_document").fetchall() == [
            ("pap/2023/p352_cut.txt",)
        ]
