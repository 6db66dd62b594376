"""Running a suite with Great Expectations 1.x: the file context of `expectations/gx`, one
`Checkpoint` per suite (its `ValidationDefinition`: the suite and the pandas batch definition),
the vocabularies as suite parameters, and the reading of GX's results into a `SuiteResult`. The
Data Docs are built once per run from the stored results (`build_data_docs`), not by an
`UpdateDataDocsAction` of each checkpoint, which rebuilt the whole site after every suite.

- Severity is each expectation's native `severity` (`critical`: an `error` rule that blocks
  publishing; `warning`: a `warn` rule that reports); `meta.rule` names the rule, `meta.why` says
  why it exists.
- GX imports in 5 s (10-14 s without compiled bytecode): once per process, on first use, with the
  context; pandas too is imported only where a batch is read.
- Run artefacts land under REPORTS_DIR (great_expectations.yml reads GX_VALIDATIONS_DIR and
  GX_DATA_DOCS_DIR, set here): only the latest result of each suite is kept, and nothing a run
  produces lands in the tracked tree.
"""

import math
import os
import shutil
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas (0.5 s) is imported where a batch is read, not with the definitions
    import pandas as pd

from orchestration.lib.duckdb_io import connection
from orchestration.lib.quality.data_docs import make_readable_offline
from orchestration.lib.quality.exceptions import (
    EXCEPTION_COLUMNS,
    condition_column,
    load_exceptions,
    mark_excepted,
)
from orchestration.lib.quality.results import ACTIONS, GX_SEVERITIES, RuleResult, SuiteResult, store_result
from orchestration.lib.quality.suites import SUITES, read_batch
from orchestration.lib.settings import EXPECTATIONS_DIR, load_settings
from orchestration.lib.vocabularies import expectation_parameters

DATASOURCE, ASSET, BATCH_DEFINITION = "warehouse_frames", "batch", "whole_dataframe"
MAX_ROWS = 20  # offending rows kept per rule (the summary a person reads)
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["_row"]}

_LOCK = threading.Lock()
_GX: dict[str, Any] = {}
TIMINGS: dict[str, float] = {}


def _gx():
    """The great_expectations module, imported on first use (5 s), then cached."""
    with _LOCK:
        if "module" not in _GX:
            started = time.monotonic()
            import great_expectations

            TIMINGS["gx_import_s"] = round(time.monotonic() - started, 2)
            _GX["module"] = great_expectations
        return _GX["module"]


def gx_context(reports_dir: Path | None = None):
    """The file context of expectations/gx, with its run artefacts under `reports_dir`."""
    reports_dir = (reports_dir or load_settings().reports_dir).resolve()
    gx = _gx()
    with _LOCK:
        cached = _GX.get("context")
        if cached is not None and cached[0] == reports_dir:
            return cached[1]
        # great_expectations.yml reads these (config-variable substitution): nothing lands in git.
        os.environ["GX_VALIDATIONS_DIR"] = str(reports_dir / "gx-validations")
        os.environ["GX_DATA_DOCS_DIR"] = str(reports_dir / "data-docs")
        started = time.monotonic()
        context = gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS_DIR))
        TIMINGS["gx_context_s"] = round(time.monotonic() - started, 2)
        _GX["context"] = (reports_dir, context)
        return context


# --- reading GX's results ---------------------------------------------------------------------


def _rule_column(config) -> str:
    kwargs = config.kwargs
    if "column" in kwargs:
        return kwargs["column"]
    if "column_A" in kwargs:
        return f"{kwargs['column_A']} = {kwargs['column_B']}"
    return ", ".join(kwargs.get("column_list", []))


def _jsonable(value: Any) -> Any:
    import pandas as pd

    if value is None:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None if math.isnan(value) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _rows(
    df: "pd.DataFrame", positions: list[int], columns: list[str], limit: int = MAX_ROWS
) -> list[dict[str, Any]]:
    present = list(dict.fromkeys(c for c in columns if c in df.columns))
    return [{c: _jsonable(df.at[i, c]) for c in present} for i in positions[:limit]]


def _unexpected_positions(result) -> list[int]:
    listed = result.result.get("unexpected_index_list") or []
    return sorted({int(item["_row"]) if isinstance(item, dict) else int(item) for item in listed})


def _counts(result) -> tuple[int, int]:
    """(evaluated, unexpected): the rows the rule read (its row condition's, nulls aside), the offending ones."""
    r = result.result or {}
    element_count = int(r.get("element_count") or 0)
    missing = int(r.get("missing_count") or 0)
    return element_count - missing, int(r.get("unexpected_count") or 0)


