-- Per programme and year: targets set, assessed (met + not_met), met, not met, share met.
-- A measure belongs to the programme that owns it (dim_measure.programme_code: the programme row,
-- or the programme a mission row names). Every programme-year with at least one measure-year in
-- fct_target_attainment has a row; share_met is null when nothing could be assessed.
with

attainment as (

    select
        measure_key,
        year,
        attainment_status,
        is_fallback_target
    from {{ ref('fct_target_attainment') }}

),

measures as (

    select
        measure_key,
        programme_code
    from {{ ref('dim_measure') }}

),

programmes as (

    select
        programme_code,
        programme_label,
        mission_code
    from {{ ref('dim_programme') }}

),

aggregated as (

    select
        measures.programme_code,
        attainment.year,
        count(*) filter (where attainment.attainment_status <> 'no_target') as targets_set,
        count(*) filter (where attainment.attainment_status in ('met', 'not_met')) as assessed,
        count(*) filter (where attainment.attainment_status = 'met') as met,
        count(*) filter (where attainment.attainment_status = 'not_met') as not_met,
        count(*) filter (where attainment.attainment_status = 'no_realisation') as no_realisation,
        count(*) filter (where attainment.attainment_status = 'not_comparable') as not_comparable,
        count(*) filter (
            where attainment.attainment_status <> 'no_target' and attainment.is_fallback_target
        ) as fallback_targets
    from attainment
    inner join measures
        on attainment.measure_key = measures.measure_key
    where measures.programme_code is not null
    group by measures.programme_code, attainment.year

),

final as (

    select
        aggregated.programme_code,
        aggregated.year,
        programmes.programme_label,
        programmes.mission_code,
        aggregated.targets_set,
        aggregated.assessed,
        aggregated.met,
        aggregated.not_met,
        aggregated.no_realisation,
        aggregated.not_comparable,
        aggregated.fallback_targets,
        round(aggregated.met / nullif(aggregated.assessed, 0), 4) as share_met
    from aggregated
    left join programmes
        on aggregated.programme_code = programmes.programme_code

)

select
    programme_code,
    year,
    programme_label,
    mission_code,
    targets_set,
    assessed,
    met,
    not_met,
    no_realisation,
    not_comparable,
    fallback_targets,
    share_met
from final
