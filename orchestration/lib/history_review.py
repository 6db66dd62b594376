"""What stewards review of the real history: measure matching across vintages and our verdicts
against the official ones.

Reads the warehouse (read-only) after the marts are built and gives the quality summary the figures
of three sections (rendered by `orchestration/lib/quality/templates/_history.md.j2`): per source
file, how its rows got their measure (by id, exactly, approximately, not at all); the table of our
verdicts against the RAP's own (`Degré de réalisation`) with the agreement on the measure-years
both assess, and every disagreement with file and line; which rule decided the directions. It
also writes two files next to the summary:

- `measure-matches-to-review.csv`: every match that is not exact (approximate, ambiguous,
  unmatched), in the columns of `dbt_project/seeds/ref_measure_match_override.csv` plus context: a
  steward copies a row there, sets `to_measure_key` (or leaves it empty to keep the row's own
  key), and the next run obeys;
- `verdict-disagreements.csv`: every measure-year where our verdict and the official one differ;
- `damaged-cells.csv`: every cell the export damaged (`value_defect` of `marts.fct_indicator_value`),
  whether and from which document its value was recovered; a held cell is never judged.

The official verdict is only compared here; nothing in this module feeds the warehouse.
"""

import csv
from pathlib import Path
from typing import Any

import duckdb

from orchestration.lib.vocabularies import ASSESSED_OFFICIAL_LABELS, ASSESSED_VERDICTS

# The verdicts that judge a measure-year, ours and as printed (the seed ref_verdict, is_assessed).
ASSESSED, OFFICIAL_ASSESSED = ASSESSED_VERDICTS, ASSESSED_OFFICIAL_LABELS
REVIEW_FILE = "measure-matches-to-review.csv"
DISAGREEMENTS_FILE = "verdict-disagreements.csv"
DAMAGED_FILE = "damaged-cells.csv"
OVERRIDE_COLUMNS = ("document_id", "source_measure_key", "to_measure_key", "reviewed_by", "rationale")

_MATCHING_SQL = """
select
    document_id,
    count(*) as source_rows,
    count(*) filter (where match_method = 'sub_indicator_id') as by_id,
    count(*) filter (where match_method = 'exact_label') as exactly,
    count(*) filter (where match_method = 'approximate_label') as approximately,
    count(*) filter (where match_method in ('ambiguous', 'unmatched')) as not_at_all,
    count(*) filter (where match_method in ('crosswalk', 'steward_override')) as by_steward,
    count(*) filter (where match_method = 'own_key') as own_key
from intermediate.int_measure_keys
group by document_id
order by document_id
"""

_TO_REVIEW_SQL = """
select
    k.document_id,
    k.source_measure_key,
    k.best_candidate_key as to_measure_key,
    '' as reviewed_by,
    '' as rationale,
    coalesce(k.automatic_match_method, k.match_method) as match_method,
    k.match_score,
    k.ambiguity_reason,
    k.matched_document_id,
    k.programme_code,
    k.indicator_number,
    k.measure_label,
    k.unit_raw,
    candidate.measure_label as candidate_label,
    candidate.unit_raw as candidate_unit,
    k.source_file,
    k.source_line
from intermediate.int_measure_keys as k
left join lateral (
    select c.measure_label, c.unit_raw
    from staging.stg_raw__indicator_cells as c
    where c.document_id = k.matched_document_id and c.source_measure_key = k.best_candidate_key
    limit 1
) as candidate on true
where coalesce(k.automatic_match_method, '') in ('approximate_label', 'ambiguous', 'unmatched')
order by k.document_id, k.match_method, k.match_score desc nulls last, k.source_measure_key
"""

_DAMAGED_SQL = """
select
    document_id as document,
    source_file,
    source_line,
    column_header,
    measure_key,
    year,
    value_kind,
    value_raw,
    value_defect,
    value_status,
    recovery_rule,
    recovered_from_document_id
from marts.fct_indicator_value
where value_defect is not null
order by document_id, source_line, column_position
"""

_DEFECTS_SQL = """
select
    value_defect,
    count(*) as cells,
    count(recovery_rule) as recovered,
    count(*) - count(recovery_rule) as held
from marts.fct_indicator_value
where value_defect is not null
group by value_defect
order by cells desc, value_defect
"""

_VERDICTS_SQL = """
select verdict, official_verdict, count(*) as n
from marts.fct_target_attainment
where official_verdict_raw is not null
group by all
order by all
"""

