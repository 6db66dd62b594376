"""`make run` on the shipped sources, as a newcomer runs it: everything lands, every check that
guards the marts passes, and every published cell traces back to its file and line."""

import duckdb

from .conftest import run_record
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
    from .conftest import SEED_FILE

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
