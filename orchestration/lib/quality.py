"""Data quality: the Great Expectations suites of `expectations/`, run on pandas batches read from
the warehouse through a read-only DuckDB connection, with the stewards' reviewed exceptions.

- The suites are JSON files in git (`expectations/gx/expectations/<suite>.json`); every expectation's
  `meta` holds `rule` (stable id), `severity` (`error` blocks publishing, `warn` reports) and `why`.
  This module only knows, per suite, the SQL that builds the batch: one row per checked record,
  with the lineage columns (document, file, line, raw value) and the columns the rules read
  (e.g. `percent_value` is the number of a cell whose unit is a percent, null otherwise).
- `expectations/exceptions.csv` accepts a measure for a rule. Before validation, the rule's column
  is blanked for that measure's rows (GX skips nulls); a second validation of the excepted rows
  alone counts what was accepted. An exception that accepts nothing is reported.
- GX imports in 10-14 s: it is imported once per process, on first use, with the context.
- Results: `SuiteResult` (plain dicts, JSON-ready) stored under REPORTS_DIR/quality/<suite>.json;
  `write_reports()` turns every stored result into `quality-summary.{md,json}` and rebuilds the
  GX Data Docs in REPORTS_DIR/data-docs/ (GX's validation store is REPORTS_DIR/gx-validations/).
  Nothing a run produces lands in the tracked tree (great_expectations.yml reads both folders
  from the environment variables GX_VALIDATIONS_DIR and GX_DATA_DOCS_DIR, set here).
"""

import csv
import json
import math
import os
import re
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from orchestration.lib.duckdb_io import connection
from orchestration.lib.history_review import history_markdown
from orchestration.lib.markdown import md_table
from orchestration.lib.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, load_settings

GX_DIR = EXPECTATIONS_DIR / "gx"
SUITES_DIR = GX_DIR / "expectations"
EXCEPTIONS_FILE = EXPECTATIONS_DIR / "exceptions.csv"
REF_UNIT_SEED = DBT_PROJECT_DIR / "seeds" / "ref_unit.csv"
DATASOURCE, ASSET, BATCH_DEFINITION = "warehouse_frames", "batch", "whole_dataframe"
MAX_ROWS = 20  # offending rows kept per rule (the summary a person reads)
SEVERITIES = ("error", "warn")

# --------------------------------------------------------------------------------------------
# The batches. Each suite reads one query; {ref_unit} is the steward seed, read as a file so the
# raw suite runs before (and whatever the outcome of) the dbt build. {unit_key} is the seed's key of
# a cell's printed unit: the expression of the staging model's `unit_key`, read from that model (one
# definition for dbt's staging, its test `assert_every_unit_is_mapped` and this suite).
# --------------------------------------------------------------------------------------------

STAGING_CELLS_MODEL = DBT_PROJECT_DIR / "models" / "staging" / "raw" / "stg_raw__indicator_cells.sql"
# A RAP prints, after its five fixed year columns, an optional 'Valeur cible (Année cible YYYY)'
# cell, present only on rows that give an 'Année cible': it is not one of the document's year
# columns (one_cell_per_year_column) and its year may lie further ahead (a long-term target).
TARGET_COLUMN_PREFIX = "Valeur cible ("

