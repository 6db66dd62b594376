"""The Great Expectations suite as a Dagster asset check on the asset it guards, the `raw/cell_hold`
asset it feeds, and the `quality/quality_report` asset.

GX keeps what stewards own: the rules on the cells as published (suite `raw_indicator_cell`), their
reviewed exceptions and the Data Docs. What dbt enforces on the marts (keys, grain, joins,
vocabularies, and the few row rules that read the source cells behind a value) is dbt's tests on
the marts, asset checks of the dbt step, not repeated here.

Blocking and severity (Dagster 1.13, `dagster/_core/execution/plan/execute_step.py`): a check with
`blocking=True` whose result is `passed=False` *and* `severity=ERROR` makes its step fail after the
result is recorded, and every asset downstream of the guarded asset in the run is skipped. A failed
result with `severity=WARN` is recorded and nothing is skipped. So the check returns ERROR when
an `error` rule failed and WARN otherwise: `error` blocks publishing, `warn` reports.
`raw_indicator_cell` guards `raw/indicator_cell`, and the dbt build (all marts) is downstream: a
source cell breaking an `error` rule keeps the previous marts in place.

Reports: the check stores its suite's result (REPORTS_DIR/quality/<suite>.json) and rewrites
`quality-summary.{md,json}` before it returns (and the Data Docs when an `error` rule failed), so
the report exists even when a blocking failure skips `quality_report`. `quality_report` (downstream
of the marts it reports on) then writes the final report of the run and builds the Data Docs, once,
re-running the suite only if this run did not validate it.
"""

from pathlib import Path

import dagster as dg

from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource, WarehouseResource
from orchestration.lib import quality
from orchestration.lib.quality import history_review

OWNER = "team:data-quality"
SAMPLE_ROWS = 10  # rows per failed rule in the check's metadata (the summary keeps 20)


def _links(reports_dir: Path) -> dict[str, dg.MetadataValue]:
    # Paths, shown as text: a browser refuses to open a file:// link from the UI's http:// page.
    paths = quality.summary_paths(reports_dir)
    return {
        "summary_md": dg.MetadataValue.path(str(paths["summary_md"])),
        "summary_json": dg.MetadataValue.path(str(paths["summary_json"])),
        "data_docs": dg.MetadataValue.path(str(paths["data_docs"])),
    }


def check_metadata(result: quality.SuiteResult, reports_dir: Path) -> dict[str, dg.MetadataValue]:
    totals = result.totals()
    rules = [r.__dict__ for r in result.rules]
    failing = []
    for r in result.rules:
        if r.status != "failed":
            continue
        failing.append(f"**{r.severity.upper()} `{r.rule}`**: {r.unexpected} of {r.evaluated}\n")
        failing.append(quality.rows_table(r.rows[:SAMPLE_ROWS]) + "\n")
    return {
        "evaluated": dg.MetadataValue.int(totals["evaluated"]),
        "unexpected": dg.MetadataValue.int(totals["unexpected"]),
        "accepted": dg.MetadataValue.int(totals["accepted"]),
        "batch_rows": dg.MetadataValue.int(result.batch_rows),
        "failed_error_rules": dg.MetadataValue.json([r.rule for r in result.failed_errors]),
        "failed_warn_rules": dg.MetadataValue.json([r.rule for r in result.failed_warnings]),
        "held_cells": dg.MetadataValue.int(len(result.holds)),
        "holding_rules": dg.MetadataValue.json({r.rule: r.held for r in result.holding}),
        "rules": dg.MetadataValue.md(quality.rules_table(rules)),
        "failing_rows": dg.MetadataValue.md("\n".join(failing) if failing else "(none)"),
        "stale_exceptions": dg.MetadataValue.int(len(result.stale_exceptions)),
        "timings_s": dg.MetadataValue.json(result.timings_s),
        **_links(reports_dir),
    }


