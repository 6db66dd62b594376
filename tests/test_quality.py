"""The quality checks, for real: GX on real DuckDB batches inside real Dagster runs (ingest + dbt +
checks). Two runs for the module: the shipped sources, and a broken copy of them."""

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource

from .conftest import CSV_FILE, RAW_DIR

pytestmark = pytest.mark.slow

CSV_REL = "pap/2025/plf-2025-performance.csv"
# The broken copy of the PLF 2025 file (line numbers are the file's physical lines).
PERCENT_LINE, PERCENT_MEASURE = 9, "30234"  # programme row in %: its 2023 realisation 94 -> 153
COUNT_LINE, COUNT_MEASURE = 19, "30027"  # programme row in Nb: its 2022 realisation 900 -> -4
DUPLICATED_LINE, DUPLICATED_MEASURE = 40, "3212"  # programme row copied to the end of the file
UNIT_LINE, UNIT_MEASURE = 41, "3211"  # programme row whose unit 'jours' becomes 'furlongs'


@dg.asset(key=["probe", "reads_fct_indicator_value"], deps=[dg.AssetKey(["marts", "fct_indicator_value"])])
def probe_downstream() -> None:
    """A trivial reader of the guarded mart: it must be skipped when an error rule fails."""


def _break(raw_dir: Path) -> int:
    path = raw_dir / CSV_REL
    data = path.read_bytes().decode("utf-8")
    lines = data.split("\n")

    def edit(line_no: int, measure: str, column: int, old: str, new: str) -> None:
        fields = lines[line_no - 1].split(";")
        assert fields[14] == f"{measure}.0" and fields[1] == "Programme", fields[:16]
        assert fields[column] == old, (line_no, fields[column])
        fields[column] = new
        lines[line_no - 1] = ";".join(fields)

    edit(PERCENT_LINE, PERCENT_MEASURE, 19, "94", "153")
    edit(COUNT_LINE, COUNT_MEASURE, 18, "900", "-4")
    edit(UNIT_LINE, UNIT_MEASURE, 16, "jours", "furlongs")
    assert lines[-1] == ""
    lines.insert(len(lines) - 1, lines[DUPLICATED_LINE - 1])
    path.write_bytes("\n".join(lines).encode("utf-8"))
    return len(lines) - 1  # the physical line of the copy


