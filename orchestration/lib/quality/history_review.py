"""What stewards review of the real history: measure matching across vintages and our verdicts
against the official ones.

Reads the warehouse (read-only) after the marts are built and gives the quality summary its
figures: per source file, how its rows got their measure (by id, exactly, approximately, not at
all); our verdicts against the RAP's own (`Degré de réalisation`), with the agreement on the
measure-years both assess and the disagreements by kind; which rule decided the directions; the
cells the export damaged. It writes four review queues beside the summary (`review_queues`: the
decision's columns, `status`, the evidence; docs/stewards.md says how to close them):

- `measure-matches-to-review.csv`: every match that is not exact (approximate, ambiguous,
  unmatched), or that a steward decided (ref_measure_match_override, ref_indicator_crosswalk);
- `directions-to-review.csv`: every measure whose direction of improvement is unknown or of low
  confidence, with its evidence (labels across vintages, unit, bounds, target steps, what decides
  it now), ranked by the measure-years a decision would settle; then the steward's rows of
  ref_measure_direction. `official_verdicts_evidence_only` shows the RAP's verdicts for the
  steward's eyes: never a reason to write in the seed;
- `measure-splits.csv`: every key split into versions (a sub-indicator id reused for another
  measure), pending, or decided by a row of ref_measure_version_override (`join` or `split`);
- `verdict-disagreements.csv`: every measure-year where our verdict and the official one differ
  (the dbt test `verdict_agrees_with_official` warns of them), decided where the seed
  ref_verdict_disagreement_review accepts the measure; a seed row whose measure has no
  disagreement is `not_applied`.

and `damaged-cells.csv`: every cell the export damaged (`value_defect` of
`marts.fct_indicator_value`), whether and from which document its value was recovered.

The official verdict is only compared here; nothing in this module feeds the warehouse.
"""

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

from orchestration.lib.duckdb_io import dict_rows
from orchestration.lib.quality import review_queues
from orchestration.lib.vocabularies import ASSESSED_OFFICIAL_LABELS, ASSESSED_VERDICTS

# The verdicts that judge a measure-year, ours and as printed (the seed ref_verdict, is_assessed).
ASSESSED, OFFICIAL_ASSESSED = ASSESSED_VERDICTS, ASSESSED_OFFICIAL_LABELS
REVIEW_FILE = review_queues.MATCHES.file
DISAGREEMENTS_FILE = review_queues.DISAGREEMENTS.file
DIRECTIONS_FILE = review_queues.DIRECTIONS.file
DIRECTION_COLUMNS = review_queues.DIRECTIONS.decision_columns
SPLITS_FILE = review_queues.SPLITS.file
DAMAGED_FILE = "damaged-cells.csv"
# The decisions on disagreements; the dbt test verdict_agrees_with_official (fct_target_attainment,
# severity warn) leaves their measures out.
_DISAGREEMENT_REVIEW_SQL = """
select measure_key, reason, reviewed_by, cast(reviewed_on as varchar) as reviewed_on
from reference.ref_verdict_disagreement_review
order by measure_key
"""

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

# Every row whose automatic match is not exact: pending, or decided by a steward's row of
# ref_measure_match_override or ref_indicator_crosswalk (then in the seed's words); ranked by the
# cells a decision would move.
_TO_REVIEW_SQL = """
with cells as (
    select document_id, source_measure_key, count(*) as cells
    from staging.stg_raw__indicator_cells
    group by all
)
select
    k.document_id,
    k.source_measure_key,
    case
        when k.match_method = 'crosswalk' then x.to_measure_key
        when k.match_method = 'steward_override' then o.to_measure_key
        else k.best_candidate_key
    end as to_measure_key,
    o.reviewed_by,
    cast(o.reviewed_on as varchar) as reviewed_on,
    coalesce(o.rationale, x.rationale) as rationale,
    case when k.match_method in ('crosswalk', 'steward_override') then 'decided' else 'pending' end as status,
    case k.match_method
        when 'crosswalk' then 'ref_indicator_crosswalk'
        when 'steward_override' then 'ref_measure_match_override'
    end as decided_in,
    coalesce(c.cells, 0) as cells,
    k.automatic_match_method as match_method,
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
left join reference.ref_measure_match_override as o
    on k.document_id = o.document_id and k.source_measure_key = o.source_measure_key
left join reference.ref_indicator_crosswalk as x
    on k.source_measure_key = x.from_measure_key
    and (x.from_document_id is null or k.document_id = x.from_document_id)
left join cells as c on k.document_id = c.document_id and k.source_measure_key = c.source_measure_key
left join lateral (
    select c.measure_label, c.unit_raw
    from staging.stg_raw__indicator_cells as c
    where c.document_id = k.matched_document_id and c.source_measure_key = k.best_candidate_key
    limit 1
) as candidate on true
where coalesce(k.automatic_match_method, '') in ('approximate_label', 'ambiguous', 'unmatched')
    or k.match_method = 'steward_override'
order by cells desc, k.document_id, k.match_score desc nulls last, k.source_measure_key
"""