def _severity(suite: str, rule: str, config) -> str:
    native = getattr(config.severity, "value", config.severity)
    if native not in GX_SEVERITIES:
        raise ValueError(f"suite {suite}, rule {rule}: severity must be one of {sorted(GX_SEVERITIES)}")
    return GX_SEVERITIES[native]


def _action(suite: str, rule: str, config) -> str:
    """The rule's `meta.action`; without one, `fail` for a critical rule and `warn` otherwise. An
    action that contradicts the GX severity is refused: the Data Docs show the severity."""
    native = getattr(config.severity, "value", config.severity)
    action = (config.meta or {}).get("action") or ("fail" if native == "critical" else "warn")
    if action not in ACTIONS:
        raise ValueError(f"suite {suite}, rule {rule}: action must be one of {sorted(ACTIONS)}")
    if ACTIONS[action] != native:
        raise ValueError(f"suite {suite}, rule {rule}: action {action} needs severity {ACTIONS[action]!r}")
    return action


# --- running a suite --------------------------------------------------------------------------


def _columns_read(suite, df: "pd.DataFrame") -> list[str]:
    """The batch's columns that the suite's expectations read (their columns and the columns of
    their row conditions), and `_row`, which names the offending rows."""
    read = {"_row"}
    for e in suite.expectations:
        kwargs = e.configuration.kwargs
        read |= {kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs}
        read |= set(kwargs.get("column_list") or [])
        column = condition_column(e.row_condition)
        if column:
            read.add(column)
    return [c for c in df.columns if c in read]


def _accepted_results(context, suite, df: "pd.DataFrame", rules: set[str]) -> dict[str, Any]:
    """The excepted rules, validated on their accepted rows alone (the opposite row condition):
    what each accepted. Not stored: the Data Docs show the rules as the checkpoint ran them."""
    from great_expectations.expectations.row_conditions import Column, ComparisonCondition, Operator

    gx = _gx()
    expectations = []
    for e in suite.expectations:
        column = condition_column(e.row_condition)
        if column and (e.meta or {}).get("rule") in rules:
            accepted_only = ComparisonCondition(
                column=Column(column), operator=Operator.EQUAL, parameter=True
            )
            expectations.append(e.copy(update={"id": None, "row_condition": accepted_only}, deep=True))
    batch = (
        context.data_sources.get(DATASOURCE)
        .get_asset(ASSET)
        .get_batch_definition(BATCH_DEFINITION)
        .get_batch(batch_parameters={"dataframe": df})
    )
    validation = batch.validate(
        gx.ExpectationSuite(name=f"{suite.name}__accepted", expectations=expectations),
        result_format=RESULT_FORMAT,
        expectation_parameters=expectation_parameters(),
    )
    return {r.expectation_config.meta["rule"]: r for r in validation.results}


