-- The "taux d'atteinte des cibles" per mission, programme and year, as the Sénat and the Direction
-- du budget publish it, from OUR verdicts (fct_target_attainment.verdict): targets assessed (met +
-- improved + not_improved), met, improved, not_improved, no_data, not_retained, and share_met =
-- met / assessed. The official verdicts, where a RAP prints them, are counted beside ours
-- (official_assessed, official_met, official_share_met, agreeing) for comparison only.
-- A measure belongs to the programme that owns it (dim_measure.programme_code); its mission is the
-- programme's (dim_programme), else the measure's own.
with

attainment as (

    select
        measure_key,
        year,
        verdict,
        official_verdict,
        agrees_with_official
    from {{ ref('fct_target_attainment') }}

),

measures as (

    select
        measure_key,
        programme_code,
        mission_code
    from {{ ref('dim_measure') }}

),

programmes as (

    select
        programme_code,
        mission_code
    from {{ ref('dim_programme') }}

),

scoped as (

    select
        coalesce(programmes.mission_code, measures.mission_code) as mission_code,
        measures.programme_code,
        attainment.year,
        attainment.verdict,
        attainment.official_verdict,
        attainment.agrees_with_official
    from attainment
    inner join measures
        on attainment.measure_key = measures.measure_key
    left join programmes
        on measures.programme_code = programmes.programme_code
    where measures.programme_code is not null

),

aggregated as (

    select
        mission_code,
        programme_code,
        year,
        count(*) filter (where verdict in ('met', 'improved', 'not_improved')) as targets_assessed,
        count(*) filter (where verdict = 'met') as met,
        count(*) filter (where verdict = 'improved') as improved,
        count(*) filter (where verdict = 'not_improved') as not_improved,
        count(*) filter (where verdict = 'no_data') as no_data,
        count(*) filter (where verdict = 'not_retained') as not_retained,
        count(*) filter (where official_verdict in ('met', 'improved', 'not_improved')) as official_assessed,
        count(*) filter (where official_verdict = 'met') as official_met,
        count(*) filter (
            where verdict in ('met', 'improved', 'not_improved')
            and official_verdict in ('met', 'improved', 'not_improved')
        ) as both_assessed,
        count(*) filter (
            where verdict in ('met', 'improved', 'not_improved')
            and official_verdict in ('met', 'improved', 'not_improved')
            and agrees_with_official
        ) as agreeing
    from scoped
    group by mission_code, programme_code, year

),

final as (

    select
        mission_code,
        programme_code,
        year,
        targets_assessed,
        met,
        improved,
        not_improved,
        no_data,
        not_retained,
        round(met / nullif(targets_assessed, 0), 4) as share_met,
        official_assessed,
        official_met,
        round(official_met / nullif(official_assessed, 0), 4) as official_share_met,
        both_assessed,
        agreeing
    from aggregated

)

select
    mission_code,
    programme_code,
    year,
    targets_assessed,
    met,
    improved,
    not_improved,
    no_data,
    not_retained,
    share_met,
    official_assessed,
    official_met,
    official_share_met,
    both_assessed,
    agreeing
from final
