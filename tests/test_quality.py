"""The quality checks, for real: GX on real DuckDB batches inside real Dagster runs. The shipped
sources: the session's `make run` (`published`: its Dagster events, summary and warehouse). A broken
copy of them: a run of its own (ingest + the raw suite, which blocks dbt and every reader of the
marts). Rules meeting data they would never see on the shipped sources: the suite runs on copies of
the published warehouse with a few rows broken in place. The rules on the marts are dbt tests, checks
of the dbt step (here: their results in the shipped run; a duplicated source row failing the build:
tests/test_dbt_project.py)."""

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.lib.settings import prepare_dagster_home

from .conftest import CSV_FILE, RAW_DIR, run_events, run_record, shared_run

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


def _run(raw_dir: Path, db: Path, reports: Path, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    from orchestration.defs.dbt.assets import warehouse_dbt_assets
    from orchestration.defs.dbt.project import dbt_project
    from orchestration.defs.ingest.assets import raw_sources
    from orchestration.defs.quality import QUALITY_ASSETS, QUALITY_CHECKS
    from orchestration.defs.resources import SettingsResource, WarehouseDbtResource, WarehouseResource

    return dg.materialize(
        [raw_sources, warehouse_dbt_assets, *QUALITY_ASSETS, *QUALITY_CHECKS, probe_downstream],
        resources={
            "warehouse": WarehouseResource(database=str(db), lock_timeout_s=5),
            "settings": SettingsResource(raw_dir=str(raw_dir), reports_dir=str(reports)),
            "dbt": WarehouseDbtResource.for_project(dbt_project),
        },
        instance=instance,
        raise_on_error=False,
    )


@dataclass
class RecordedRun:
    """A run read back from its DAGSTER_HOME (built by one pytest-xdist worker, read by any)."""

    success: bool
    all_events: list[dg.DagsterEvent]

    def get_asset_check_evaluations(self) -> list[dg.AssetCheckEvaluation]:
        return [
            e.event_specific_data
            for e in self.all_events
            if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ]


@pytest.fixture(scope="session")
def broken(dbt_manifest, tmp_path_factory) -> tuple[RecordedRun, Path, int]:
    """ingest + the raw suite + dbt (and its tests of the marts), in process, on a copy of raw/
    broken in four places (the raw suite's error rules stop it before dbt)."""

    def build(root: Path) -> None:
        shutil.copytree(RAW_DIR, root / "raw")
        (root / "copy_line").write_text(str(_break(root / "raw")))
        with dg.DagsterInstance.from_config(str(prepare_dagster_home(root / "dagster_home"))) as instance:
            result = _run(root / "raw", root / "warehouse.duckdb", root / "reports", instance)
        (root / "run_id").write_text(result.run_id)

    root = shared_run(tmp_path_factory, "quality_broken", build)
    run_id = (root / "run_id").read_text()
    with dg.DagsterInstance.from_config(str(root / "dagster_home")) as instance:
        run = instance.get_run_by_id(run_id)
        events = [e.dagster_event for e in instance.all_logs(run_id) if e.dagster_event]
    recorded = RecordedRun(run.status == dg.DagsterRunStatus.SUCCESS, events)
    return recorded, root, int((root / "copy_line").read_text())


@pytest.fixture(scope="module")
def shipped(published) -> tuple[dict, list[dg.DagsterEvent], Path]:
    """The session's `make run` on the shipped sources: its run record, its Dagster events (read back
    from its DAGSTER_HOME) and its DATA_DIR."""
    record = run_record(published)
    events = run_events(published / "dagster_home", record["run_id"])
    return record, events, published


def _evaluations(evaluations) -> dict[str, dg.AssetCheckEvaluation]:
    """The GX checks' evaluations (dbt's own tests are checks too)."""
    return {e.check_name: e for e in evaluations if e.check_name.startswith("gx_")}


def _shipped_evaluations(events: list[dg.DagsterEvent]) -> dict[str, dg.AssetCheckEvaluation]:
    return _evaluations(
        e.event_specific_data for e in events if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    )


def _summary(root: Path) -> dict:
    return json.loads((root / "reports" / "quality-summary.json").read_text(encoding="utf-8"))


def _rules(summary: dict) -> dict[str, dict]:
    return {r["rule"]: r for r in summary["rules"]}


def _materialized(events: list[dg.DagsterEvent]) -> set[str]:
    return {
        e.asset_key.to_user_string()
        for e in events
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }


def _started_steps(result) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START}