# A steward's row that reaches no row of the documents loaded.
_MATCH_OVERRIDES_NOT_APPLIED_SQL = """
select o.document_id, o.source_measure_key, o.to_measure_key, o.reviewed_by,
    cast(o.reviewed_on as varchar) as reviewed_on, o.rationale, 'not_applied' as status,
    'ref_measure_match_override' as decided_in
from reference.ref_measure_match_override as o
where not exists (
    select 1 from intermediate.int_measure_keys as k
    where k.document_id = o.document_id and k.source_measure_key = o.source_measure_key
)
order by all
"""

_DIRECTIONS_TO_REVIEW_SQL = """
with labels as (
    select measure_key, measure_label, unit_raw,
        string_agg(distinct cast(vintage_year as varchar), '/' order by cast(vintage_year as varchar)) as vintages
    from intermediate.int_indicator_cells_crosswalked
    where measure_key is not null
    group by all
),
labels_per_measure as (
    select measure_key,
        string_agg(measure_label || ' [' || vintages || ']', ' | ' order by vintages) as labels_across_vintages,
        string_agg(distinct unit_raw, ' | ') as units_raw
    from labels
    group by measure_key
),
verdicts as (
    select measure_key,
        count(*) filter (where target_value is not null and realisation_value is not null) as settleable_years,
        string_agg(year || ': ' || official_verdict_raw, '; ' order by year)
            filter (where official_verdict_raw is not null) as official_verdicts_evidence_only
    from marts.fct_target_attainment
    group by measure_key
)
select
    d.measure_key,
    '' as direction,
    '' as tolerance_abs,
    coalesce(m.indicator_code, '') || ' ' || coalesce(m.measure_label, '') as measure_label_hint,
    '' as reason,
    '' as reviewed_by,
    '' as reviewed_on,
    'pending' as status,
    coalesce(v.settleable_years, 0) as settleable_years,
    m.indicator_label,
    l.labels_across_vintages,
    m.unit_raw,
    m.unit_family,
    l.units_raw,
    coalesce(e.n_lower_bounds, 0) as n_lower_bounds,
    coalesce(e.n_upper_bounds, 0) as n_upper_bounds,
    d.n_target_steps_up,
    d.n_target_steps_down,
    coalesce(e.n_steps_flat, 0) as n_target_steps_flat,
    d.sibling_directions,
    d.is_label_split,
    d.label_rule_ids,
    d.indicator_rule_ids,
    d.direction as current_direction,
    d.direction_source as current_direction_source,
    d.direction_confidence as current_direction_confidence,
    v.official_verdicts_evidence_only
from intermediate.int_measure_directions_assigned as d
inner join intermediate.int_measures_described as m on d.measure_key = m.measure_key
left join intermediate.int_measure_direction_evidence as e on d.measure_key = e.measure_key
left join labels_per_measure as l on d.measure_key = l.measure_key
left join verdicts as v on d.measure_key = v.measure_key
where (d.direction = 'unknown' or d.direction_confidence = 'low') and d.direction_source <> 'steward'
order by settleable_years desc, d.measure_key
"""

# The steward's rows of ref_measure_direction: decided where the measure takes the steward's direction.
_DIRECTIONS_DECIDED_SQL = """
select
    s.measure_key,
    s.direction,
    s.tolerance_abs,
    s.measure_label_hint,
    s.reason,
    s.reviewed_by,
    cast(s.reviewed_on as varchar) as reviewed_on,
    case when d.direction_source = 'steward' then 'decided' else 'not_applied' end as status,
    (select count(*) from marts.fct_target_attainment as a
        where a.measure_key = s.measure_key and a.target_value is not null and a.realisation_value is not null
    ) as settleable_years,
    d.direction as current_direction,
    d.direction_source as current_direction_source,
    d.direction_confidence as current_direction_confidence
from reference.ref_measure_direction as s
left join intermediate.int_measure_directions_assigned as d on s.measure_key = d.measure_key
order by s.measure_key
"""