def to_check_result(result: quality.SuiteResult, reports_dir: Path) -> dg.AssetCheckResult:
    errors, warnings, holding = result.failed_errors, result.failed_warnings, result.holding
    parts = []
    if errors:
        parts.append("fail rule(s) failed: " + ", ".join(f"{r.rule} ({r.unexpected})" for r in errors))
    if holding:
        parts.append("cells held: " + ", ".join(f"{r.rule} ({r.held})" for r in holding))
    if warnings:
        parts.append("warn rule(s) failed: " + ", ".join(f"{r.rule} ({r.unexpected})" for r in warnings))
    description = "; ".join(parts) or f"{len(result.rules)} rules hold"
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(result.asset_key),
        check_name=f"gx_{result.suite}",
        passed=not errors and not warnings and not holding,
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        description=description,
        metadata=check_metadata(result, reports_dir),
    )


def _validate(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    settings: SettingsResource,
    suites: list[quality.SuiteSpec],
) -> list[dg.AssetCheckResult]:
    """Run `suites` and write the summary. The Data Docs are built once per run, by quality_report;
    here only when an error rule failed, since quality_report is then skipped."""
    resolved = settings.resolved()
    reports_dir = resolved.reports_dir
    exceptions = quality.load_exceptions(extra=resolved.extra_exceptions)
    results = [
        quality.run_suite(
            suite.name,
            warehouse.path,
            run_id=context.run.run_id,
            reports_dir=reports_dir,
            lock_timeout_s=warehouse.lock_timeout_s,
            exceptions=exceptions,
        )
        for suite in suites
    ]
    data = quality.write_reports(
        exceptions=exceptions,
        run_id=context.run.run_id,
        reports_dir=reports_dir,
        data_docs=any(r.failed_errors for r in results),
        warehouse=warehouse.path,
        lock_timeout_s=warehouse.lock_timeout_s,
    )
    for result in results:
        context.log.info(f"{result.suite}: {result.totals()} in {result.timings_s}")
    context.log.info(f"reports written in {data['timings_s']}")
    return [to_check_result(result, reports_dir) for result in results]


RAW_SUITE = quality.SUITES["raw_indicator_cell"]