# ------------------------------------------------------------------------------------------------
# Broken copy
# ------------------------------------------------------------------------------------------------


def test_broken_copy_fails_the_raw_suite_with_error_severity(broken):
    result, _root, _ = broken
    evaluation = _evaluations(result.get_asset_check_evaluations())["gx_raw_indicator_cell"]
    assert evaluation.passed is False
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.asset_key == dg.AssetKey(["raw", "indicator_cell"])
    metadata = evaluation.metadata
    assert metadata["unexpected"].value == 1 + 1 + 12 + 12 + 6 + UNPARSED_CELLS
    # the duplicated row breaks the grain (`fail` rules: they block); the value defects and the new
    # unit break `quarantine` rules: their cells are held, never blocking on their own
    assert sorted(metadata["failed_error_rules"].value) == ["measure_row_unique", "one_cell_per_year_column"]
    assert metadata["holding_rules"].value == {
        "percent_within_0_100": 1,
        "count_non_negative": 1,
        "unit_mapped": 6,
    }
    assert metadata["held_cells"].value == 1 + 1 + 6
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
    assert rules["percent_within_0_100"]["accepted"] == 718  # the reviewed exceptions still apply
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
    for rule in (
        "count_is_integer",
        "money_non_negative",
        "score_within_scale",
        "year_not_before_2006",
        "percent_change_not_below_minus_100",
        "target_year_within_vintage_plus_12",
    ):
        assert rules[rule]["unexpected"] == 0, rule


def test_broken_copy_blocks_the_marts_and_what_reads_them(broken):
    result, _root, _ = broken
    assert not result.success  # the blocking check's step fails
    materialized = _materialized(result.all_events)
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
    # one line per failed rule, the fail rules first, each with its first offending row and the
    # file that lists every offending row with its document, file and line
    failed = [line for line in md.splitlines() if line.startswith("| raw_indicator_cell · ")]
    assert failed[0].startswith("| raw_indicator_cell · measure_row_unique | fail | 12 of ")
    listed = set()
    for line in failed:
        full_list = line.rstrip(" |").rsplit(" | ", 1)[1]
        path = root / "reports" / full_list.split(" ")[0].rstrip(",")
        with path.open(encoding="utf-8") as f:
            listed |= {(r["document_id"], r["source_file"], int(r["source_line"]), r["measure_key"]) for r in csv.DictReader(f)}  # fmt: skip
    for line, measure in (
        (PERCENT_LINE, PERCENT_MEASURE),
        (COUNT_LINE, COUNT_MEASURE),
        (DUPLICATED_LINE, DUPLICATED_MEASURE),
        (copy_line, DUPLICATED_MEASURE),
        (UNIT_LINE, UNIT_MEASURE),
    ):
        assert ("PAP-2025", CSV_REL, line, measure) in listed, (line, measure)
    assert (root / "reports" / "data-docs" / "index.html").exists()


# ------------------------------------------------------------------------------------------------
# Shipped sources
# ------------------------------------------------------------------------------------------------

