"""The Dagster code location: loads what lives under `defs/`."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.automation import daily_refresh, raw_dir_sensor, refresh_job
from orchestration.defs.dbt.assets import warehouse_dbt_assets
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.ingest.assets import raw_sources
from orchestration.defs.publish.assets import dbt_docs, marts_duckdb, parquet_exports
from orchestration.defs.publish.scorecard import scorecard
from orchestration.defs.quality import QUALITY_ASSETS, QUALITY_CHECKS
from orchestration.defs.resources import warehouse_from_env
from orchestration.lib.progress import progress_logger
from orchestration.lib.settings import export_for_subprocesses, load_settings

export_for_subprocesses(load_settings())

defs = dg.Definitions(
    assets=[
        raw_sources,
        warehouse_dbt_assets,
        *QUALITY_ASSETS,
        marts_duckdb,
        parquet_exports,
        scorecard,
        dbt_docs,
    ],
    asset_checks=QUALITY_CHECKS,
    jobs=[refresh_job],
    sensors=[raw_dir_sensor],
    schedules=[daily_refresh],
    resources={
        "warehouse": warehouse_from_env(),
        "dbt": DbtCliResource(project_dir=dbt_project),
    },
    loggers={"console": dg.default_loggers()["console"], "progress": progress_logger},
    # The multiprocess executor re-imports the stack for every step (about twice as slow here).
    executor=dg.in_process_executor,
)
