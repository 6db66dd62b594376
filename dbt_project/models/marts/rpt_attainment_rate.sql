-- The "taux d'atteinte des cibles", defined once: the RAP's share_met = met / (met + improved +
-- not_improved) of OUR verdicts, per year, year x mission and year x mission x programme (grouping
-- sets; grouping_level says which; mission_code / programme_code are null where rolled up). It rolls
-- up rpt_measure_attainment, so a measure-year counts under the mission and programme of that year.
-- A measure-year judged against a fallback target (is_fallback_target: not the PAP N target of
-- record) is left out of the headline counts and counted apart (fallback_assessed, fallback_met).
-- The official verdicts, where a RAP prints them, are counted beside ours over every measure-year
-- (official_assessed, official_met, official_share_met), and compared where both judge
-- (both_assessed, agreeing), for comparison only. Measures that no programme owns are left out.
-- "Assessed" is the seed's: ref_verdict.is_assessed (met, improved, not_improved).
with

verdicts as (

    select
        verdict,
        is_assessed
    from {{ ref('ref_verdict') }}

),

attainment as (

    select
        year,
        mission_code,
        mission_label,
        programme_code,
        programme_label,
        verdict,
        is_fallback_target,
        official_verdict,
        agrees_with_official
    from {{ ref('rpt_measure_attainment') }}
    where programme_code is not null

),

measure_years as (

    select
        attainment.year,
        attainment.mission_code,
        attainment.mission_label,
        attainment.programme_code,
        attainment.programme_label,
        attainment.verdict,
        attainment.is_fallback_target,
        attainment.official_verdict,
        attainment.agrees_with_official,
        ours.is_assessed and not attainment.is_fallback_target as is_assessed,
        ours.is_assessed and attainment.is_fallback_target as is_fallback_assessed,
        coalesce(official.is_assessed, false) as is_officially_assessed
    from attainment
    inner join verdicts as ours
        on attainment.verdict = ours.verdict
    left join verdicts as official
        on attainment.official_verdict = official.verdict

),

aggregated as (

    select
        year,
        mission_code,
        programme_code,
        case
            when grouping(mission_code) = 1 then 'year'
            when grouping(programme_code) = 1 then 'mission'
            else 'programme'
        end as grouping_level,
        min(mission_label) as mission_label,
        min(programme_label) as programme_label,
        count(distinct programme_code) as programmes,
        count(*) filter (where is_assessed) as targets_assessed,
        count(*) filter (where is_assessed and verdict = 'met') as met,
        count(*) filter (where is_assessed and verdict = 'improved') as improved,
        count(*) filter (where is_assessed and verdict = 'not_improved') as not_improved,
        count(*) filter (where not is_fallback_target and verdict = 'no_data') as no_data,
        count(*) filter (where not is_fallback_target and verdict = 'not_retained') as not_retained,
        count(*) filter (where is_fallback_assessed) as fallback_assessed,
        count(*) filter (where is_fallback_assessed and verdict = 'met') as fallback_met,
        count(*) filter (where is_officially_assessed) as official_assessed,
        count(*) filter (where official_verdict = 'met') as official_met,
        count(*) filter (where is_assessed and is_officially_assessed) as both_assessed,
        count(*) filter (where is_assessed and is_officially_assessed and agrees_with_official) as agreeing
    from measure_years
    -- rollup = grouping sets (year, mission, programme), (year, mission), (year) and (): the last,
    -- every year together, is left out (sqlfluff's duckdb dialect does not parse `grouping sets`)
    group by rollup(year, mission_code, programme_code)
    having grouping(year) = 0

),

final as (

    select
        grouping_level,
        year,
        mission_code,
        case when grouping_level <> 'year' then mission_label end as mission_label,
        programme_code,
        case when grouping_level = 'programme' then programme_label end as programme_label,
        programmes,
        targets_assessed,
        met,
        improved,
        not_improved,
        no_data,
        not_retained,
        round(met / nullif(targets_assessed, 0), 4) as share_met,
        fallback_assessed,
        fallback_met,
        round(fallback_met / nullif(fallback_assessed, 0), 4) as fallback_share_met,
        official_assessed,
        official_met,
        round(official_met / nullif(official_assessed, 0), 4) as official_share_met,
        both_assessed,
        agreeing
    from aggregated

)

select * from final