# 78,653 cells: PAP 2024 P352 54, PLF 2025 12,846, RAP 2012 14,037, 2013 14,116, 2014 13,792,
# 2016 12,012, 2017 11,796. 10,918 of them are the optional RAP 'Valeur cible (Année cible YYYY)'
# cell, whose year is held to vintage + 12 instead of + 3.
# The rules on numbers also read the number of a damaged '? 110' (a lost comparator), as of a bound.
RAW_CELLS, RAP_TARGET_CELLS, UNPARSED_CELLS = 78653, 10918, 973
SHIPPED_RULES = {
    # rule: (status, evaluated, unexpected, accepted)
    "percent_within_0_100": ("passed_with_exceptions", 36539, 0, 718),
    "percent_change_not_below_minus_100": ("passed", 1617, 0, 0),
    "count_non_negative": ("passed", 8887, 0, 0),
    "count_is_integer": ("passed_with_exceptions", 8135, 0, 443),
    "money_non_negative": ("passed_with_exceptions", 6994, 0, 74),
    "score_within_scale": ("passed", 501, 0, 0),
    "year_not_before_2006": ("passed", RAW_CELLS, 0, 0),
    "year_within_vintage_plus_3": ("passed", RAW_CELLS - RAP_TARGET_CELLS, 0, 0),
    "target_year_within_vintage_plus_12": ("passed", RAP_TARGET_CELLS, 0, 0),
    "value_kind_in_vocabulary": ("passed", RAW_CELLS, 0, 0),
    "value_status_in_vocabulary": ("passed", RAW_CELLS, 0, 0),
    "cell_not_unparsed": ("failed", RAW_CELLS, UNPARSED_CELLS, 0),
    "unit_mapped": ("passed", RAW_CELLS, 0, 0),
    "measure_row_unique": ("passed", RAW_CELLS, 0, 0),
    "one_cell_per_year_column": ("passed", RAW_CELLS, 0, 0),
}


def test_shipped_sources_pass_every_error_rule(shipped):
    record, events, root = shipped
    assert record["success"]
    evaluations = _shipped_evaluations(events)
    assert set(evaluations) == {"gx_raw_indicator_cell"}
    for name, evaluation in evaluations.items():
        assert evaluation.passed or evaluation.severity == dg.AssetCheckSeverity.WARN, name
    # what reads the guarded marts ran: the published file, the exports, the scorecard, the summary
    assert {
        "publish/marts_duckdb",
        "publish/parquet_exports",
        "publish/scorecard",
        "quality/quality_report",
    } <= _materialized(events)
    summary = _summary(root)
    assert summary["verdict"] == "passed_with_warnings"
    assert [r["rule"] for r in summary["rules"] if r["severity"] == "error" and r["status"] == "failed"] == []


def test_shipped_sources_summary_numbers(shipped):
    _record, _events, root = shipped
    summary = _summary(root)
    rules = _rules(summary)
    for rule, expected in SHIPPED_RULES.items():
        r = rules[rule]
        assert (r["status"], r["evaluated"], r["unexpected"], r["accepted"]) == expected, rule
    assert rules["exception_matches_something"]["unexpected"] == 0
    counts = summary["counts"]
    assert counts["exceptions"] == 229
    assert counts["exceptions_matching"] == 229
    assert counts["exceptions_stale"] == 0
    assert counts["rules_failed_error"] == 0
    # the warning: cell_not_unparsed (the cells are listed, the first 1,000); the disagreements
    # with the RAP's own verdict are the dbt test verdict_agrees_with_official's
    assert counts["rules_failed_warn"] == 1
    assert len(rules["cell_not_unparsed"]["rows"]) == min(UNPARSED_CELLS, 1000)
    # every out-of-range value is accepted by a reviewed exception, with its lines
    applied = summary["exceptions_applied"]
    by_rule = {
        rule: [e for e in applied if e["rule"] == rule]
        for rule in ("percent_within_0_100", "count_is_integer", "money_non_negative")
    }
    assert {rule: len(es) for rule, es in by_rule.items()} == {
        "percent_within_0_100": 137,
        "count_is_integer": 77,
        "money_non_negative": 15,
    }
    assert {rule: sum(e["matched_rows"] for e in es) for rule, es in by_rule.items()} == {
        "percent_within_0_100": 718,
        "count_is_integer": 443,
        "money_non_negative": 74,
    }
    assert all(e["lines"] for e in applied)
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


