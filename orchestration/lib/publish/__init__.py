"""What the job publishes: `marts` (the BI file and the Parquet exports), the `scorecard` package
(static HTML) and `bi_queries` (the README's BI queries, for the benchmark). `orchestration/defs/publish`
wraps it in assets."""
