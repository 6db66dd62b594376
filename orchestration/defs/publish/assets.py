"""Publishing: the marts for BI (an atomically replaced DuckDB file and Parquet), the dbt docs."""

import shutil
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.assets import warehouse_dbt_assets
from orchestration.defs.dbt.project import invocation_target
from orchestration.defs.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.lib.publish import export_parquet, publish_marts
from orchestration.lib.settings import load_settings

OWNER = "team:data-engineering"
MART_KEYS = sorted((k for k in warehouse_dbt_assets.keys if k.path[0] == "marts"), key=lambda k: k.path)


@dg.asset(
    key=["publish", "marts_duckdb"],
    group_name="publish",
    deps=MART_KEYS,
    kinds={"duckdb"},
    owners=[OWNER],
    description=(
        "data/marts.duckdb: the `marts` schema copied into its own file, built aside and renamed into "
        "place after the blocking checks passed. Point BI tools here, read-only, never at the warehouse."
    ),
    pool=WAREHOUSE_POOL,
)
def marts_duckdb(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = load_settings().marts_path
    # The warehouse is attached read-only: wait for any writer (bounded) before attaching.
    with warehouse.connect(read_only=True):
        pass
    publication = publish_marts(warehouse.path, target, run_id=context.run_id)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "tables": dg.MetadataValue.json(publication.tables),
            "dagster/row_count": sum(publication.tables.values()),
            "published_at": publication.published_at.isoformat(),
        }
    )


@dg.asset(
    key=["publish", "parquet_exports"],
    group_name="publish",
    deps=[marts_duckdb],
    kinds={"parquet"},
    owners=[OWNER],
    description="data/exports/<mart>.parquet, one file per mart, from the published marts file.",
)
def parquet_exports(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    written = export_parquet(settings.marts_path, settings.exports_dir)
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(settings.exports_dir)),
            "files": dg.MetadataValue.json({t: p.name for t, p in written.items()}),
        }
    )


@dg.asset(
    key=["publish", "dbt_docs"],
    group_name="publish",
    deps=MART_KEYS,
    kinds={"dbt"},
    owners=[OWNER],
    description=(
        "The dbt documentation site (models, columns, tests, lineage) as one self-contained page: "
        "data/reports/dbt-docs/index.html, readable offline from the file system."
    ),
    pool=WAREHOUSE_POOL,
)
def dbt_docs(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):

    from orchestration.prepare import fingerprint

    out = load_settings().reports_dir / "dbt-docs"
    stamp = out / ".dbt_project_fingerprint"
    current = fingerprint()
    # The site documents the project (models, columns, tests, lineage), whose column types the
    # contracts fix: it changes only when the dbt project does. Regenerating it costs ~20 s.
    if (out / "index.html").exists() and stamp.exists() and stamp.read_text() == current:
        return dg.MaterializeResult(
            metadata={"site": dg.MetadataValue.path(str(out / "index.html")), "regenerated": False}
        )
    warehouse.point_dbt_here()
    invocation = dbt.cli(
        ["docs", "generate", "--static"], manifest=None, target_path=invocation_target("docs")
    ).wait()
    site = Path(invocation.target_path) / "static_index.html"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(site, out / "index.html")
    stamp.write_text(current)
    return dg.MaterializeResult(
        metadata={"site": dg.MetadataValue.path(str(out / "index.html")), "regenerated": True}
    )
