-- For each measure with a realised number: its last realisation against each later target that
-- counts (int_targets_selected), the implied change, and a flag for targets set below what was
-- already achieved (above, for a `decrease` measure). Targets that are not numbers, measures
-- whose direction is `target` or `unknown`, and numbers printed in different units are
-- not_assessed (flag null). Measures without any realised number have no row.
with

realisations as (

    select
        measure_key,
        year,
        realisation_document_id,
        realisation_raw,
        realisation_status,
        realisation_value,
        realisation_unit
    from {{ ref('int_realisations_latest') }}

),

targets as (

    select
        measure_key,
        year,
        target_document_id,
        target_basis,
        is_fallback_target,
        target_raw,
        target_status,
        target_value,
        target_comparator,
        target_unit
    from {{ ref('int_targets_selected') }}

),

directions as (

    select
        measure_key,
        direction
    from {{ ref('int_measure_directions_assigned') }}

),

last_realisation as (

    select
        measure_key,
        year as last_realisation_year,
        realisation_value as last_realisation_value,
        realisation_raw as last_realisation_raw,
        realisation_unit as last_realisation_unit,
        realisation_document_id as last_realisation_document_id
    from realisations
    where
        realisation_status in ('numeric', 'annotated', 'duration')
        and realisation_value is not null
    qualify row_number() over (partition by measure_key order by year desc) = 1

),

future_targets as (

    select
        targets.measure_key,
        targets.year as target_year,
        last_realisation.last_realisation_year,
        last_realisation.last_realisation_value,
        last_realisation.last_realisation_raw,
        last_realisation.last_realisation_document_id,
        targets.target_raw,
        targets.target_status,
        targets.target_comparator,
        targets.target_document_id,
        targets.target_basis,
        targets.is_fallback_target,
        coalesce(directions.direction, 'unknown') as direction,
        case
            when targets.target_status in ('numeric', 'annotated', 'duration', 'bound')
                and (
                    targets.target_unit is null
                    or last_realisation.last_realisation_unit is null
                    or targets.target_unit = last_realisation.last_realisation_unit
                )
                then targets.target_value
        end as target_value
    from targets
    inner join last_realisation
        on
            targets.measure_key = last_realisation.measure_key
            and targets.year > last_realisation.last_realisation_year
    left join directions
        on targets.measure_key = directions.measure_key

),

assessed as (

    select
        measure_key,
        target_year,
        last_realisation_year,
        last_realisation_value,
        last_realisation_raw,
        last_realisation_document_id,
        target_value,
        target_raw,
        target_status,
        target_comparator,
        target_document_id,
        target_basis,
        is_fallback_target,
        direction,
        target_year - last_realisation_year as years_ahead,
        target_value - last_realisation_value as implied_change,
        100.0 * (target_value - last_realisation_value) / nullif(abs(last_realisation_value), 0)
            as implied_change_pct,
        (target_value - last_realisation_value) / (target_year - last_realisation_year)
            as implied_annual_change,
        case
            when target_value is null or direction not in ('increase', 'decrease') then 'not_assessed'
            when target_value = last_realisation_value then 'same_as_achieved'
            when (direction = 'increase') = (target_value < last_realisation_value) then 'less_ambitious'
            else 'more_ambitious'
        end as trajectory_status
    from future_targets

),

final as (

    select
        measure_key,
        target_year,
        last_realisation_year,
        last_realisation_value,
        last_realisation_raw,
        last_realisation_document_id,
        target_value,
        target_raw,
        target_status,
        target_comparator,
        target_document_id,
        target_basis,
        is_fallback_target,
        direction,
        years_ahead,
        implied_change,
        implied_change_pct,
        implied_annual_change,
        trajectory_status,
        case
            when trajectory_status <> 'not_assessed' then trajectory_status = 'less_ambitious'
        end as is_below_achieved
    from assessed

)

select * from final