_DISAGREEMENTS_SQL = """
with printed as (
    -- what the same RAP prints for the year besides the target of record (to explain, never to judge)
    select document_id, measure_key, year,
        max(value_numeric) filter (where value_kind = 'updated_forecast') as updated_forecast,
        max(value_numeric) filter (where value_kind = 'target') as final_target
    from intermediate.int_indicator_values_deduplicated
    where value_kind in ('updated_forecast', 'target')
    group by all
),
disagreements as (
    select
        a.*,
        m.measure_label,
        p.updated_forecast,
        p.final_target,
        a.realisation_value is not null and (
            (a.direction = 'increase' and a.realisation_value >= p.updated_forecast)
            or (a.direction = 'decrease' and a.realisation_value <= p.updated_forecast)
        ) as meets_updated_forecast,
        a.realisation_value is not null and (
            (a.direction = 'increase' and a.realisation_value >= p.final_target)
            or (a.direction = 'decrease' and a.realisation_value <= p.final_target)
        ) as meets_final_target,
        a.realisation_value is not null and a.target_value is not null and (
            (a.direction = 'increase' and a.realisation_value <= a.target_value)
            or (a.direction = 'decrease' and a.realisation_value >= a.target_value)
        ) as met_the_other_way
    from marts.fct_target_attainment as a
    inner join marts.dim_measure as m on a.measure_key = m.measure_key
    left join printed as p
        on a.official_verdict_document_id = p.document_id and a.measure_key = p.measure_key and a.year = p.year
    where a.official_verdict is not null and not a.agrees_with_official
)
select
    official_verdict_source_file as source_file,
    official_verdict_source_line as source_line,
    measure_key,
    year,
    measure_label,
    direction,
    direction_source,
    target_raw,
    realisation_raw,
    previous_realisation_value,
    verdict,
    verdict_reason,
    official_verdict_raw,
    case
        when verdict in ('no_data', 'not_retained') then 'judged only by the RAP'
        when official_verdict in ('no_data', 'not_retained') then 'judged only by us'
        when verdict_reason in ('trend_followed', 'trend_not_followed') then 'trend target'
        when official_verdict = 'met' and coalesce(meets_updated_forecast, false)
            then 'RAP met against the updated forecast'
        when official_verdict = 'met' and coalesce(meets_final_target, false)
            then 'RAP met against the final target'
        when (official_verdict = 'met') <> (verdict = 'met') and coalesce(met_the_other_way, false)
            then 'direction disputed'
        when verdict = 'met' then 'RAP not met against another target'
        when official_verdict = 'met' then 'RAP met, target of record missed'
        else 'improvement against the previous year'
    end as kind
from disagreements
order by source_file, source_line
"""

_DIRECTIONS_SQL = """
select
    m.direction_source,
    count(*) as measures,
    count(*) filter (where exists (
        select 1 from marts.fct_target_attainment as a
        where a.measure_key = m.measure_key and a.target_raw is not null and a.realisation_raw is not null
    )) as measures_with_an_assessable_year
from marts.dim_measure as m
group by m.direction_source
order by measures desc
"""


def _dicts(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _has_history_models(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = 'intermediate' "
            "and table_name = 'int_measure_keys'"
        ).fetchone()[0]
    )


def history_review(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The figures of the three sections, from a warehouse whose marts are built."""
    if not _has_history_models(con):
        return {}
    verdicts = _dicts(con, _VERDICTS_SQL)
    both = [v for v in verdicts if v["verdict"] in ASSESSED and v["official_verdict"] in ASSESSED]
    both_n = sum(v["n"] for v in both)
    agreeing = sum(v["n"] for v in both if v["verdict"] == v["official_verdict"])
    directions = _dicts(con, _DIRECTIONS_SQL)
    assessable = sum(d["measures_with_an_assessable_year"] for d in directions)
    known = sum(d["measures_with_an_assessable_year"] for d in directions if d["direction_source"] != "none")
    disagreements = _dicts(con, _DISAGREEMENTS_SQL)
    kinds: dict[str, list[int]] = {}
    for d in disagreements:
        both_sides = d["verdict"] in ASSESSED and d["official_verdict_raw"] in OFFICIAL_ASSESSED
        counts = kinds.setdefault(d["kind"], [0, 0])
        counts[0] += 1
        counts[1] += both_sides
    return {
        "matching": _dicts(con, _MATCHING_SQL),
        "verdicts": verdicts,
        "agreement": {
            "both_assessed": both_n,
            "agreeing": agreeing,
            "share": round(agreeing / both_n, 4) if both_n else None,
        },
        "disagreements": disagreements,
        "disagreement_kinds": [
            {"kind": k, "measure_years": n, "both_assessed": b}
            for k, (n, b) in sorted(kinds.items(), key=lambda item: -item[1][0])
        ],
        "directions": directions,
        "direction_known_share": round(known / assessable, 4) if assessable else None,
        "defects": _dicts(con, _DEFECTS_SQL),
    }


def write_review_files(con: duckdb.DuckDBPyConnection, reports_dir: Path) -> dict[str, Path]:
    """The stewards' review file of non-exact matches, the verdict disagreements and the damaged cells."""
    if not _has_history_models(con):
        return {}
    reports_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    files = (
        (REVIEW_FILE, _TO_REVIEW_SQL),
        (DISAGREEMENTS_FILE, _DISAGREEMENTS_SQL),
        (DAMAGED_FILE, _DAMAGED_SQL),
    )
    for name, sql in files:
        cursor = con.execute(sql)
        path = reports_dir / name
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([d[0] for d in cursor.description])
            writer.writerows(cursor.fetchall())
        written[name] = path
    return written
