"""dbt models, seeds and tests as Dagster assets and checks, one graph with the ingestion assets
(the dbt sources name them in `meta.dagster.asset_key`)."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.resources import WAREHOUSE_POOL, WarehouseResource

OWNER = "team:data-engineering"


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys follow the DuckDB relation: ["marts", "fct_indicator_value"], ["reference", "ref_unit"]."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def warehouse_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    # profiles.yml reads DUCKDB_PATH: point dbt at the same file as the Python assets.
    os.environ["DUCKDB_PATH"] = warehouse.database
    # Unit tests check the SQL logic on fixtures; they run in `make test`, not in production.
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()
