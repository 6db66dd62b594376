"""The pipeline's code, free of Dagster, in the order the data flows; `orchestration/defs` wraps it
in assets and checks.

- Ingest: `records` (what every reader produces), `farandole` (+ `farandole_format`,
  `farandole_tables`; `farandole_writer` writes the format back) and `opendata_csv` read the source
  files; `cells` classifies each printed cell; `ingest` loads RAW_DIR into the `raw` schema
  (`raw_schema`), incrementally, with quarantine; `fingerprint` says what a run is built from.
- Warehouse: the dbt project (`dbt_project/`); `vocabularies` reads its seeds for Python.
- Quality: the `quality` package (GX suites, exceptions, the summary) and `history_review` (measure
  matching and our verdicts against the RAP's).
- Publish: `publish` (the BI file and Parquet), the `scorecard` package (static HTML), `bi_queries`.
- Shared: `settings`, `duckdb_io`, `markdown`, `progress`.
"""
