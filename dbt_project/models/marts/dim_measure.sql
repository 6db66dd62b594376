with

measures as (

    select
        measure_key,
        base_measure_key,
        version_number,
        version_reason,
        sub_indicator_id,
        indicator_code,
        objective_code,
        programme_code,
        mission_code,
        mission_indicator_code,
        indicator_number,
        measure_position,
        measure_label,
        unit,
        unit_raw,
        unit_family,
        crosswalked_from_keys,
        n_documents,
        first_vintage_year,
        last_vintage_year,
        described_by_document_id
    from {{ ref('int_measures_described') }}

),

directions as (

    select
        measure_key,
        direction,
        direction_source,
        direction_confidence,
        direction_rule_id,
        tolerance_abs,
        tolerance_relative
    from {{ ref('int_measure_directions_assigned') }}

),

final as (

    select
        measures.measure_key,
        measures.base_measure_key,
        measures.version_number,
        measures.version_reason,
        measures.sub_indicator_id,
        measures.indicator_code,
        measures.objective_code,
        measures.programme_code,
        measures.mission_code,
        measures.mission_indicator_code,
        measures.indicator_number,
        measures.measure_position,
        measures.measure_label,
        measures.unit,
        measures.unit_raw,
        measures.unit_family,
        directions.direction,
        directions.direction_source,
        directions.direction_confidence,
        directions.direction_rule_id,
        directions.tolerance_abs,
        directions.tolerance_relative,
        measures.crosswalked_from_keys,
        measures.n_documents,
        measures.first_vintage_year,
        measures.last_vintage_year,
        measures.described_by_document_id
    from measures
    inner join directions
        on measures.measure_key = directions.measure_key

)

select * from final