def run_suite(
    suite_name: str,
    database: Path,
    *,
    run_id: str = "manual",
    reports_dir: Path | None = None,
    exceptions: list[dict[str, str]] | None = None,
    lock_timeout_s: float = 30.0,
) -> SuiteResult:
    """Validate one suite against the warehouse through its checkpoint (which stores the GX result
    for the Data Docs) and store its plain result under REPORTS_DIR/quality/."""
    from great_expectations.core.run_identifier import RunIdentifier

    spec = SUITES[suite_name]
    reports_dir = (reports_dir or load_settings().reports_dir).resolve()
    timings: dict[str, float] = {}
    started = time.monotonic()
    context = gx_context(reports_dir)
    checkpoint = context.checkpoints.get(suite_name)
    suite = checkpoint.validation_definitions[0].suite
    timings["gx_ready_s"] = round(time.monotonic() - started, 2)

    started = time.monotonic()
    with connection(Path(database), read_only=True, timeout_s=lock_timeout_s) as con:
        df = read_batch(con, spec)
    timings["read_batch_s"] = round(time.monotonic() - started, 2)

    exceptions = load_exceptions() if exceptions is None else exceptions
    rules_here = {(e.meta or {}).get("rule") for e in suite.expectations}
    takes_exceptions = [e.meta["rule"] for e in suite.expectations if condition_column(e.row_condition)]
    mark_excepted(df, takes_exceptions, exceptions)
    mine = [e for e in exceptions if e["rule"] in rules_here]

    started = time.monotonic()
    now = datetime.now(UTC)
    shutil.rmtree(reports_dir / "gx-validations" / suite_name, ignore_errors=True)  # the latest only
    # GX gets the columns its rules read (it copies the frame for every row condition); the
    # lineage of an offending row is read from the whole batch, by `_row`.
    validated = df[_columns_read(suite, df)]
    checkpoint_result = checkpoint.run(
        batch_parameters={"dataframe": validated},
        expectation_parameters=expectation_parameters(),
        run_id=RunIdentifier(run_name=run_id, run_time=now),
    )
    [validation] = checkpoint_result.run_results.values()
    timings["validate_s"] = round(time.monotonic() - started, 2)

    accepted_results: dict[str, Any] = {}
    excepted_rules = {e["rule"] for e in mine} & set(takes_exceptions)
    if excepted_rules and len(df):
        started = time.monotonic()
        accepted_results = _accepted_results(context, suite, validated, excepted_rules)
        timings["validate_exceptions_s"] = round(time.monotonic() - started, 2)

    sample = [*spec.sample_columns]
    rules: list[RuleResult] = []
    holds: list[list[Any]] = []
    matched_by_exception: dict[tuple[str, str], list[int]] = {}
    for r in validation.results:
        config = r.expectation_config
        meta = config.meta or {}
        rule = meta.get("rule") or config.type
        severity = _severity(suite_name, rule, config)
        action = _action(suite_name, rule, config)
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"suite {suite_name}, rule {rule}: GX raised {r.exception_info.get('exception_message')}"
            )
        evaluated, unexpected = _counts(r)
        if action == "quarantine" and unexpected:
            if not {"document_id", "source_line", "column_position"} <= set(df.columns):
                raise ValueError(f"suite {suite_name}, rule {rule}: a quarantine rule needs the cells' keys")
            for p in _unexpected_positions(r):
                holds.append(
                    [
                        str(df.at[p, "document_id"]),
                        int(df.at[p, "source_line"]),
                        int(df.at[p, "column_position"]),
                        rule,
                    ]
                )
        columns = [c for c in (config.kwargs.get(k) for k in ("column", "column_A", "column_B")) if c]
        accepted, accepted_rows = 0, []
        if rule in accepted_results:
            evaluated_accepted, accepted = _counts(accepted_results[rule])
            evaluated += evaluated_accepted
            positions = _unexpected_positions(accepted_results[rule])
            accepted_rows = _rows(df, positions, [*sample, *columns[:1]])
            for p in positions:
                matched_by_exception.setdefault((rule, str(df.at[p, "measure_key"])), []).append(p)
        rules.append(
            RuleResult(
                suite=suite_name,
                rule=rule,
                severity=severity,
                why=meta.get("why", ""),
                expectation=config.type,
                column=_rule_column(config),
                status="failed" if unexpected else ("passed_with_exceptions" if accepted else "passed"),
                evaluated=evaluated,
                unexpected=unexpected,
                accepted=accepted,
                # `list_all` in a rule's meta keeps every offending row (e.g. the unparsed cells)
                rows=_rows(
                    df,
                    _unexpected_positions(r),
                    [*sample, *columns],
                    1000 if meta.get("list_all") else MAX_ROWS,
                ),
                accepted_rows=accepted_rows,
                action=action,
                held=unexpected if action == "quarantine" else 0,
            )
        )

    exception_report = []
    for e in mine:
        hits = matched_by_exception.get((e["rule"], e["measure_key"]), [])
        lines = sorted({(str(df.at[p, "source_file"]), int(df.at[p, "source_line"])) for p in hits})
        exception_report.append(
            {
                **e,
                "suite": suite_name,
                "matched_rows": len(hits),
                "lines": lines[:MAX_ROWS] if "source_line" in df.columns else [],
            }
        )
    stale = [e for e in exception_report if e["matched_rows"] == 0]
    if mine:
        rules.append(
            RuleResult(
                suite=suite_name,
                rule="exception_matches_something",
                severity="warn",
                why="An exception in expectations/exceptions.csv that accepts no row any more is stale: the data changed; remove it or fix its measure_key.",
                expectation="(exceptions.csv)",
                column="measure_key, rule",
                status="failed" if stale else "passed",
                evaluated=len(mine),
                unexpected=len(stale),
                accepted=0,
                rows=[{k: e[k] for k in EXCEPTION_COLUMNS} for e in stale[:MAX_ROWS]],
            )
        )

    result = SuiteResult(
        suite=suite_name,
        asset_key=list(spec.asset_key),
        run_id=run_id,
        validated_at=now.isoformat(timespec="seconds"),
        batch_rows=len(df),
        rules=rules,
        exceptions=exception_report,
        timings_s=timings,
        holds=holds,
    )
    store_result(result, reports_dir)
    return result


# --- Data Docs --------------------------------------------------------------------------------


def build_data_docs(reports_dir: Path) -> Path:
    """Rebuild the whole Data Docs site from the latest result of each suite, then make it readable
    without a network (`data_docs.make_readable_offline`)."""
    context = gx_context(reports_dir)
    site = reports_dir / "data-docs"
    shutil.rmtree(site, ignore_errors=True)
    context.build_data_docs()
    make_readable_offline(site, reports_dir / "gx-validations")
    return site / "index.html"
