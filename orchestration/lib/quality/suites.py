"""The suite and its batch: which asset it guards, where its rows come from, which columns name
an offending row.

One suite is left, `raw_indicator_cell`: the stewards' rules on the cells as published (what dbt
enforces on the marts, keys, grain, joins, vocabularies, is dbt's tests, once). It guards the dbt
build, so it runs before any dbt invocation: its batch cannot be a dbt model (building one would
mean a second writer inside a check, and the seeds and staging views do not exist before the first
build). Its SQL is `batches/raw_indicator_cell.sql`; it reads the seeds as CSV files, the printed
unit's key from the dbt macro that staging uses (`unit_key_sql`) and the RAP target column's prefix
from the dbt project's vars.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import jinja2
import yaml

if TYPE_CHECKING:  # pandas (0.5 s) is imported where a batch is read, not with the definitions
    import pandas as pd

from orchestration.lib.settings import DBT_PROJECT_DIR
from orchestration.lib.vocabularies import seed_path

BATCHES_DIR = Path(__file__).parent / "batches"
REF_UNIT_SEED = seed_path("ref_unit")
REF_UNIT_SCALE_SEED = seed_path("ref_unit_scale")
REF_UNIT_RULE_SEED = seed_path("ref_unit_rule")
UNIT_KEY_MACRO = DBT_PROJECT_DIR / "macros" / "unit_key.sql"


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    asset_key: tuple[str, ...]  # the Dagster asset the suite guards
    sample_columns: tuple[str, ...]  # lineage columns of an offending row
    description: str


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
        ),
    )
}


@cache
def dbt_var(name: str) -> str:
    """A var of dbt_project.yml (one value for the dbt models and the raw batch)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"][name]


@cache
def _unit_key_macro() -> jinja2.runtime.Macro:
    return jinja2.Environment().from_string(UNIT_KEY_MACRO.read_text(encoding="utf-8")).module.unit_key


def unit_key_sql(column: str) -> str:
    """How a printed unit becomes its key into ref_unit, applied to `column`: the dbt macro
    `unit_key` (dbt_project/macros/unit_key.sql), rendered here with plain Jinja2.

    Why the macro is the one definition, rendered twice, rather than the alternatives: the raw
    suite runs before dbt and guards it, so it cannot read a staging view or a table dbt builds in
    the same run (a table built once beforehand would be one more writer and one more step to keep
    current); reading `as unit_key` back out of the staging model's SQL with regular expressions
    depended on how the model was laid out; SQL kept
    in a Python string or a dbt var would be read by dbt as text to paste, away from the models.
    A dbt macro is dbt's own unit of shared SQL, and Jinja2 is dbt's template language: a macro
    that reads nothing but its argument (no `ref`, no `var`, no adapter) renders the same here as
    in dbt, which tests/test_quality.py checks on every unit of the shipped sources."""
    return str(_unit_key_macro()(column)).strip()


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def batch_sql(spec: SuiteSpec) -> str:
    """The query of a suite's batch: its file of `batches/` with its placeholders filled."""
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
