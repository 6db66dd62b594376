"""Dagster definitions, one folder per stage as the data flows: `ingest/` (RAW_DIR into the raw
schema, with its checks), `dbt/` (the dbt project as assets and checks), `quality/` (the GX suites
as blocking checks, the quality report), `publish/` (the BI file, Parquet, the scorecard, the dbt
docs); `resources.py` (settings, warehouse, dbt, executor) and `automation.py` (sensor, schedule).
Loaded by `dg.load_from_defs_folder` (orchestration/definitions.py)."""
