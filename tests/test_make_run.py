"""`make run` on the shipped sources, as a newcomer runs it: everything lands, every check that
guards the marts passes, and every published cell traces back to its file and line."""

import re

import dagster as dg
import duckdb

from .conftest import SEED_FILE, run_events, run_record
from .contract_numbers import FCT_INDICATOR_VALUE_TOTAL, SHIPPED_IDS, TOTAL_CELLS


def test_the_run_succeeds_with_no_failed_error_check(published):
    record = run_record(published)
    assert record["success"] is True
    assert record["checks"]["failed_error"] == 0
    # Warnings only: cells no rule recognises (listed, never dropped) and our verdicts that differ
    # from the RAP's own (listed with file and line).
    assert record["checks"]["failed_warn"] >= 1
    assert record["ingest"]["documents_loaded"] == len(SHIPPED_IDS)
    assert record["ingest"]["cells_loaded"] == TOTAL_CELLS


def test_contract_numbers_in_the_warehouse(published):
    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_indicator_value").fetchone() == (
            FCT_INDICATOR_VALUE_TOTAL,
        )
        assert con.execute(
            "select attainment_status, target_value, target_document_id, realisation_value, realisation_document_id "
            "from marts.fct_target_attainment where measure_key = '30157' and year = 2023"
        ).fetchall() == [("met", 6.0, "PAP-2024-P352", 6.0, "PAP-2025")]
        assert con.execute(
            "select count(*) from marts.fct_indicator_value where source_file is null or source_line is null"
        ).fetchone() == (0,)
        # Lineage: a published cell of the seed points at the line that holds its raw text.
        line, raw = con.execute(
            "select source_line, value_raw from marts.fct_indicator_value "
            "where document_id = 'PAP-2024-P352' and value_status = 'not_determined'"
        ).fetchone()

    assert SEED_FILE.read_text(encoding="utf-8").split("\n")[line - 1].strip() == raw == "Non déterminé"


def test_every_output_is_where_the_readme_says(published):
    for relative in (
        "warehouse.duckdb",
        "marts.duckdb",
        "exports/fct_target_attainment.parquet",
        "reports/quality-summary.md",
        "reports/quality-summary.json",
        "reports/data-docs/index.html",
        "reports/scorecard/index.html",
        "reports/scorecard/P129.html",
        "reports/dbt-docs/index.html",
        "logs/last-run.log",
    ):
        assert (published / relative).is_file(), relative


def test_the_run_is_recorded_under_the_job_the_ui_lists(published):
    """`make run` launches the named job (the one the schedule and the sensor run), not Dagster's
    implicit `__ASSET_JOB`: the UI lists the run under `refresh_warehouse`."""
    record = run_record(published)
    assert record["job_name"] == "refresh_warehouse"
    with dg.DagsterInstance.from_config(str(published / "dagster_home")) as instance:
        assert instance.get_run_by_id(record["run_id"]).job_name == "refresh_warehouse"


def test_the_run_log_is_plain_text(published):
    """dbt's output in logs/last-run.log carries no ANSI colour codes (`use_colors: false`)."""
    log = (published / "logs" / "last-run.log").read_text(encoding="utf-8")
    assert "Completed successfully" in log or "PASS" in log  # dbt's own lines are there
    assert "\x1b[" not in log


def _metadata_of(event) -> dict:
    data = event.event_specific_data
    for holder in (
        getattr(data, "materialization", None),
        getattr(data, "asset_observation", None),
        data,
    ):
        metadata = getattr(holder, "metadata", None)
        if metadata:
            return dict(metadata)
    return {}


def test_no_metadata_of_the_run_is_a_file_url(published):
    """The UI is served over http://: a browser refuses a file:// link from it. Files are shown as
    paths (text), on every materialization, observation and check result of a real run."""
    run_id = run_record(published)["run_id"]
    events = run_events(published / "dagster_home", run_id)
    seen, file_urls = 0, []
    for event in events:
        for name, value in _metadata_of(event).items():
            seen += 1
            text = value.value if isinstance(value, dg.MetadataValue) else value
            if isinstance(text, str) and text.startswith("file:"):
                file_urls.append((event.event_type_value, name, text))
    assert seen > 100  # the run's events do carry metadata
    assert file_urls == []
    # the reports are still named, as paths
    paths = [
        v.value
        for e in events
        for v in _metadata_of(e).values()
        if isinstance(v, dg.PathMetadataValue) and str(v.value).endswith("data-docs/index.html")
    ]
    assert paths


def test_the_screen_says_which_documents_this_run_read(published):
    """The final screen: `ingested` for a document whose file this run read, `unchanged` for one an
    earlier run loaded. The session's first run read every file; a later run with one new file
    reads that one only (tests/test_faults.py, the new document on the small run's copy)."""
    screen = (published.parent / "make-run.stdout").read_text(encoding="utf-8")
    states = re.findall(r"^  (ingested|unchanged) +(\S+)", screen, re.M)
    assert sorted(doc for _, doc in states) == sorted(SHIPPED_IDS)[:12]
    assert {state for state, _ in states} == {"ingested"}
