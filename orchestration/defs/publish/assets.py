"""Publishing: the marts for BI (an atomically replaced DuckDB file and Parquet), the dbt docs, and
the record that every output of the run is built (`publish/run_fingerprint`)."""

import shutil
from pathlib import Path

import dagster as dg

from orchestration.defs.dbt.assets import warehouse_dbt_assets
from orchestration.defs.dbt.project import (
    PARTIAL_PARSE,
    dbt_project,
    invocation_target,
    invocation_target_dir,
)
from orchestration.defs.resources import (
    WAREHOUSE_POOL,
    SettingsResource,
    WarehouseDbtResource,
    WarehouseResource,
)
from orchestration.lib import fingerprint
from orchestration.lib.publish.marts import export_parquet, publish_marts

OWNER = "team:data-engineering"
CODE_VERSION = fingerprint.code_version()[:16]
MART_KEYS = sorted((k for k in warehouse_dbt_assets.keys if k.path[0] == "marts"), key=lambda k: k.path)


@dg.asset(
    key=["publish", "marts_duckdb"],
    group_name="publish",
    deps=MART_KEYS,
    kinds={"duckdb"},
    owners=[OWNER],
    description=(
        "data/marts.duckdb: the `marts` schema and the vocabulary seeds (ref_verdict, …) copied into its "
        "own file, built aside and renamed into place after the blocking checks passed. Point BI tools "
        "here, read-only, never at the warehouse."
    ),
    pool=WAREHOUSE_POOL,
    code_version=CODE_VERSION,
)
def marts_duckdb(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    target = settings.resolved().marts_path
    # The warehouse is attached read-only: wait for any writer (bounded) before attaching.
    with warehouse.get_connection(read_only=True):
        pass
    # only the marts the dbt project declares: a table left by a model since removed is not published
    publication = publish_marts(
        warehouse.path, target, run_id=context.run_id, declared=[k.path[-1] for k in MART_KEYS]
    )
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
    description="data/exports/<table>.parquet, one file per table of the published marts file.",
    code_version=CODE_VERSION,
)
def parquet_exports(context: dg.AssetExecutionContext, settings: SettingsResource) -> dg.MaterializeResult:
    paths = settings.resolved()
    written = export_parquet(paths.marts_path, paths.exports_dir)
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(paths.exports_dir)),
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
    code_version=CODE_VERSION,
)
def dbt_docs(
    context: dg.AssetExecutionContext,
    dbt: WarehouseDbtResource,
    warehouse: WarehouseResource,
    settings: SettingsResource,
):
    out = settings.resolved().reports_dir / "dbt-docs"
    stamp = out / ".dbt_project_fingerprint"
    current = fingerprint.dbt_project_digest()
    # The site documents the project (models, columns, tests, lineage), whose column types the
    # contracts fix: it changes only when the dbt project does. `--no-compile`: dbt reads the
    # manifest prepared for the definitions (the parse of this very project) instead of compiling
    # every node again (4-5 s), and the site shows each model's SQL as written.
    if (out / "index.html").exists() and stamp.exists() and stamp.read_text() == current:
        return dg.MaterializeResult(
            metadata={"site": dg.MetadataValue.path(str(out / "index.html")), "regenerated": False}
        )
    target = invocation_target("docs")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(dbt_project.manifest_path, target / "manifest.json")
    # dbt's partial parse is valid for one profile, and the profile holds the warehouse's path: the
    # build of this run left one for this warehouse (else dbt parses the whole project again, 6 s).
    built = invocation_target_dir("build") / PARTIAL_PARSE
    if built.exists():
        shutil.copyfile(built, target / PARTIAL_PARSE)
    with warehouse.dbt_environment():
        invocation = dbt.cli(
            ["docs", "generate", "--static", "--no-compile"], manifest=None, target_path=target
        )
    invocation.wait()
    site = Path(invocation.target_path) / "static_index.html"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(site, out / "index.html")
    stamp.write_text(current)
    return dg.MaterializeResult(
        metadata={"site": dg.MetadataValue.path(str(out / "index.html")), "regenerated": True}
    )


@dg.asset(
    key=["publish", "run_fingerprint"],
    group_name="publish",
    deps=[
        ["publish", "scorecard"],
        ["publish", "parquet_exports"],
        ["publish", "dbt_docs"],
        ["quality", "quality_report"],
    ],
    kinds={"duckdb"},
    owners=[OWNER],
    description=(
        "The last step of a run: every output is built, so the fingerprint of what they were built "
        "from (documents, dbt project, expectations and exceptions, code; computed by raw_sources) "
        "is recorded as complete in raw.run_fingerprint. The next launcher that finds the same "
        "fingerprint (computed from the files) and every output in place starts no run (run_plan.py). "
        "Skipped itself when a step failed or a blocking check failed."
    ),
    pool=WAREHOUSE_POOL,
    code_version=CODE_VERSION,
)
def run_fingerprint(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        record = fingerprint.complete(con, context.run.run_id)
    if record is None:
        context.log.info("raw_sources did not run in this run: no fingerprint to record")
        return dg.MaterializeResult(metadata={"recorded": False})
    return dg.MaterializeResult(
        data_version=dg.DataVersion(record.fingerprint[:16]),
        metadata={
            "recorded": True,
            "fingerprint": record.fingerprint,
            "parts": dg.MetadataValue.json(dict(record.parts)),
            "completed_at": str(record.completed_at),
        },
    )
