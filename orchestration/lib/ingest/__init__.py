"""Reading the source files into the `raw` schema: `records` (what every reader produces), the
readers `farandole` (+ `farandole_format`, `farandole_tables`; `farandole_writer` writes the format
back) and `opendata_csv`, `cells` (what each printed cell is), `loader` (RAW_DIR into the `raw`
schema, incrementally, with quarantine) and `raw_schema` (its tables). `orchestration/defs/ingest`
wraps it in assets."""
