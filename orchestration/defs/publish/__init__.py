"""Publishing: the marts for BI (data/marts.duckdb, built aside and renamed), the Parquet exports,
the static scorecard and the dbt docs."""