# One row per key and document where a version starts, or would start but for a steward's `join`.
_SPLITS_SQL = """
select distinct
    k.base_measure_key as measure_key,
    k.vintage_year,
    coalesce(k.version_override_action, 'split') as action,
    coalesce(o.reason, '') as reason,
    o.reviewed_by,
    cast(o.reviewed_on as varchar) as reviewed_on,
    case when k.version_start_reason is not null then k.measure_key end as new_measure_key,
    k.version_previous_document_id as previous_document_id,
    k.document_id,
    k.version_previous_label as label_before,
    k.version_previous_unit_raw as unit_before,
    k.version_previous_unit_family as unit_family_before,
    k.version_label as label_after,
    k.version_unit_raw as unit_after,
    k.version_unit_family as unit_family_after,
    k.version_label_score as label_score,
    k.version_automatic_reason as automatic_reason,
    case when k.version_override_action is null then 'pending' else 'decided' end as status
from intermediate.int_measure_keys as k
left join reference.ref_measure_version_override as o
    on k.version_override_action is not null and k.base_measure_key = o.measure_key and k.vintage_year = o.vintage_year
where k.version_automatic_reason is not null or k.version_override_action is not null
order by measure_key, k.vintage_year, k.document_id
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


# The scorecard's "same verdict / both assessed", summed over the years: it counts only the
# measure-years a programme owns and leaves out verdicts against a fallback target
# (rpt_attainment_rate), where the agreement above counts every measure-year both judge.
_SCORECARD_AGREEMENT_SQL = """
select coalesce(sum(both_assessed), 0) as both_assessed, coalesce(sum(agreeing), 0) as agreeing
from marts.rpt_attainment_rate
where grouping_level = 'year'
"""


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
    verdicts = dict_rows(con, _VERDICTS_SQL)
    both = [v for v in verdicts if v["verdict"] in ASSESSED and v["official_verdict"] in ASSESSED]
    both_n = sum(v["n"] for v in both)
    agreeing = sum(v["n"] for v in both if v["verdict"] == v["official_verdict"])
    directions = dict_rows(con, _DIRECTIONS_SQL)
    assessable = sum(d["measures_with_an_assessable_year"] for d in directions)
    known = sum(d["measures_with_an_assessable_year"] for d in directions if d["direction_source"] != "none")
    disagreements = dict_rows(con, _DISAGREEMENTS_SQL)
    kinds: dict[str, list[int]] = {}
    for d in disagreements:
        both_sides = d["verdict"] in ASSESSED and d["official_verdict_raw"] in OFFICIAL_ASSESSED
        counts = kinds.setdefault(d["kind"], [0, 0])
        counts[0] += 1
        counts[1] += both_sides
    return {
        "matching": dict_rows(con, _MATCHING_SQL),
        "verdicts": verdicts,
        "agreement": {
            "both_assessed": both_n,
            "agreeing": agreeing,
            "share": round(agreeing / both_n, 4) if both_n else None,
        },
        "scorecard_agreement": dict_rows(con, _SCORECARD_AGREEMENT_SQL)[0],
        "disagreements": disagreements,
        "disagreement_kinds": [
            {"kind": k, "measure_years": n, "both_assessed": b}
            for k, (n, b) in sorted(kinds.items(), key=lambda item: -item[1][0])
        ],
        "directions": directions,
        "direction_known_share": round(known / assessable, 4) if assessable else None,
        "defects": dict_rows(con, _DEFECTS_SQL),
    }


def _disagreement_queue(
    disagreements: list[dict[str, Any]], reviewed: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every disagreement, decided where the seed ref_verdict_disagreement_review (`reviewed`)
    accepts its measure; pending ones ranked by the years a decision on the measure would settle.
    A seed row whose measure disagrees nowhere took no effect: `not_applied`."""
    decided = {r["measure_key"]: r for r in reviewed}
    years = Counter(d["measure_key"] for d in disagreements)
    decision = ("reason", "reviewed_by", "reviewed_on")
    rows = []
    for d in disagreements:
        r = decided.get(d["measure_key"])
        rows.append(
            {
                "measure_key": d["measure_key"],
                **({k: r[k] for k in decision} if r else {}),
                "status": review_queues.DECIDED if r else review_queues.PENDING,
                "years_of_the_measure": years[d["measure_key"]],
                **{k: v for k, v in d.items() if k != "measure_key"},
            }
        )
    rows.sort(key=lambda r: -r["years_of_the_measure"])  # stable: file and line within a measure
    rows += [r | {"status": review_queues.NOT_APPLIED} for r in reviewed if r["measure_key"] not in years]
    return rows


def write_review_files(
    con: duckdb.DuckDBPyConnection, reports_dir: Path, history: dict[str, Any]
) -> dict[str, Path]:
    """The stewards' review queues (non-exact matches, directions to decide, measure splits, verdict
    disagreements; `review_queues`) and the list of damaged cells. `history`: what `history_review`
    read from the same warehouse (its disagreements are the queue's rows)."""
    if not history:
        return {}
    reports_dir.mkdir(parents=True, exist_ok=True)
    rq = review_queues
    written = {
        rq.MATCHES.file: rq.write_queue(
            rq.MATCHES,
            reports_dir,
            dict_rows(con, _TO_REVIEW_SQL) + dict_rows(con, _MATCH_OVERRIDES_NOT_APPLIED_SQL),
        ),
        rq.DIRECTIONS.file: rq.write_queue(
            rq.DIRECTIONS,
            reports_dir,
            dict_rows(con, _DIRECTIONS_TO_REVIEW_SQL) + dict_rows(con, _DIRECTIONS_DECIDED_SQL),
        ),
        rq.SPLITS.file: rq.write_queue(rq.SPLITS, reports_dir, dict_rows(con, _SPLITS_SQL)),
        rq.DISAGREEMENTS.file: rq.write_queue(
            rq.DISAGREEMENTS,
            reports_dir,
            _disagreement_queue(history["disagreements"], dict_rows(con, _DISAGREEMENT_REVIEW_SQL)),
        ),
    }
    cursor = con.execute(_DAMAGED_SQL)
    path = reports_dir / DAMAGED_FILE
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([d[0] for d in cursor.description])
        writer.writerows(cursor.fetchall())
    written[DAMAGED_FILE] = path
    return written