_RAW_SQL = """
with
unit_map as (
    -- the seed's unit_raw is already the normalised key (a test keeps it so)
    select unit_raw as unit_key, unit, unit_family
    from read_csv({ref_unit}, header = true, all_varchar = true)
),
score_scale as (
    select * from (values
        ('score_out_of_10', 0.0, 10.0), ('score_out_of_5', 0.0, 5.0), ('score_out_of_20', 0.0, 20.0),
        ('score_out_of_100', 0.0, 100.0), ('score_1_to_4', 1.0, 4.0), ('score_0_to_3', 0.0, 3.0)
    ) as t (unit, low, high)
),
raw_cells as (
    select
        *,
        coalesce(starts_with(column_header, {target_column_prefix}), false) as is_optional_target_column,
        regexp_replace(lower(trim(measure_label)), '^([0-9]+[.)]|[a-z][)]|-|dont)\\s*', '') as lead_label
    from raw.indicator_cell
),
year_columns as (
    -- the document's fixed year columns (the optional RAP target column is not one)
    select document_id, count(distinct column_position) as year_columns_in_document
    from raw_cells
    where not is_optional_target_column
    group by document_id
),
cells as (
    select
        c.document_id, c.source_file, c.source_line, c.column_position, c.column_header,
        c.sector_type as table_level,
        coalesce(cast(c.sub_indicator_id as varchar), c.indicator_code || '#' || cast(c.measure_position as varchar))
            as measure_key,
        c.indicator_code, c.measure_label, c.unit_raw, c.year, c.value_kind, c.value_raw, c.value_status,
        c.is_optional_target_column,
        -- the measure names a change or a gap: 'Évolution du nombre de…', "Taux d'évolution…",
        -- 'Taux (annuel) de croissance…', 'Variation…', 'Augmentation…', 'Écart entre…', "SIC : Taux d'écart
        -- budgétaire agrégé" (after a leading '1.', 'a)', '-' or 'dont'); not an 'écart type'
        coalesce(
            regexp_matches(c.lead_label, '^([^:]* : )?((taux|pourcentage)( annuel| moyen)? d(e |''|’))?((é|e)volution|croissance|variation|augmentation|(é|e)cart)\\b')
            and not regexp_matches(c.lead_label, '^(é|e)cart[- ]type'),
            false
        ) as is_signed_change,
        -- a duration parsed from a count or percent cell is not a count or a percent
        case when c.value_status <> 'duration' then c.value_numeric end as number,
        d.vintage_year, u.unit, u.unit_family
    from raw_cells as c
    inner join raw.source_document as d on c.document_id = d.document_id
    left join unit_map as u on {unit_key} is not distinct from u.unit_key
)
select
    cells.document_id, cells.source_file, cells.source_line, cells.measure_key, cells.indicator_code,
    cells.measure_label, cells.unit_raw, cells.column_header, cells.year, cells.value_kind,
    cells.value_raw, cells.value_status, cells.table_level, cells.unit, cells.unit_family,
    -- a percent whose measure names a change or a gap is signed and unbounded above (a growth of
    -- 150 %, a fall of 8 %, an overrun of 228 %): it is held to -100 at least instead of 0-100
    case when cells.unit = 'percent' and not cells.is_signed_change then cells.number end as percent_value,
    case when cells.unit = 'percent' and cells.is_signed_change then cells.number end as percent_change_value,
    case when cells.unit_family = 'count' then cells.number end as count_value,
    case when cells.unit = 'count' then cells.number - floor(cells.number) end as count_fractional_part,
    case when cells.unit_family = 'money' then cells.number end as money_value,
    (cells.number - s.low) / (s.high - s.low) as score_position_in_scale,
    case when not cells.is_optional_target_column then cells.year - cells.vintage_year end as years_after_vintage,
    case when cells.is_optional_target_column then cells.year - cells.vintage_year end
        as target_years_after_vintage,
    -- the row's cells in the document's fixed year columns (a duplicated row has twice as many)
    count(*) filter (where not cells.is_optional_target_column)
        over (partition by cells.document_id, cells.table_level, cells.measure_key) as cells_in_measure_row,
    y.year_columns_in_document
from cells
left join score_scale as s on cells.unit = s.unit
left join year_columns as y on cells.document_id = y.document_id
order by cells.document_id, cells.source_line, cells.column_position
"""


def unit_key_sql(column: str) -> str:
    """The staging model's `unit_key` expression (its select item `... as unit_key`, read back
    from the line naming it to where its parentheses balance), applied to `column`: how a printed
    unit becomes its key into ref_unit."""
    lines = STAGING_CELLS_MODEL.read_text(encoding="utf-8").splitlines()
    ends = [i for i, line in enumerate(lines) if re.search(r"\bas unit_key,?\s*$", line)]
    if len(ends) != 1:
        raise RuntimeError(
            f"{STAGING_CELLS_MODEL}: expected one select item 'as unit_key', found {len(ends)}"
        )
    item: list[str] = []
    for line in reversed(lines[: ends[0] + 1]):
        item.insert(0, line.strip())
        code = re.sub(r"'[^']*'", "''", " ".join(item))
        if code.count("(") == code.count(")"):
            break
    expression = re.sub(r"\s+as unit_key,?$", "", " ".join(item))
    if len(re.findall(r"\bunit_raw\b", expression)) != 1:
        raise RuntimeError(
            f"{STAGING_CELLS_MODEL}: the unit_key expression should read unit_raw once: {expression}"
        )
    return re.sub(r"\bunit_raw\b", column, expression)


