-- What the documents themselves say about a measure's direction of improvement, without any
-- verdict: the bounds targets are printed with, and the way successive targets move.
--   * a target printed as a bound says it outright: '≥ 40' is increase, '≤ 5' decrease;
--   * successive targets: a document printing targets for several years (PLF: 2025, 2026, 2027
--     Cible; RAP: 'Prévision N PAP N' then the 'Valeur cible' of a later year) and the targets of
--     record of consecutive years (PAP N, PAP N+1) step up for a measure meant to rise and down
--     for one meant to fall; equal targets say nothing.
-- Targets are not compared with realisations: targets set on the safe side of the last result
-- (a rate of 97 % aimed at 95 %) would read as the opposite direction.
with

values_ as (

    select * from {{ ref('int_indicator_values_repaired') }}

),

targets_of_record as (

    select
        measure_key,
        year,
        target_value
    from {{ ref('int_targets_selected') }}
    where target_status in ('numeric', 'annotated') and target_value is not null

),

targets as (

    select
        document_id,
        measure_key,
        year,
        value_status,
        value_comparator,
        value_numeric
    from values_
    where
        value_kind in ('target', 'target_of_record')
        and value_status in ('numeric', 'annotated', 'bound')
        and value_numeric is not null

),

printed_paths as (

    -- each target against the same document's target for the next year it prints
    select
        earlier.measure_key,
        later.value_numeric - earlier.value_numeric as step
    from targets as earlier
    inner join targets as later
        on
            earlier.document_id = later.document_id
            and earlier.measure_key = later.measure_key
            and earlier.year < later.year
    where earlier.value_status <> 'bound' and later.value_status <> 'bound'
    qualify row_number() over (
            partition by earlier.document_id, earlier.measure_key, earlier.year
            order by later.year asc
        ) = 1

),

record_paths as (

    select
        earlier.measure_key,
        later.target_value - earlier.target_value as step
    from targets_of_record as earlier
    inner join targets_of_record as later
        on
            earlier.measure_key = later.measure_key
            and later.year = earlier.year + 1

),

paths as (

    select
        measure_key,
        count(*) filter (where step > 0) as n_steps_up,
        count(*) filter (where step < 0) as n_steps_down,
        count(*) filter (where step = 0) as n_steps_flat
    from (
        select
            measure_key,
            step
        from printed_paths
        union all
        select
            measure_key,
            step
        from record_paths
    ) as steps
    group by measure_key

),

bounds as (

    select
        measure_key,
        count(*) filter (where value_comparator in ('>', '>=')) as n_lower_bounds,
        count(*) filter (where value_comparator in ('<', '<=')) as n_upper_bounds
    from targets
    where value_status = 'bound'
    group by measure_key

),

final as (

    select
        coalesce(paths.measure_key, bounds.measure_key) as measure_key,
        coalesce(bounds.n_lower_bounds, 0) as n_lower_bounds,
        coalesce(bounds.n_upper_bounds, 0) as n_upper_bounds,
        coalesce(paths.n_steps_up, 0) as n_steps_up,
        coalesce(paths.n_steps_down, 0) as n_steps_down,
        coalesce(paths.n_steps_flat, 0) as n_steps_flat
    from paths
    full outer join bounds
        on paths.measure_key = bounds.measure_key

)

select * from final