# The raw suite runs on its own, before dbt: a source cell breaking an `error` rule is reported
# with its file and line before the dbt build could trip over it, and keeps the marts as they are.
@dg.asset_check(
    asset=dg.AssetKey(list(RAW_SUITE.asset_key)),
    name=f"gx_{RAW_SUITE.name}",
    blocking=True,
    description=(
        f"Great Expectations suite `{RAW_SUITE.name}` (expectations/gx/expectations/{RAW_SUITE.name}.json). "
        f"{RAW_SUITE.description} ERROR when a `fail` rule fails (blocks downstream); WARN when a "
        "`quarantine` rule holds cells or a `warn` rule fails."
    ),
    metadata={"suite_file": f"expectations/gx/expectations/{RAW_SUITE.name}.json", "owner": OWNER},
)
def gx_raw_indicator_cell(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.AssetCheckResult:
    [result] = _validate(context, warehouse, settings, [RAW_SUITE])
    return result


QUALITY_CHECKS = [gx_raw_indicator_cell]


@dg.asset(
    key=["raw", "cell_hold"],
    group_name="quality",
    kinds={"gx", "duckdb"},
    owners=[OWNER],
    deps=[dg.AssetKey(list(RAW_SUITE.asset_key))],
    pool=WAREHOUSE_POOL,
    description=(
        "raw.cell_hold: the source cells that a `quarantine` rule of the raw suite holds (a % above "
        "100, a negative amount, a unit nobody mapped…), from gx_raw_indicator_cell's result of this "
        "run. dbt's staging gives them value_status `held`: they stay in raw with their lineage, and "
        "no number of theirs reaches a verdict, a rate or a published value. Replaced whole each run, "
        "so an exception or a rule change releases its cells without re-reading any file."
    ),
)
def cell_hold(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    reports_dir = settings.resolved().reports_dir
    stored = quality.stored_results(reports_dir, (RAW_SUITE.name,)).get(RAW_SUITE.name)
    if stored is None or stored.run_id != context.run.run_id:
        raise dg.Failure(
            f"the raw suite was not validated in this run (no result of run {context.run.run_id})"
        )
    with warehouse.connect() as con:
        con.execute("begin transaction")
        con.execute("delete from raw.cell_hold")
        if stored.holds:
            con.executemany("insert or ignore into raw.cell_hold values (?, ?, ?, ?)", stored.holds)
        con.execute("commit")
        by_rule = dict(
            con.execute("select rule, count(*) from raw.cell_hold group by 1 order by 1").fetchall()
        )
        by_document = dict(
            con.execute("select document_id, count(*) from raw.cell_hold group by 1 order by 1").fetchall()
        )
        units_file = quality.write_units_to_map(con, reports_dir)
        held_file = quality.write_held_cells(con, reports_dir, stored)
    return dg.MaterializeResult(
        metadata={
            "units_to_map": dg.MetadataValue.path(str(units_file)),
            "held_cells_file": dg.MetadataValue.path(str(held_file)),
            "held_cells": dg.MetadataValue.int(sum(by_rule.values())),
            "held_by_rule": dg.MetadataValue.json(by_rule),
            "held_by_document": dg.MetadataValue.json(by_document),
        }
    )


# The marts the report reads (history_review: the verdicts, the measures, the damaged cells). Not the
# seeds it reads too: a run where only the documents changed leaves them out of the dbt build, and an
# asset whose upstream was not materialized in its run is skipped.
REPORTED_MARTS = [
    dg.AssetKey(["marts", name]) for name in ("fct_indicator_value", "dim_measure", "fct_target_attainment")
]


@dg.asset(
    key=["quality", "quality_report"],
    group_name="quality",
    kinds={"gx"},
    owners=[OWNER],
    deps=REPORTED_MARTS,
    description=(
        "data/reports/quality-summary.md (read it first), quality-summary.json (the same) and the GX "
        "Data Docs (data/reports/data-docs/index.html), from the results the quality checks computed "
        "in this run. Skipped when a blocking check fails; the checks have written the report then."
    ),
)
def quality_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    resolved = settings.resolved()
    reports_dir = resolved.reports_dir
    exceptions = quality.load_exceptions(extra=resolved.extra_exceptions)
    run_id = context.run.run_id
    stored = quality.stored_results(reports_dir)
    for name in quality.SUITES:
        if name not in stored or stored[name].run_id != run_id:
            context.log.info(f"suite {name} was not validated in this run: validating it now")
            stored[name] = quality.run_suite(
                name,
                warehouse.path,
                run_id=run_id,
                reports_dir=reports_dir,
                lock_timeout_s=warehouse.lock_timeout_s,
                exceptions=exceptions,
            )
    with warehouse.connect(read_only=True) as con:
        history = history_review.history_review(con)
        review_files = history_review.write_review_files(con, reports_dir, history)
    data = quality.write_reports(
        stored,
        exceptions=exceptions,
        run_id=run_id,
        reports_dir=reports_dir,
        warehouse=warehouse.path,
        lock_timeout_s=warehouse.lock_timeout_s,
        history=history,
    )
    c = data["counts"]
    agreement = history.get("agreement", {})
    return dg.MaterializeResult(
        metadata={
            "verdict": data["verdict"],
            "rules": c["rules"],
            "rules_failed_error": c["rules_failed_error"],
            "rules_failed_warn": c["rules_failed_warn"],
            "rules_passed_with_exceptions": c["rules_passed_with_exceptions"],
            "exceptions_matching": c["exceptions_matching"],
            "exceptions_stale": c["exceptions_stale"],
            "files_quarantined": c["files_quarantined"],
            "files_quarantined_previous_version_stands": c["files_quarantined_previous_version_stands"],
            "rule_table": dg.MetadataValue.md(quality.rules_table(data["rules"])),
            "timings_s": dg.MetadataValue.json(data["timings_s"]),
            "verdicts_both_assessed": agreement.get("both_assessed", 0),
            "verdicts_agreeing_with_official": agreement.get("agreeing", 0),
            "direction_known_share": history.get("direction_known_share"),
            **{name: dg.MetadataValue.path(str(path)) for name, path in review_files.items()},
            **_links(reports_dir),
        }
    )


QUALITY_ASSETS = [cell_hold, quality_report]
