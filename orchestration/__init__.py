"""The Dagster code location of the LOLF performance warehouse: `definitions` (what Dagster loads),
`defs/` (assets, checks, automation), `lib/` (the pipeline's code, free of Dagster), `tools/` (corpus
and benchmark), `cli` (`make run`) and `prepare` (the dbt manifest)."""