_FCT_SQL = """
with
facts as (
    select * from marts.fct_indicator_value
),
raw_rows as (
    -- source rows per table level behind each published value (a duplicated row shows here)
    select document_id, source_measure_key, year, value_kind, max(n) as source_rows_same_level
    from (
        select
            document_id,
            coalesce(cast(sub_indicator_id as varchar), indicator_code || '#' || cast(measure_position as varchar))
                as source_measure_key,
            year, value_kind, sector_type, count(*) as n
        from raw.indicator_cell
        group by all
    )
    group by all
),
year_columns as (
    -- the document's fixed year columns (a RAP's optional 'Valeur cible' cell is not one)
    select document_id, count(distinct column_position) as year_columns_of_document
    from raw.indicator_cell
    where not starts_with(column_header, {target_column_prefix})
    group by document_id
)
select
    f.document_id, f.source_file, f.source_line, f.measure_key, f.year, f.value_kind, f.value_raw,
    f.column_header, m.unit_raw, m.unit,
    d.document_id as joined_document_id,
    m.measure_key as joined_measure_key,
    i.indicator_code as joined_indicator_code,
    o.objective_code as joined_objective_code,
    case when i.programme_code is not null then p.programme_code is not null end as programme_joins,
    m.unit_family,
    f.source_file is not null and f.source_line is not null as has_lineage,
    count(*) filter (where not starts_with(f.column_header, {target_column_prefix}))
        over (partition by f.document_id, f.measure_key) as cells_of_measure_in_document,
    y.year_columns_of_document,
    r.source_rows_same_level
from facts as f
left join marts.dim_document as d on f.document_id = d.document_id
left join marts.dim_measure as m on f.measure_key = m.measure_key
left join marts.dim_indicator as i on m.indicator_code = i.indicator_code
left join marts.dim_objective as o on i.objective_code = o.objective_code
left join marts.dim_programme as p on i.programme_code = p.programme_code
left join year_columns as y on f.document_id = y.document_id
left join raw_rows as r
    on f.document_id = r.document_id and f.source_measure_key = r.source_measure_key
    and f.year = r.year and f.value_kind = r.value_kind
order by f.document_id, f.source_line, f.column_position
"""

_DIM_INDICATOR_SQL = """
select
    i.described_by_document_id as document_id, d.source_file,
    (select min(c.source_line) from raw.indicator_cell as c
        where c.document_id = i.described_by_document_id and c.indicator_code = i.indicator_code) as source_line,
    i.indicator_code, i.indicator_number, i.objective_code, i.programme_code,
    regexp_replace(i.indicator_code, '-[^-]+$', '') as objective_code_from_indicator_code,
    o.objective_code as joined_objective_code,
    case when i.programme_code is not null then p.programme_code is not null end as programme_joins
from marts.dim_indicator as i
left join marts.dim_objective as o on i.objective_code = o.objective_code
left join marts.dim_programme as p on i.programme_code = p.programme_code
left join marts.dim_document as d on i.described_by_document_id = d.document_id
order by i.indicator_code
"""

_ATTAINMENT_SQL = """
select
    a.measure_key, a.year, a.attainment_status, a.target_raw, a.target_document_id,
    a.realisation_raw, a.realisation_document_id, a.attainment_ratio,
    a.realisation_document_id as document_id, f.source_file, f.source_line, f.value_raw,
    case when a.attainment_status = 'met'
        then a.target_raw is not null and a.realisation_raw is not null end as met_has_target_and_realisation,
    case when a.attainment_ratio is not null then isfinite(a.attainment_ratio) end as ratio_is_finite,
    a.verdict, a.official_verdict_raw, a.agrees_with_official
from marts.fct_target_attainment as a
left join marts.fct_indicator_value as f
    on a.realisation_document_id = f.document_id and a.measure_key = f.measure_key
    and a.year = f.year and f.value_kind = 'realisation'
order by a.measure_key, a.year
"""


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    asset_key: tuple[str, ...]  # the Dagster asset the suite guards
    sql: str
    sample_columns: tuple[str, ...]  # lineage columns of an offending row
    description: str


SUITES: dict[str, SuiteSpec] = {
    s.name: s
    for s in (
        SuiteSpec(
            "raw_indicator_cell",
            ("raw", "indicator_cell"),
            _RAW_SQL,
            (
                "document_id",
                "source_file",
                "source_line",
                "measure_key",
                "year",
                "column_header",
                "unit_raw",
                "value_raw",
                "value_status",
            ),
            "Every source cell as published; guards the dbt build (an error here means the marts are not rebuilt).",
        ),
        SuiteSpec(
            "fct_indicator_value",
            ("marts", "fct_indicator_value"),
            _FCT_SQL,
            ("document_id", "source_file", "source_line", "measure_key", "year", "value_kind", "value_raw"),
            "The published facts and their joins to the dimensions.",
        ),
        SuiteSpec(
            "dim_indicator",
            ("marts", "dim_indicator"),
            _DIM_INDICATOR_SQL,
            (
                "document_id",
                "source_file",
                "source_line",
                "indicator_code",
                "objective_code",
                "programme_code",
            ),
            "The indicator → objective → programme hierarchy.",
        ),
        SuiteSpec(
            "fct_target_attainment",
            ("marts", "fct_target_attainment"),
            _ATTAINMENT_SQL,
            (
                "measure_key",
                "year",
                "attainment_status",
                "target_raw",
                "target_document_id",
                "realisation_raw",
                "realisation_document_id",
                "source_file",
                "source_line",
                "attainment_ratio",
                "verdict",
                "official_verdict_raw",
            ),
            "Target attainment per measure and year.",
        ),
    )
}

# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class RuleResult:
    suite: str
    rule: str
    severity: str  # error / warn
    why: str
    expectation: str  # GX expectation type
    column: str  # column(s) the rule reads
    status: str  # passed / passed_with_exceptions / failed
    evaluated: int
    unexpected: int
    accepted: int
    rows: list[dict[str, Any]] = field(default_factory=list)  # up to MAX_ROWS offending rows
    accepted_rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SuiteResult:
    suite: str
    asset_key: list[str]
    run_id: str
    validated_at: str
    batch_rows: int
    rules: list[RuleResult]
    exceptions: list[dict[str, Any]]  # the exceptions of this suite's rules, with what they matched
    timings_s: dict[str, float]

    @property
    def failed_errors(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == "failed" and r.severity == "error"]

    @property
    def failed_warnings(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == "failed" and r.severity == "warn"]

    @property
    def stale_exceptions(self) -> list[dict[str, Any]]:
        return [e for e in self.exceptions if e["matched_rows"] == 0]

    def totals(self) -> dict[str, int]:
        return {
            "evaluated": sum(r.evaluated for r in self.rules),
            "unexpected": sum(r.unexpected for r in self.rules),
            "accepted": sum(r.accepted for r in self.rules),
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SuiteResult":
        rules = [RuleResult(**r) for r in data["rules"]]
        return cls(**{**data, "rules": rules})


# --------------------------------------------------------------------------------------------
# GX: imported once, lazily; one context per reports folder
# --------------------------------------------------------------------------------------------

_LOCK = threading.Lock()
_GX: dict[str, Any] = {}
TIMINGS: dict[str, float] = {}


def _gx():
    """The great_expectations module, imported on first use (10-14 s), then cached."""
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


# --------------------------------------------------------------------------------------------
# Exceptions
# --------------------------------------------------------------------------------------------

EXCEPTION_COLUMNS = ("measure_key", "rule", "reason", "reviewed_by", "reviewed_on")


def load_exceptions(path: Path | None = None) -> list[dict[str, str]]:
    """The steward's exceptions; a row missing a field is refused (named by its line).
    QUALITY_EXTRA_EXCEPTIONS names one more file of the same form (the synthetic corpus writes one
    that carries each exception over to the measure's synthetic twins)."""
    if path is None:
        extra = os.environ.get("QUALITY_EXTRA_EXCEPTIONS", "").strip()
        return load_exceptions(EXCEPTIONS_FILE) + (load_exceptions(Path(extra)) if extra else [])
    if not path.exists():
        return []
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(line for line in f if not line.lstrip().startswith("#"))
        missing = set(EXCEPTION_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
        for number, row in enumerate(reader, start=2):
            row = {k: (row.get(k) or "").strip() for k in EXCEPTION_COLUMNS}
            if not all(row.values()):
                raise ValueError(f"{path}: row {number} leaves a field empty: {row}")
            rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------
# Running a suite
# --------------------------------------------------------------------------------------------


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_batch(con: duckdb.DuckDBPyConnection, spec: SuiteSpec) -> pd.DataFrame:
    sql = spec.sql.replace("{ref_unit}", _sql_literal(str(REF_UNIT_SEED)))
    if "{unit_key}" in sql:
        sql = sql.replace("{unit_key}", unit_key_sql("c.unit_raw"))
    sql = sql.replace("{target_column_prefix}", _sql_literal(TARGET_COLUMN_PREFIX))
    df = con.execute(sql).df()
    return df.reset_index(drop=True)


def _rule_column(config) -> str:
    kwargs = config.kwargs
    if "column" in kwargs:
        return kwargs["column"]
    if "column_A" in kwargs:
        return f"{kwargs['column_A']} = {kwargs['column_B']}"
    return ", ".join(kwargs.get("column_list", []))


def _jsonable(value: Any) -> Any:
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
    df: pd.DataFrame, positions: list[int], columns: list[str], limit: int = MAX_ROWS
) -> list[dict[str, Any]]:
    present = list(dict.fromkeys(c for c in columns if c in df.columns))
    return [{c: _jsonable(df.at[i, c]) for c in present} for i in positions[:limit]]


def _unexpected_positions(result) -> list[int]:
    listed = result.result.get("unexpected_index_list") or []
    positions = []
    for item in listed:
        positions.append(int(item["_row"]) if isinstance(item, dict) else int(item))
    return sorted(set(positions))


def _counts(result) -> tuple[int, int]:
    r = result.result or {}
    element_count = int(r.get("element_count") or 0)
    missing = int(r.get("missing_count") or 0)
    unexpected = int(r.get("unexpected_count") or 0)
    return element_count - missing, unexpected


def _validate(context, suite, df: pd.DataFrame):
    batch = (
        context.data_sources.get(DATASOURCE)
        .get_asset(ASSET)
        .get_batch_definition(BATCH_DEFINITION)
        .get_batch(batch_parameters={"dataframe": df})
    )
    return batch.validate(
        suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_row"]}
    )


def run_suite(
    suite_name: str,
    database: Path,
    *,
    run_id: str = "manual",
    reports_dir: Path | None = None,
    exceptions: list[dict[str, str]] | None = None,
    lock_timeout_s: float = 30.0,
) -> SuiteResult:
    """Validate one suite against the warehouse and store its result under REPORTS_DIR/quality/."""
    spec = SUITES[suite_name]
    reports_dir = (reports_dir or load_settings().reports_dir).resolve()
    timings: dict[str, float] = {}
    started = time.monotonic()
    context = gx_context(reports_dir)
    timings["gx_ready_s"] = round(time.monotonic() - started, 2)

    started = time.monotonic()
    with connection(Path(database), read_only=True, timeout_s=lock_timeout_s) as con:
        df = read_batch(con, spec)
    df["_row"] = range(len(df))
    timings["read_batch_s"] = round(time.monotonic() - started, 2)

    gx = _gx()
    stored = context.suites.get(suite_name)
    configs = list(stored.expectation_configurations)
    exceptions = load_exceptions() if exceptions is None else exceptions
    rules_here = {c.meta["rule"]: c for c in configs}
    mine = [e for e in exceptions if e["rule"] in rules_here]

    # Blank each excepted rule's column for its measures; keep the excepted rows for a second pass.
    main = df.copy()
    accepted_df = None
    accepted_rules: dict[str, set[str]] = {}
    for e in mine:
        accepted_rules.setdefault(e["rule"], set()).add(e["measure_key"])
    if accepted_rules and "measure_key" in df.columns:
        accepted_df = df.copy()
        keep_mask = pd.Series(False, index=df.index)
        rule_columns = {rule: rules_here[rule].kwargs.get("column") for rule in accepted_rules}
        for column in {c for c in rule_columns.values() if c}:
            accepted_df[column] = None
        for rule, measures in accepted_rules.items():
            column = rule_columns[rule]
            if not column:  # only single-column rules take exceptions
                continue
            mask = df["measure_key"].astype(str).isin(measures)
            main.loc[mask, column] = None
            accepted_df.loc[mask, column] = df.loc[mask, column]
            keep_mask |= mask
        accepted_df = accepted_df.loc[keep_mask].reset_index(drop=True)
        accepted_df["_row_main"] = accepted_df["_row"]
        accepted_df["_row"] = range(len(accepted_df))

    started = time.monotonic()
    validation = _validate(context, stored, main)
    timings["validate_s"] = round(time.monotonic() - started, 2)

    accepted_results: dict[str, Any] = {}
    if accepted_df is not None and len(accepted_df):
        started = time.monotonic()
        excepted_suite = gx.ExpectationSuite(
            name=f"{suite_name}__accepted",
            expectations=[
                e.copy(update={"id": None}, deep=True)
                for e in stored.expectations
                if (e.meta or {}).get("rule") in accepted_rules and getattr(e, "column", None)
            ],
        )
        for r in _validate(context, excepted_suite, accepted_df).results:
            accepted_results[r.expectation_config.meta["rule"]] = r
        timings["validate_exceptions_s"] = round(time.monotonic() - started, 2)

    sample = [*spec.sample_columns]
    rules: list[RuleResult] = []
    matched_by_exception: dict[tuple[str, str], list[int]] = {}
    for r in validation.results:
        config = r.expectation_config
        meta = config.meta or {}
        rule = meta.get("rule") or config.type
        severity = meta.get("severity", "error")
        if severity not in SEVERITIES:
            raise ValueError(f"suite {suite_name}, rule {rule}: severity must be one of {SEVERITIES}")
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"suite {suite_name}, rule {rule}: GX raised {r.exception_info.get('exception_message')}"
            )
        evaluated, unexpected = _counts(r)
        column = _rule_column(config)
        positions = _unexpected_positions(r)
        accepted, accepted_rows = 0, []
        if rule in accepted_results:
            ar = accepted_results[rule]
            _, accepted = _counts(ar)
            acc_positions = _unexpected_positions(ar)
            main_positions = [int(accepted_df.at[p, "_row_main"]) for p in acc_positions]
            accepted_rows = _rows(df, main_positions, [*sample, config.kwargs.get("column")])
            evaluated += _counts(ar)[0]
            for p in main_positions:
                matched_by_exception.setdefault((rule, str(df.at[p, "measure_key"])), []).append(p)
        status = "failed" if unexpected else ("passed_with_exceptions" if accepted else "passed")
        extra = [
            c
            for c in (
                config.kwargs.get("column"),
                config.kwargs.get("column_A"),
                config.kwargs.get("column_B"),
            )
            if c
        ]
        rules.append(
            RuleResult(
                suite=suite_name,
                rule=rule,
                severity=severity,
                why=meta.get("why", ""),
                expectation=config.type,
                column=column,
                status=status,
                evaluated=evaluated,
                unexpected=unexpected,
                accepted=accepted,
                # `list_all` in a rule's meta keeps every offending row (e.g. the unparsed cells)
                rows=_rows(df, positions, [*sample, *extra], 1000 if meta.get("list_all") else MAX_ROWS),
                accepted_rows=accepted_rows,
            )
        )

    exception_report = []
    for e in mine:
        hits = matched_by_exception.get((e["rule"], e["measure_key"]), [])
        exception_report.append(
            {
                **e,
                "suite": suite_name,
                "matched_rows": len(hits),
                "lines": sorted({(str(df.at[p, "source_file"]), int(df.at[p, "source_line"])) for p in hits})[
                    :MAX_ROWS
                ]
                if "source_line" in df.columns
                else [],
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

    now = datetime.now(UTC)
    result = SuiteResult(
        suite=suite_name,
        asset_key=list(spec.asset_key),
        run_id=run_id,
        validated_at=now.isoformat(timespec="seconds"),
        batch_rows=len(df),
        rules=rules,
        exceptions=exception_report,
        timings_s=timings,
    )
    _store(context, validation, result, reports_dir, now)
    return result


def _store(context, validation, result: SuiteResult, reports_dir: Path, now: datetime) -> None:
    """The plain result for the summary, and the GX result (only the latest per suite) for Data Docs."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    folder = reports_dir / "quality"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{result.suite}.json").write_text(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    shutil.rmtree(reports_dir / "gx-validations" / result.suite, ignore_errors=True)
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite),
        run_id=RunIdentifier(run_name=result.run_id, run_time=now),
        batch_identifier="warehouse",
    )
    validation.meta["run_id"] = key.run_id
    context.validation_results_store.set(key, validation)


def stored_results(reports_dir: Path | None = None) -> dict[str, SuiteResult]:
    reports_dir = (reports_dir or load_settings().reports_dir).resolve()
    out = {}
    for path in sorted((reports_dir / "quality").glob("*.json")):
        if path.stem in SUITES:
            out[path.stem] = SuiteResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    return out


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


def quarantined_files(warehouse: Path, lock_timeout_s: float = 30.0) -> list[dict[str, Any]]:
    """The files of `raw.rejected_document`, each with the version that stands in the warehouse."""
    from orchestration.lib.ingest import standing_outcome

    if not warehouse.exists():
        return []
    with connection(warehouse, read_only=True, timeout_s=lock_timeout_s) as con:
        columns = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = 'rejected_document'"
            ).fetchall()
        }
        if not columns:
            return []
        standing = "standing_document_id, standing_sha256" if "standing_sha256" in columns else "null, null"
        rows = con.execute(
            f"select source_file, error_line, error, {standing} from raw.rejected_document order by 1"
        ).fetchall()
    return [
        {
            "file": file,
            "line": line,
            "error": error,
            "standing_document_id": doc,
            "standing_sha256": sha,
            "in_the_warehouse": standing_outcome(doc, sha),
        }
        for file, line, error, doc, sha in rows
    ]


def summary(
    results: dict[str, SuiteResult],
    run_id: str | None = None,
    quarantined: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The content of quality-summary.json (and .md): every rule of every suite, and the source
    files in quarantine with the version of each that stands."""
    exceptions = load_exceptions()
    known_rules = {r.rule for res in results.values() for r in res.rules}
    all_rules = _rules_in_suite_files()
    unknown = [e for e in exceptions if e["rule"] not in all_rules]
    suites = []
    for name, spec in SUITES.items():
        res = results.get(name)
        entry: dict[str, Any] = {
            "suite": name,
            "asset": "/".join(spec.asset_key),
            "description": spec.description,
        }
        if res is None:
            entry |= {"status": "not_run", "run_id": None, "validated_at": None}
        else:
            stale_run = run_id is not None and res.run_id != run_id
            status = "failed" if res.failed_errors else ("warned" if res.failed_warnings else "passed")
            entry |= {
                "status": status,
                "run_id": res.run_id,
                "from_an_earlier_run": stale_run,
                "validated_at": res.validated_at,
                "batch_rows": res.batch_rows,
                **res.totals(),
                "timings_s": res.timings_s,
            }
        suites.append(entry)
    rules = [asdict(r) for name in SUITES if name in results for r in results[name].rules]
    accepted = [e for res in results.values() for e in res.exceptions if e["matched_rows"]]
    stale = [e for res in results.values() for e in res.exceptions if not e["matched_rows"]]
    errors = [r for r in rules if r["status"] == "failed" and r["severity"] == "error"]
    warns = [r for r in rules if r["status"] == "failed" and r["severity"] == "warn"]
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
        "verdict": "blocked" if errors else ("passed_with_warnings" if warns else "passed"),
        "counts": {
            "suites": len(SUITES),
            "suites_run": len(results),
            "rules": len(rules),
            "rules_failed_error": len(errors),
            "rules_failed_warn": len(warns),
            "rules_passed_with_exceptions": sum(r["status"] == "passed_with_exceptions" for r in rules),
            "exceptions": len(exceptions),
            "exceptions_matching": len(accepted),
            "exceptions_stale": len(stale) + len(unknown),
            "files_quarantined": len(quarantined or []),
            "files_quarantined_previous_version_stands": sum(
                q["standing_document_id"] is not None for q in quarantined or []
            ),
        },
        "quarantined_files": quarantined,
        "suites": suites,
        "rules": rules,
        "exceptions_applied": accepted,
        "exceptions_stale": stale,
        "exceptions_unknown_rule": unknown,
        "rules_without_result": sorted(all_rules - known_rules - {"exception_matches_something"}),
        "data_docs": "data-docs/index.html",
    }


def _rules_in_suite_files() -> set[str]:
    rules = set()
    for path in SUITES_DIR.glob("*.json"):
        for e in json.loads(path.read_text(encoding="utf-8")).get("expectations", []):
            rules.add((e.get("meta") or {}).get("rule"))
    return rules


def rows_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)"
    headers = list(dict.fromkeys(k for r in rows for k in r))
    return md_table(headers, [[r.get(h) for h in headers] for r in rows])


