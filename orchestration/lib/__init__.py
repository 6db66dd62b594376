"""The pipeline's code, free of Dagster, laid out as `orchestration/defs` is, in the order the data
flows; `defs` wraps it in assets and checks.

- `ingest/`: the readers, the cell parser and the loader of RAW_DIR into the `raw` schema.
- Warehouse: the dbt project (`dbt_project/`); `vocabularies` reads its seeds for Python.
- `quality/`: the GX suite, exceptions, the summary, `history_review` (measure matching and our
  verdicts against the RAP's) and `review_queues` (the stewards' queues).
- `publish/`: the BI file and Parquet (`marts`), the `scorecard` package, `bi_queries`.
- Shared core: `settings`, `duckdb_io`, `fingerprint` (what a run is built from), `markdown`,
  `progress`, `vocabularies`.
"""
