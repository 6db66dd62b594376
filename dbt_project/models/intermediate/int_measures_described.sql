-- One row per canonical measure: its attributes as the most recently published document prints
-- them (the programme row when a mission row repeats it), the unit mapped through int_units_mapped
-- (ref_unit, else a unit rule), and
-- what the measure absorbed (mission indicator, crosswalked keys).
with

cells as (

    select * from {{ ref('int_indicator_cells_crosswalked') }}

),

units as (

    select * from {{ ref('int_units_mapped') }}

),

preferred as (

    select
        measure_key,
        base_measure_key,
        version_number,
        version_reason,
        sub_indicator_id,
        indicator_code,
        indicator_number,
        objective_code,
        owner_programme_code as programme_code,
        mission_code,
        measure_position,
        measure_label,
        indicator_label,
        unit_raw,
        unit_key,
        document_id as described_by_document_id
    from cells
    {{ most_recent_print('measure_key', within_document=['is_programme_row desc']) }}

),

history as (

    select
        measure_key,
        count(distinct document_id) as n_documents,
        min(vintage_year) as first_vintage_year,
        max(vintage_year) as last_vintage_year,
        max(mission_code) as any_mission_code,
        min(indicator_code) filter (where sector_type = 'mission') as mission_indicator_code,
        string_agg(distinct source_measure_key, ', ' order by source_measure_key)
        filter (where is_crosswalked) as crosswalked_from_keys
    from cells
    group by measure_key

),

latest_target as (

    select
        measure_key,
        value_numeric as latest_target_numeric
    from cells
    where
        value_kind in ('target', 'target_of_record')
        and value_status in ('numeric', 'annotated')
    -- a RAP prints the year's PAP target and its final 'Valeur cible' side by side: the final one
    -- wins, then the first cell printed, so the pick never depends on the scan order
    qualify row_number() over (
            partition by measure_key
            order by
                document_recency_rank asc, year desc, is_programme_row desc,
                value_kind = 'target' desc, source_line asc, column_position asc
        ) = 1

),

final as (

    select
        preferred.measure_key,
        preferred.base_measure_key,
        preferred.version_number,
        preferred.version_reason,
        preferred.sub_indicator_id,
        preferred.indicator_code,
        preferred.indicator_number,
        preferred.objective_code,
        preferred.programme_code,
        coalesce(preferred.mission_code, history.any_mission_code) as mission_code,
        history.mission_indicator_code,
        preferred.measure_position,
        preferred.measure_label,
        preferred.indicator_label,
        units.unit,
        preferred.unit_raw,
        units.unit_family,
        latest_target.latest_target_numeric,
        history.crosswalked_from_keys,
        history.n_documents,
        history.first_vintage_year,
        history.last_vintage_year,
        preferred.described_by_document_id
    from preferred
    inner join history
        on preferred.measure_key = history.measure_key
    left join units
        on preferred.unit_key is not distinct from units.unit_key
    left join latest_target
        on preferred.measure_key = latest_target.measure_key

)

select * from final