# The rules of the former GX mart suites that dbt did not enforce already, now dbt tests on the marts
# (dbt_project/models/marts/_marts__models.yml), each a check of its mart under the rule's name.
MART_RULES = {
    "marts/fct_indicator_value": ("fact_one_cell_per_year_column", "fact_single_source_row"),
    "marts/dim_indicator": ("indicator_belongs_to_objective", "programme_code_in_dim_programme"),
    "marts/fct_target_attainment": (
        "met_has_target_and_realisation",
        "attainment_ratio_finite",
        "verdict_agrees_with_official",
    ),
}


def test_shipped_sources_mart_rules_are_dbt_checks(shipped):
    """The rules on the marts ran as dbt tests in the dbt step: the error ones pass; the warn one
    (ours against the RAP's verdict) counts exactly the disagreements of the review queue, all pending
    while ref_verdict_disagreement_review is empty."""
    _record, events, root = shipped
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in (
            ev.event_specific_data
            for ev in events
            if ev.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        )
    }
    for asset, rules in MART_RULES.items():
        for rule in rules:
            evaluation = evaluations[(asset, rule)]
            if rule == "verdict_agrees_with_official":
                assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
                warned = evaluation.metadata["dagster_dbt/failed_row_count"].value
            else:
                assert evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR, rule
    summary = _summary(root)
    assert warned == len(summary["history"]["disagreements"]) == 446
    with (root / "reports" / "verdict-disagreements.csv").open(encoding="utf-8") as f:
        assert [r["status"] for r in csv.DictReader(f)] == ["pending"] * warned
    # GX keeps the raw suite alone
    assert [s["suite"] for s in summary["suites"]] == ["raw_indicator_cell"]


def test_raw_suite_reports_a_stale_exception(shipped, tmp_path):
    """On the shipped warehouse: an exception that accepts nothing is reported, in the queue of
    stale exceptions, and the real ones still apply."""
    from orchestration.lib import quality

    _record, _events, root = shipped
    stale = {
        "measure_key": "99999",
        "rule": "percent_within_0_100",
        "reason": "test",
        "reviewed_by": "t",
        "reviewed_on": "2026-01-01",
    }
    exceptions = [*quality.load_exceptions(), stale]
    reports = tmp_path / "reports"

    raw = quality.run_suite(
        "raw_indicator_cell",
        root / "warehouse.duckdb",
        run_id="t",
        reports_dir=reports,
        exceptions=exceptions,
    )
    rules = {r.rule: r for r in raw.rules}
    assert rules["exception_matches_something"].status == "failed"
    assert rules["exception_matches_something"].rows == [{k: stale[k] for k in quality.EXCEPTION_COLUMNS}]
    assert rules["percent_within_0_100"].accepted == 718  # the real exceptions still apply
    assert [e["measure_key"] for e in raw.stale_exceptions] == ["99999"]
    data = quality.write_reports(run_id="t", reports_dir=reports, data_docs=False)
    assert data["counts"]["exceptions_stale"] == 1
    # the stale exception is the first pending row of its queue, in exceptions.csv's columns
    with (reports / "stale-exceptions.csv").open(encoding="utf-8") as f:
        assert list(csv.DictReader(f)) == [
            stale | {"status": "pending", "problem": "matches no offending row"}
        ]
    assert "| stale_exceptions | 1 | 0 | 0 | 99999 · percent_within_0_100 · matches no offending row |" in (
        reports / "quality-summary.md"
    ).read_text(encoding="utf-8")


RAP_2017 = "rap/2017/PERF_SSI_RAP_2017_20180517_122845769.csv"


