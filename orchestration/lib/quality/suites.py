"""The suites and their batches: which asset each suite guards, where its rows come from, which
columns name an offending row.

- The mart suites validate dbt models, `dbt_project/models/quality/qa_<suite>.sql` (views in schema
  `quality`, built by the dbt build after the marts they read), read into a DataFrame.
- The raw suite guards the dbt build, so it runs before any dbt invocation: its batch cannot be a
  dbt model (building one would mean a second writer inside a check, and the seeds and staging
  views do not exist before the first build). Its SQL is `batches/raw_indicator_cell.sql`; it reads
  the seeds as CSV files, the printed unit's key as the expression of the staging model
  (`unit_key_sql`) and the RAP target column's prefix from the dbt project's vars.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import yaml

if TYPE_CHECKING:  # pandas (0.5 s) is imported where a batch is read, not with the definitions
    import pandas as pd

from orchestration.lib.settings import DBT_PROJECT_DIR
from orchestration.lib.vocabularies import seed_path

BATCHES_DIR = Path(__file__).parent / "batches"
REF_UNIT_SEED = seed_path("ref_unit")
REF_UNIT_SCALE_SEED = seed_path("ref_unit_scale")
REF_UNIT_RULE_SEED = seed_path("ref_unit_rule")
STAGING_CELLS_MODEL = DBT_PROJECT_DIR / "models" / "staging" / "raw" / "stg_raw__indicator_cells.sql"
QUALITY_SCHEMA = "quality"  # dbt_project.yml: models/quality


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    asset_key: tuple[str, ...]  # the Dagster asset the suite guards
    sample_columns: tuple[str, ...]  # lineage columns of an offending row
    description: str
    dbt_model: str | None  # the qa_ model of its batch; None: batches/<name>.sql, before dbt

    @property
    def batch_asset_key(self) -> tuple[str, ...] | None:
        return (QUALITY_SCHEMA, self.dbt_model) if self.dbt_model else None


SUITES: dict[str, SuiteSpec] = {
    s.name: s
    for s in (
        SuiteSpec(
            "raw_indicator_cell",
            ("raw", "indicator_cell"),
            (
                "document_id",
                "source_file",
                "source_line",
                "measure_key",
                "year",
                "column_header",
                "unit_raw",
                "value_raw",
                "value_status",
            ),
            "Every source cell as published; guards the dbt build (an error here means the marts are not rebuilt).",
            None,
        ),
        SuiteSpec(
            "fct_indicator_value",
            ("marts", "fct_indicator_value"),
            ("document_id", "source_file", "source_line", "measure_key", "year", "value_kind", "value_raw"),
            "The published facts and their joins to the dimensions.",
            "qa_fct_indicator_value",
        ),
        SuiteSpec(
            "dim_indicator",
            ("marts", "dim_indicator"),
            (
                "document_id",
                "source_file",
                "source_line",
                "indicator_code",
                "objective_code",
                "programme_code",
            ),
            "The indicator → objective → programme hierarchy.",
            "qa_dim_indicator",
        ),
        SuiteSpec(
            "fct_target_attainment",
            ("marts", "fct_target_attainment"),
            (
                "measure_key",
                "year",
                "attainment_status",
                "target_raw",
                "target_document_id",
                "realisation_raw",
                "realisation_document_id",
                "source_file",
                "source_line",
                "attainment_ratio",
                "verdict",
                "official_verdict_raw",
            ),
            "Target attainment per measure and year.",
            "qa_fct_target_attainment",
        ),
    )
}


@cache
def dbt_var(name: str) -> str:
    """A var of dbt_project.yml (one value for the dbt models and the raw batch)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"][name]


def unit_key_sql(column: str) -> str:
    """The staging model's `unit_key` expression (its select item `... as unit_key`, read back
    from the line naming it to where its parentheses balance), applied to `column`: how a printed
    unit becomes its key into ref_unit."""
    lines = STAGING_CELLS_MODEL.read_text(encoding="utf-8").splitlines()
    ends = [i for i, line in enumerate(lines) if re.search(r"\bas unit_key,?\s*$", line)]
    if len(ends) != 1:
        raise RuntimeError(
            f"{STAGING_CELLS_MODEL}: expected one select item 'as unit_key', found {len(ends)}"
        )
    item: list[str] = []
    for line in reversed(lines[: ends[0] + 1]):
        item.insert(0, line.strip())
        code = re.sub(r"'[^']*'", "''", " ".join(item))
        if code.count("(") == code.count(")"):
            break
    expression = re.sub(r"\s+as unit_key,?$", "", " ".join(item))
    if len(re.findall(r"\bunit_raw\b", expression)) != 1:
        raise RuntimeError(
            f"{STAGING_CELLS_MODEL}: the unit_key expression should read unit_raw once: {expression}"
        )
    return re.sub(r"\bunit_raw\b", column, expression)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def batch_sql(spec: SuiteSpec) -> str:
    """The query of a suite's batch: the qa_ model, or the raw batch's file with its placeholders filled."""
    if spec.dbt_model:
        return f'select * from "{QUALITY_SCHEMA}"."{spec.dbt_model}"'
    sql = (BATCHES_DIR / f"{spec.name}.sql").read_text(encoding="utf-8")
    return (
        sql.replace("{ref_unit}", _sql_literal(str(REF_UNIT_SEED)))
        .replace("{ref_unit_scale}", _sql_literal(str(REF_UNIT_SCALE_SEED)))
        .replace("{ref_unit_rule}", _sql_literal(str(REF_UNIT_RULE_SEED)))
        .replace("{unit_key}", unit_key_sql("c.unit_raw"))
        .replace("{target_column_prefix}", _sql_literal(dbt_var("target_column_prefix")))
    )


def read_batch(con: duckdb.DuckDBPyConnection, spec: SuiteSpec) -> "pd.DataFrame":
    """The suite's rows, in the batch's order, with `_row` (their position) for GX to name them."""
    df = con.execute(batch_sql(spec)).df().reset_index(drop=True)
    df["_row"] = range(len(df))
    return df
