"""Ingestion: every source file of RAW_DIR into the `raw` schema, with lineage to file and line, the
quarantine of what cannot be read, and the run's fingerprint (assets.py)."""