def test_raw_suite_catches_broken_rap_rows(shipped, tmp_path):
    """On a copy of the shipped warehouse, RAP 2017 rows broken the ways the RAP-specific rules
    guard against: the refinements (optional target column, signed changes, unit keys) catch
    them still."""
    from orchestration.lib import quality

    _record, _events, root = shipped
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(root / "warehouse.duckdb", db)
    where = "document_id = 'RAP-2017' and source_line = ?"
    with duckdb.connect(str(db)) as con:

        def cells(line: int) -> list[tuple]:
            return con.execute(
                f"select sub_indicator_id, unit_raw, column_position from raw.indicator_cell where {where} "
                "order by column_position",
                [line],
            ).fetchall()

        assert [c[0] for c in cells(1722)] == [7075] * 6  # a share in %: 29,8 -> 153
        con.execute(
            f"update raw.indicator_cell set value_raw = '153', value_numeric = 153 where {where} and column_position = 5",
            [1722],
        )
        assert [c[0] for c in cells(1771)] == [6488] * 6  # 'Evolution du coût…' in %: -2,2 -> -150
        con.execute(
            f"update raw.indicator_cell set value_raw = '-150', value_numeric = -150 where {where} and column_position = 2",
            [1771],
        )
        assert [c[0] for c in cells(1726)] == [17625] * 6  # its target year 2017 -> 2047
        con.execute(
            f"update raw.indicator_cell set year = 2047 where {where} and column_position = 6", [1726]
        )
        assert [c[2] for c in cells(1730)] == [1, 2, 3, 4, 5, 6]  # truncated: its third year cell goes
        con.execute(f"delete from raw.indicator_cell where {where} and column_position = 3", [1730])
        assert {c[1] for c in cells(1732)} == {"nombre"}  # unit 'nombre' -> 'Furlongs / Semaine'
        con.execute(f"update raw.indicator_cell set unit_raw = 'Furlongs / Semaine' where {where}", [1732])
        assert {c[1] for c in cells(1733)} == {"nombre"}  # another spelling of a known unit still maps
        con.execute(f"update raw.indicator_cell set unit_raw = '  NOMBRE ' where {where}", [1733])
        assert len(cells(1700)) == 6  # duplicated, with its target cell
        con.execute(
            "insert into raw.indicator_cell select * replace (source_line + 100000 as source_line) "
            f"from raw.indicator_cell where {where}",
            [1700],
        )

    result = quality.run_suite("raw_indicator_cell", db, run_id="t", reports_dir=tmp_path / "reports")
    rules = {r.rule: r for r in result.rules}

    def lines(rule: str) -> list[tuple]:
        return sorted((r["source_file"], r["source_line"]) for r in rules[rule].rows)

    # the grain fails (`fail` rules); the values and the new unit are held (`quarantine` rules)
    assert sorted(r.rule for r in result.failed_errors) == ["measure_row_unique", "one_cell_per_year_column"]
    assert sorted(r.rule for r in result.holding) == [
        "percent_change_not_below_minus_100",
        "percent_within_0_100",
        "target_year_within_vintage_plus_12",
        "unit_mapped",
    ]
    assert sorted({(h[1], h[3]) for h in result.holds}) == [
        (1722, "percent_within_0_100"),
        (1726, "target_year_within_vintage_plus_12"),
        (1732, "unit_mapped"),
        (1771, "percent_change_not_below_minus_100"),
    ]
    assert lines("percent_within_0_100") == [(RAP_2017, 1722)]
    assert lines("percent_change_not_below_minus_100") == [(RAP_2017, 1771)]
    assert lines("target_year_within_vintage_plus_12") == [(RAP_2017, 1726)]
    assert rules["year_within_vintage_plus_3"].unexpected == 0
    assert lines("unit_mapped") == [(RAP_2017, 1732)] * 6
    # the truncated row (4 year cells and its target cell), both copies of the duplicated one
    assert (
        lines("one_cell_per_year_column")
        == [(RAP_2017, 1700)] * 6 + [(RAP_2017, 1730)] * 5 + [(RAP_2017, 100000 + 1700)] * 6
    )
    assert lines("measure_row_unique") == [(RAP_2017, 1700)] * 6 + [(RAP_2017, 100000 + 1700)] * 6
    assert rules["percent_within_0_100"].accepted == 718  # the reviewed exceptions still apply