def rules_table(rules: list[dict[str, Any]]) -> str:
    return md_table(
        ["suite", "rule", "severity", "status", "evaluated", "unexpected", "accepted"],
        [
            [
                r["suite"],
                r["rule"],
                r["severity"],
                r["status"],
                r["evaluated"],
                r["unexpected"],
                r["accepted"],
            ]
            for r in rules
        ],
    )


def _quarantine_section(quarantined: list[dict[str, Any]] | None) -> list[str]:
    out = ["## Quarantined source files", ""]
    if quarantined is None:
        return [*out, "(not looked at: no warehouse given)", ""]
    if not quarantined:
        return [*out, "(none: every source file was read)", ""]
    return [
        *out,
        "Files of RAW_DIR that could not be read (the other files landed). A changed file that fails "
        "to read keeps its previous version in the warehouse and in the published marts.",
        "",
        md_table(
            ["file", "line", "error", "in the warehouse"],
            [[q["file"], q["line"], q["error"], q["in_the_warehouse"]] for q in quarantined],
        ),
        "",
    ]


def summary_markdown(data: dict[str, Any]) -> str:
    c = data["counts"]
    verdict = {
        "blocked": "**BLOCKED**: at least one `error` rule failed; the guarded marts are not published downstream.",
        "passed_with_warnings": "**Passed with warnings**: no `error` rule failed; some `warn` rules report rows to look at.",
        "passed": "**Passed**: every rule holds (accepted exceptions aside).",
    }[data["verdict"]]
    out = [
        "# Data quality summary",
        "",
        f"Generated {data['generated_at']} (run `{data['run_id']}`). {verdict}",
        "",
        f"{c['rules']} rules in {c['suites_run']}/{c['suites']} suites: {c['rules_failed_error']} `error` rule(s) failed, "
        f"{c['rules_failed_warn']} `warn` rule(s) failed, {c['rules_passed_with_exceptions']} passed thanks to reviewed exceptions. "
        f"Exceptions: {c['exceptions']} in expectations/exceptions.csv, {c['exceptions_matching']} accepting rows, {c['exceptions_stale']} stale.",
        "",
        "How to read it: fix the **failed `error`** rules first (they block publishing), then the `warn` ones. "
        "Each offending row names its document, source file and line. To accept a measure for a rule, add a line to "
        "`expectations/exceptions.csv` (see expectations/README.md). Full detail per expectation: Data Docs, "
        f"`{data['data_docs']}` (open it in a browser).",
        "",
        *_quarantine_section(data.get("quarantined_files")),
        "## Suites",
        "",
        md_table(
            ["suite", "guards", "status", "evaluated", "unexpected", "accepted", "validated at", "run"],
            [
                [
                    s["suite"],
                    s["asset"],
                    s["status"] + (" (earlier run)" if s.get("from_an_earlier_run") else ""),
                    s.get("evaluated"),
                    s.get("unexpected"),
                    s.get("accepted"),
                    s.get("validated_at"),
                    (s.get("run_id") or "")[:8],
                ]
                for s in data["suites"]
            ],
        ),
        "",
        "## Rules",
        "",
        rules_table(data["rules"]),
        "",
    ]
    failed = [r for r in data["rules"] if r["status"] == "failed"]
    failed.sort(key=lambda r: (r["severity"] != "error", r["suite"], r["rule"]))
    out += ["## Failures", ""]
    if not failed:
        out += ["(none)", ""]
    for r in failed:
        shown = min(len(r["rows"]), r["unexpected"])
        out += [
            f"### {r['severity'].upper()} · {r['suite']} · `{r['rule']}`: {r['unexpected']} of {r['evaluated']} rows",
            "",
            f"{r['why']}",
            "",
            f"Column(s) `{r['column']}`; the first {shown} offending rows:",
            "",
            rows_table(r["rows"]),
            "",
        ]
    out += ["## Accepted by reviewed exceptions", ""]
    if data["exceptions_applied"]:
        out += [
            md_table(
                ["measure", "rule", "rows accepted", "source lines", "reason", "reviewed by", "on"],
                [
                    [
                        e["measure_key"],
                        e["rule"],
                        e["matched_rows"],
                        ", ".join(f"{f}:{line}" for f, line in e["lines"]),
                        e["reason"],
                        e["reviewed_by"],
                        e["reviewed_on"],
                    ]
                    for e in data["exceptions_applied"]
                ],
            ),
            "",
        ]
    else:
        out += ["(none)", ""]
    out += ["## Stale exceptions (they accept nothing: remove or fix them)", ""]
    stale_rows = [
        [e["measure_key"], e["rule"], e["reason"], "matches no offending row"]
        for e in data["exceptions_stale"]
    ]
    stale_rows += [
        [e["measure_key"], e["rule"], e["reason"], "no suite has this rule"]
        for e in data["exceptions_unknown_rule"]
    ]
    out += [md_table(["measure", "rule", "reason", "problem"], stale_rows), ""]
    out += [history_markdown(data.get("history") or {})]
    return "\n".join(out)