def _run(raw_dir: Path, db: Path, reports: Path) -> dg.ExecuteInProcessResult:
    from orchestration.defs.dbt.assets import warehouse_dbt_assets
    from orchestration.defs.dbt.project import dbt_project
    from orchestration.defs.ingest.assets import raw_sources
    from orchestration.defs.quality import QUALITY_ASSETS, QUALITY_CHECKS
    from orchestration.defs.resources import WarehouseResource

    os.environ["REPORTS_DIR"] = str(reports)
    return dg.materialize(
        [raw_sources, warehouse_dbt_assets, *QUALITY_ASSETS, *QUALITY_CHECKS, probe_downstream],
        resources={
            "warehouse": WarehouseResource(database=str(db), raw_dir=str(raw_dir), lock_timeout_s=5),
            "dbt": DbtCliResource(project_dir=dbt_project),
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def reports_env() -> Iterator[None]:
    before = os.environ.get("REPORTS_DIR")
    yield
    if before is None:
        os.environ.pop("REPORTS_DIR", None)
    else:
        os.environ["REPORTS_DIR"] = before


@pytest.fixture(scope="module")
def broken(dbt_manifest, tmp_path_factory, reports_env):
    root = tmp_path_factory.mktemp("quality_broken")
    raw_dir = root / "raw"
    shutil.copytree(RAW_DIR, raw_dir)
    copy_line = _break(raw_dir)
    result = _run(raw_dir, root / "warehouse.duckdb", root / "reports")
    return result, root, copy_line


@pytest.fixture(scope="module")
def shipped(dbt_manifest, tmp_path_factory, reports_env):
    root = tmp_path_factory.mktemp("quality_shipped")
    raw_dir = root / "raw"
    shutil.copytree(RAW_DIR, raw_dir)
    result = _run(raw_dir, root / "warehouse.duckdb", root / "reports")
    return result, root


def _evaluations(result) -> dict[str, dg.AssetCheckEvaluation]:
    """The GX checks' evaluations (dbt's own tests are checks too)."""
    return {e.check_name: e for e in result.get_asset_check_evaluations() if e.check_name.startswith("gx_")}


def _summary(root: Path) -> dict:
    return json.loads((root / "reports" / "quality-summary.json").read_text(encoding="utf-8"))


def _rules(summary: dict) -> dict[str, dict]:
    return {r["rule"]: r for r in summary["rules"]}


def _materialized(result) -> set[str]:
    return {
        e.asset_key.to_user_string()
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }


def _started_steps(result) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START}


# ------------------------------------------------------------------------------------------------
# Broken copy
# ------------------------------------------------------------------------------------------------


def test_broken_copy_fails_the_raw_suite_with_error_severity(broken):
    result, _root, _ = broken
    evaluation = _evaluations(result)["gx_raw_indicator_cell"]
    assert evaluation.passed is False
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.asset_key == dg.AssetKey(["raw", "indicator_cell"])
    metadata = evaluation.metadata
    assert metadata["unexpected"].value == 1 + 1 + 12 + 12 + 6 + 45
    assert sorted(metadata["failed_error_rules"].value) == sorted(
        [
            "percent_within_0_100",
            "count_non_negative",
            "measure_row_unique",
            "one_cell_per_year_column",
            "unit_mapped",
        ]
    )
    assert metadata["failed_warn_rules"].value == ["cell_not_unparsed"]
    assert f"| {CSV_REL} | {PERCENT_LINE} | {PERCENT_MEASURE} |" in metadata["failing_rows"].value
    assert str(metadata["summary_md"].value).endswith("quality-summary.md")
    assert metadata["data_docs"].value.endswith("data-docs/index.html")


def test_broken_copy_offences_are_counted_with_their_file_and_line(broken):
    _result, root, copy_line = broken
    rules = _rules(_summary(root))

    def lines(rule: str) -> list[tuple]:
        return sorted(
            (r["document_id"], r["source_file"], r["source_line"], r["measure_key"])
            for r in rules[rule]["rows"]
        )

    assert rules["percent_within_0_100"]["unexpected"] == 1
    assert lines("percent_within_0_100") == [("PAP-2025", CSV_REL, PERCENT_LINE, PERCENT_MEASURE)]
    assert rules["percent_within_0_100"]["rows"][0]["value_raw"] == "153"
    assert rules["percent_within_0_100"]["accepted"] == 139  # the reviewed exceptions still apply
    assert rules["count_non_negative"]["unexpected"] == 1
    assert lines("count_non_negative") == [("PAP-2025", CSV_REL, COUNT_LINE, COUNT_MEASURE)]
    assert rules["count_non_negative"]["rows"][0]["value_raw"] == "-4"
    # both copies of the duplicated row, 6 year cells each
    dup = [("PAP-2025", CSV_REL, DUPLICATED_LINE, DUPLICATED_MEASURE)] * 6
    dup += [("PAP-2025", CSV_REL, copy_line, DUPLICATED_MEASURE)] * 6
    assert rules["measure_row_unique"]["unexpected"] == 12
    assert lines("measure_row_unique") == dup
    assert rules["one_cell_per_year_column"]["unexpected"] == 12
    assert lines("one_cell_per_year_column") == dup
    assert rules["unit_mapped"]["unexpected"] == 6
    assert lines("unit_mapped") == [("PAP-2025", CSV_REL, UNIT_LINE, UNIT_MEASURE)] * 6
    assert {r["unit_raw"] for r in rules["unit_mapped"]["rows"]} == {"furlongs"}
    for rule in ("count_is_integer", "money_non_negative", "score_within_scale", "year_not_before_2006"):
        assert rules[rule]["unexpected"] == 0, rule


def test_broken_copy_blocks_the_marts_and_what_reads_them(broken):
    result, _root, _ = broken
    assert not result.success  # the blocking check's step fails
    materialized = _materialized(result)
    assert {"raw/indicator_cell", "raw/source_document"} <= materialized
    assert not any(key.startswith("marts/") for key in materialized)
    assert "probe/reads_fct_indicator_value" not in materialized
    assert "quality/quality_report" not in materialized
    # Dagster 1.13 logs "Dependencies for step … failed … Not executing." and never starts them
    started = _started_steps(result)
    assert {"raw_sources", "raw__indicator_cell_gx_raw_indicator_cell"} <= started
    assert started.isdisjoint(
        {"warehouse_dbt_assets", "probe__reads_fct_indicator_value", "quality__quality_report"}
    )


def test_broken_copy_the_clean_file_is_still_ingested(broken):
    _result, root, _ = broken
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        docs = con.execute("select document_id, cell_count from raw.source_document order by 1").fetchall()
        assert docs[0] == ("PAP-2024-P352", 54)
        assert docs[1][0] == "PAP-2025"
        assert con.execute("select count(*) from raw.rejected_document").fetchone() == (0,)


def test_broken_copy_summary_names_file_and_line_of_each_offence(broken):
    _result, root, copy_line = broken
    summary = _summary(root)
    assert summary["verdict"] == "blocked"
    assert {s["suite"]: s["status"] for s in summary["suites"]}["raw_indicator_cell"] == "failed"
    md = (root / "reports" / "quality-summary.md").read_text(encoding="utf-8")
    assert "**BLOCKED**" in md
    for line, measure in (
        (PERCENT_LINE, PERCENT_MEASURE),
        (COUNT_LINE, COUNT_MEASURE),
        (DUPLICATED_LINE, DUPLICATED_MEASURE),
        (copy_line, DUPLICATED_MEASURE),
        (UNIT_LINE, UNIT_MEASURE),
    ):
        assert f"| PAP-2025 | {CSV_REL} | {line} | {measure} |" in md, (line, measure)
    assert "### ERROR · raw_indicator_cell · `percent_within_0_100`: 1 of" in md
    assert (root / "reports" / "data-docs" / "index.html").exists()


# ------------------------------------------------------------------------------------------------
# Shipped sources
# ------------------------------------------------------------------------------------------------

SHIPPED_RULES = {
    # rule: (status, evaluated, unexpected, accepted)
    "percent_within_0_100": ("passed_with_exceptions", 5981, 0, 139),
    "count_non_negative": ("passed", 1617, 0, 0),
    "count_is_integer": ("passed_with_exceptions", 1520, 0, 120),
    "money_non_negative": ("passed_with_exceptions", 898, 0, 7),
    "score_within_scale": ("passed", 93, 0, 0),
    "year_not_before_2006": ("passed", 12900, 0, 0),
    "year_within_vintage_plus_3": ("passed", 12900, 0, 0),
    "value_kind_in_vocabulary": ("passed", 12900, 0, 0),
    "value_status_in_vocabulary": ("passed", 12900, 0, 0),
    "cell_not_unparsed": ("failed", 12900, 45, 0),
    "unit_mapped": ("passed", 12900, 0, 0),
    "measure_row_unique": ("passed", 12900, 0, 0),
    "one_cell_per_year_column": ("passed", 12900, 0, 0),
}


def test_shipped_sources_pass_every_error_rule(shipped):
    result, root = shipped
    assert result.success
    evaluations = _evaluations(result)
    assert set(evaluations) == {
        "gx_raw_indicator_cell",
        "gx_fct_indicator_value",
        "gx_dim_indicator",
        "gx_fct_target_attainment",
    }
    for name, evaluation in evaluations.items():
        assert evaluation.passed or evaluation.severity == dg.AssetCheckSeverity.WARN, name
    assert "probe/reads_fct_indicator_value" in _materialized(result)
    assert "quality/quality_report" in _materialized(result)
    summary = _summary(root)
    assert summary["verdict"] == "passed_with_warnings"
    assert [r["rule"] for r in summary["rules"] if r["severity"] == "error" and r["status"] == "failed"] == []


def test_shipped_sources_summary_numbers(shipped):
    _result, root = shipped
    summary = _summary(root)
    rules = _rules(summary)
    for rule, expected in SHIPPED_RULES.items():
        r = rules[rule]
        assert (r["status"], r["evaluated"], r["unexpected"], r["accepted"]) == expected, rule
    assert rules["exception_matches_something"]["unexpected"] == 0
    counts = summary["counts"]
    assert counts["exceptions"] == 78
    assert counts["exceptions_matching"] == 78
    assert counts["exceptions_stale"] == 0
    assert counts["rules_failed_error"] == 0
    assert counts["rules_failed_warn"] == 1  # cell_not_unparsed: the 45 cells are listed
    assert len(rules["cell_not_unparsed"]["rows"]) == 45
    # every out-of-range percentage of PLF 2025 is accepted by a reviewed exception, with its line
    accepted = [e for e in summary["exceptions_applied"] if e["rule"] == "percent_within_0_100"]
    assert len(accepted) == 38
    assert sum(e["matched_rows"] for e in accepted) == 139
    assert all(e["lines"] and e["lines"][0][0] == CSV_REL for e in accepted)
    assert (root / "reports" / "data-docs" / "index.html").exists()
    assert (
        (root / "reports" / "quality-summary.md")
        .read_text(encoding="utf-8")
        .startswith("# Data quality summary")
    )


def test_tracked_tree_is_untouched_by_a_run(shipped):
    from orchestration.lib.settings import EXPECTATIONS_DIR

    gx_dir = EXPECTATIONS_DIR / "gx"
    assert not (gx_dir / "uncommitted" / "data_docs").exists()
    assert not (gx_dir / "uncommitted" / "validations").exists()
    assert "uncommitted/" in (gx_dir / ".gitignore").read_text()
    assert CSV_FILE.exists()


def test_shipped_sources_mart_suites_numbers(shipped):
    _result, root = shipped
    summary = _summary(root)
    by_suite = {s["suite"]: s for s in summary["suites"]}
    assert {name: s["status"] for name, s in by_suite.items()} == {
        "raw_indicator_cell": "warned",
        "fct_indicator_value": "passed",
        "dim_indicator": "passed",
        "fct_target_attainment": "passed",
    }
    mart_rules = [r for r in summary["rules"] if r["suite"] != "raw_indicator_cell"]
    assert len(mart_rules) == 16
    assert all(r["status"] == "passed" and r["unexpected"] == 0 for r in mart_rules)
    rules = _rules(summary)
    # 11,880 PLF 2025 rows + 54 seed rows (docs/contract.md)
    for rule in ("fact_grain_unique", "fact_joins_measure", "fact_has_lineage", "fact_single_source_row"):
        assert rules[rule]["evaluated"] == 11934, rule
    assert rules["met_has_target_and_realisation"]["evaluated"] >= 1  # P352 1.1 = 30157, 2023: met


def test_mart_suite_catches_a_duplicated_source_row_and_a_stale_exception(shipped, tmp_path):
    """On a copy of the shipped warehouse: a duplicated raw row behind a published value, and an
    exception that accepts nothing."""
    from orchestration.lib import quality

    _result, root = shipped
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(root / "warehouse.duckdb", db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "insert into raw.indicator_cell select * replace (source_line + 100000 as source_line) "
            "from raw.indicator_cell where document_id = 'PAP-2025' and source_line = ?",
            [DUPLICATED_LINE],
        )
    stale = {
        "measure_key": "99999",
        "rule": "percent_within_0_100",
        "reason": "test",
        "reviewed_by": "t",
        "reviewed_on": "2026-01-01",
    }
    exceptions = [*quality.load_exceptions(), stale]
    reports = tmp_path / "reports"

    fct = quality.run_suite("fct_indicator_value", db, run_id="t", reports_dir=reports, exceptions=exceptions)
    rules = {r.rule: r for r in fct.rules}
    assert [r.rule for r in fct.failed_errors] == ["fact_single_source_row"]
    assert rules["fact_single_source_row"].unexpected == 6
    assert {
        (r["source_file"], r["source_line"], r["measure_key"]) for r in rules["fact_single_source_row"].rows
    } == {(CSV_REL, DUPLICATED_LINE, DUPLICATED_MEASURE)}

    raw = quality.run_suite("raw_indicator_cell", db, run_id="t", reports_dir=reports, exceptions=exceptions)
    rules = {r.rule: r for r in raw.rules}
    assert rules["exception_matches_something"].status == "failed"
    assert rules["exception_matches_something"].rows == [{k: stale[k] for k in quality.EXCEPTION_COLUMNS}]
    assert rules["percent_within_0_100"].accepted == 139  # the real exceptions still apply
    assert [e["measure_key"] for e in raw.stale_exceptions] == ["99999"]
    data = quality.write_reports(run_id="t", reports_dir=reports, data_docs=False)
    assert data["counts"]["exceptions_stale"] == 1
    assert "| 99999 | percent_within_0_100 | test | matches no offending row |" in (
        reports / "quality-summary.md"
    ).read_text(encoding="utf-8")