def test_unit_key_is_one_macro_and_the_seed_is_keyed_by_it(shipped):
    """One definition of a unit's key, the dbt macro `unit_key`: staging calls it, the raw checks
    render it (before dbt); on every unit of the shipped sources both give the same key. Every
    ref_unit row is already in key form and unique, so dbt and GX map the same spellings."""
    from orchestration.lib import quality
    from orchestration.lib.quality.suites import UNIT_KEY_MACRO
    from orchestration.lib.settings import DBT_PROJECT_DIR

    staging = (DBT_PROJECT_DIR / "models" / "staging" / "raw" / "stg_raw__indicator_cells.sql").read_text()
    assert staging.count("{{ unit_key('unit_raw') }} as unit_key") == 1
    assert "regexp_replace(unit_raw" not in staging  # the expression is the macro's alone
    assert UNIT_KEY_MACRO.read_text().count("regexp_replace(") == 2

    expression = quality.unit_key_sql("u")
    _record, _events, root = shipped
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        differing = con.execute(
            f"select count(*), count(distinct unit_raw) from (select unit_raw, unit_key, "
            f"{quality.unit_key_sql('unit_raw')} as rendered from staging.stg_raw__indicator_cells) "
            "where unit_key is distinct from rendered"
        ).fetchone()
        assert differing == (0, 0)
        assert con.execute("select count(distinct unit_raw) from raw.indicator_cell").fetchone()[0] > 50

    with duckdb.connect() as con:

        def key(unit: str) -> str | None:
            return con.execute(f"select {expression} from (select ?::varchar as u)", [unit]).fetchone()[0]

        assert key("Nombre") == key("nombre") == key(" NOMBRE ") == "nombre"
        assert key("millions / semaines") == "millions/semaines"
        assert key("€ / t CO2") == "€/t co2"
        assert key("Nombre            %") == "nombre %"
        assert key("m2 SUN/ poste") == "m2 sun/poste"
        assert key("") is None and key("   ") is None
        with quality.REF_UNIT_SEED.open(encoding="utf-8", newline="") as f:
            seed = [row["unit_raw"] for row in csv.DictReader(f)]
        assert len(seed) == len(set(seed))
        not_keys = [unit for unit in seed if unit and key(unit) != unit]
        assert not_keys == [], "ref_unit.unit_raw must hold the unit's key (lower case, no space around '/')"
        assert seed.count("") == 1  # the empty unit


def test_an_exception_cannot_switch_off_another_rule_reading_the_same_column(shipped, tmp_path):
    """value_status_in_vocabulary and cell_not_unparsed both read value_status: accepting a measure
    for the first (its own row condition) leaves the second checking the measure's cells."""
    from orchestration.lib import quality

    _record, _events, root = shipped
    unparsed = _rules(_summary(root))["cell_not_unparsed"]["rows"]
    measure = str(unparsed[0]["measure_key"])
    its_cells = sum(str(r["measure_key"]) == measure for r in unparsed)
    accepted = {
        "measure_key": measure,
        "rule": "value_status_in_vocabulary",
        "reason": "test",
        "reviewed_by": "t",
        "reviewed_on": "2026-01-01",
    }
    result = quality.run_suite(
        "raw_indicator_cell",
        root / "warehouse.duckdb",
        run_id="t",
        reports_dir=tmp_path / "reports",
        exceptions=[*quality.load_exceptions(), accepted],
    )
    rules = {r.rule: r for r in result.rules}
    assert rules["cell_not_unparsed"].unexpected == UNPARSED_CELLS
    assert sum(str(r["measure_key"]) == measure for r in rules["cell_not_unparsed"].rows) == its_cells
    assert rules["value_status_in_vocabulary"].evaluated == RAW_CELLS  # the measure's cells, apart
    assert [e["measure_key"] for e in result.stale_exceptions] == [measure]  # it accepts nothing
    assert rules["percent_within_0_100"].accepted == 718
