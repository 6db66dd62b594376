-- One row per document x measure x year x value kind. The open-data file prints a mission-level
-- indicator as mission rows that repeat programme rows (same sub-indicator id): they fold into one
-- value. The programme row is kept (it is the owner's table); when the rows disagree the
-- disagreement is counted, never hidden.
with

cells as (

    select * from {{ ref('int_indicator_cells_crosswalked') }}

),

ranked as (

    select
        cells.*,
        row_number() over (
            partition by cells.document_id, cells.measure_key, cells.year, cells.value_kind
            order by cells.is_programme_row desc, cells.source_line asc, cells.column_position asc
        ) as row_preference,
        count(*) over (
            partition by cells.document_id, cells.measure_key, cells.year, cells.value_kind
        ) as n_source_rows,
        count(distinct cells.value_raw) over (
            partition by cells.document_id, cells.measure_key, cells.year, cells.value_kind
        ) as n_distinct_raw_values,
        count(*) filter (where cells.sector_type = 'mission') over (
            partition by cells.document_id, cells.measure_key, cells.year, cells.value_kind
        ) as n_mission_rows
    from cells

),

final as (

    select
        document_id,
        measure_key,
        year,
        value_kind,
        source_measure_key,
        is_crosswalked,
        document_type,
        vintage_year,
        published_on_estimate,
        document_recency_rank,
        programme_code,
        owner_programme_code,
        mission_code,
        sector_type,
        objective_code,
        indicator_code,
        indicator_number,
        sub_indicator_id,
        measure_position,
        measure_label,
        unit_raw,
        unit_key,
        column_header,
        value_raw,
        value_status,
        value_numeric,
        value_comparator,
        value_low,
        value_high,
        value_unit,
        value_note,
        parsed_status,
        hold_rules,
        source_file,
        source_line,
        record_number,
        column_position,
        n_source_rows,
        n_mission_rows,
        n_distinct_raw_values > 1 as has_level_disagreement
    from ranked
    where row_preference = 1

)

select * from final
