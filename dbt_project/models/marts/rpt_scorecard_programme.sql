-- One row per programme of dim_programme: what the scorecard's index counts for it. Its measures
-- (owned, dim_measure.programme_code) and their indicators, the measures with a value revised between
-- vintages (fct_target_revision.is_revised), the measures with a later target set below what was
-- already achieved (fct_target_trajectory, less_ambitious) and the measures a RAP gives an official
-- verdict. Zero, not null, for a programme without measures.
with

programmes as (

    select
        programme_code,
        mission_code
    from {{ ref('dim_programme') }}

),

measures as (

    select
        measure_key,
        indicator_code,
        programme_code
    from {{ ref('dim_measure') }}

),

revisions as (

    select
        measure_key,
        is_revised
    from {{ ref('fct_target_revision') }}

),

trajectories as (

    select
        measure_key,
        trajectory_status
    from {{ ref('fct_target_trajectory') }}

),

attainment as (

    select
        measure_key,
        official_verdict
    from {{ ref('fct_target_attainment') }}

),

revised as (

    select distinct measure_key
    from revisions
    where is_revised

),

below_achieved as (

    select distinct measure_key
    from trajectories
    where trajectory_status = 'less_ambitious'

),

with_official as (

    select distinct measure_key
    from attainment
    where official_verdict is not null

),

flagged as (

    select
        measures.programme_code,
        measures.measure_key,
        measures.indicator_code,
        revised.measure_key is not null as is_revised,
        below_achieved.measure_key is not null as is_below_achieved,
        with_official.measure_key is not null as has_official_verdict
    from measures
    left join revised
        on measures.measure_key = revised.measure_key
    left join below_achieved
        on measures.measure_key = below_achieved.measure_key
    left join with_official
        on measures.measure_key = with_official.measure_key
    where measures.programme_code is not null

),

aggregated as (

    select
        programme_code,
        count(*) as measures,
        count(distinct indicator_code) as indicators,
        count(*) filter (where is_revised) as revised_measures,
        count(*) filter (where is_below_achieved) as below_achieved_measures,
        count(*) filter (where has_official_verdict) as official_verdict_measures
    from flagged
    group by programme_code

),

final as (

    select
        programmes.programme_code,
        programmes.mission_code,
        coalesce(aggregated.measures, 0) as measures,
        coalesce(aggregated.indicators, 0) as indicators,
        coalesce(aggregated.revised_measures, 0) as revised_measures,
        coalesce(aggregated.below_achieved_measures, 0) as below_achieved_measures,
        coalesce(aggregated.official_verdict_measures, 0) as official_verdict_measures
    from programmes
    left join aggregated
        on programmes.programme_code = aggregated.programme_code

)

select * from final