def write_reports(
    results: dict[str, SuiteResult] | None = None,
    *,
    run_id: str | None = None,
    reports_dir: Path | None = None,
    data_docs: bool = True,
    warehouse: Path | None = None,
    lock_timeout_s: float = 30.0,
    history: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """quality-summary.{md,json} from the stored results (or `results`), then the Data Docs. With
    `warehouse`, the summary lists the quarantined source files too; `history`: the sections of
    `history_review` (measure matching, verdicts against the official ones)."""
    reports_dir = (reports_dir or load_settings().reports_dir).resolve()
    reports_dir.mkdir(parents=True, exist_ok=True)
    results = stored_results(reports_dir) if results is None else results
    quarantined = quarantined_files(warehouse, lock_timeout_s) if warehouse is not None else None
    data = summary(results, run_id, quarantined)
    if history:
        data["history"] = history
    timings: dict[str, float] = {}
    if data_docs:
        started = time.monotonic()
        build_data_docs(reports_dir)
        timings["data_docs_s"] = round(time.monotonic() - started, 2)
    data["timings_s"] = timings | {k: v for k, v in TIMINGS.items()}
    (reports_dir / "quality-summary.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    (reports_dir / "quality-summary.md").write_text(summary_markdown(data) + "\n", encoding="utf-8")
    return data


def build_data_docs(reports_dir: Path) -> Path:
    """Rebuild the Data Docs site from the latest result of each suite. Offline, the pages keep
    GX's own stylesheet (copied into the site) but not Bootstrap/jQuery/Vega from public CDNs."""
    context = gx_context(reports_dir)
    site = reports_dir / "data-docs"
    shutil.rmtree(site, ignore_errors=True)
    context.build_data_docs()
    for page in site.rglob("*.html"):  # a readable page without the CDN stylesheets
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("</head>", OFFLINE_STYLE + "</head>", 1), encoding="utf-8")
    return site / "index.html"


OFFLINE_STYLE = (
    "<style>/* offline fallback (quality.py): the CDN stylesheets do not load without a network */"
    "body{font-family:sans-serif;margin:1em 2em;max-width:1400px}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}"
    ".d-none{display:none}img{max-width:240px}</style>"
)


def summary_paths(reports_dir: Path | None = None) -> dict[str, Path]:
    reports_dir = (reports_dir or load_settings().reports_dir).resolve()
    return {
        "summary_md": reports_dir / "quality-summary.md",
        "summary_json": reports_dir / "quality-summary.json",
        "data_docs": reports_dir / "data-docs" / "index.html",
    }


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.lib.quality [DUCKDB_PATH]`: every suite, then the reports."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    settings = load_settings()
    db = Path(args[0]).resolve() if args else settings.duckdb_path
    results = {}
    for name in SUITES:
        try:
            results[name] = run_suite(name, db, run_id="cli")
        except duckdb.CatalogException as exc:
            print(f"{name}: not run ({str(exc).splitlines()[0]})")
    data = write_reports(run_id="cli", warehouse=db)
    for r in data["rules"]:
        print(
            f"{r['suite']:<22} {r['rule']:<34} {r['severity']:<5} {r['status']:<23} {r['evaluated']:>7} {r['unexpected']:>5} {r['accepted']:>5}"
        )
    print(json.dumps(data["counts"]), json.dumps(data["timings_s"]))
    return 1 if data["verdict"] == "blocked" else 0


if __name__ == "__main__":
    raise SystemExit(main())
