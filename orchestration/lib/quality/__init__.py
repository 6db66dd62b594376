"""Data quality: the Great Expectations suite of `expectations/` (the stewards' rules on the raw
cells), run on a pandas batch read from the warehouse through a read-only DuckDB connection, with the
stewards' reviewed exceptions. What dbt enforces on the marts is dbt's tests, not repeated here.

The package, one concern per module:

- `suites.py`: the asset the suite guards and where its batch comes from (it runs before dbt:
  `batches/raw_indicator_cell.sql`, with the unit key of the dbt macro `unit_key`);
- `exceptions.py`: `expectations/exceptions.csv` and how a rule skips its accepted measures (its
  own row condition, which cannot switch another rule off);
- `validation.py`: GX (context, one Checkpoint per suite, native severities, the vocabularies as
  suite parameters, the Data Docs built once from the stored results) and the reading of its
  results;
- `results.py`: the plain results (JSON-ready) and their storage under REPORTS_DIR/quality/;
- `report.py` and `templates/`: quality-summary.{json,md} (Jinja2, autoescape on) and the Data Docs.

The Dagster checks (`orchestration/defs/quality/checks.py`) are the only way this runs.
"""

from orchestration.lib.quality.exceptions import EXCEPTION_COLUMNS, EXCEPTIONS_FILE, load_exceptions
from orchestration.lib.quality.report import (
    quarantined_files,
    rows_table,
    rules_table,
    summary,
    summary_markdown,
    summary_paths,
    write_held_cells,
    write_reports,
    write_units_to_map,
)
from orchestration.lib.quality.results import RuleResult, SuiteResult, stored_results
from orchestration.lib.quality.suites import REF_UNIT_SEED, SUITES, SuiteSpec, read_batch, unit_key_sql
from orchestration.lib.quality.validation import build_data_docs, gx_context, run_suite

__all__ = [
    "EXCEPTIONS_FILE",
    "EXCEPTION_COLUMNS",
    "REF_UNIT_SEED",
    "SUITES",
    "RuleResult",
    "SuiteResult",
    "SuiteSpec",
    "build_data_docs",
    "gx_context",
    "load_exceptions",
    "quarantined_files",
    "read_batch",
    "rows_table",
    "rules_table",
    "run_suite",
    "stored_results",
    "summary",
    "summary_markdown",
    "summary_paths",
    "unit_key_sql",
    "write_held_cells",
    "write_reports",
    "write_units_to_map",
]
