with

final as (

    select
        -- keys
        document_id,
        measure_key,
        year,
        value_kind,
        -- as printed
        source_measure_key,
        is_crosswalked,
        indicator_code,
        sector_type,
        column_header,
        -- the cell
        value_raw,
        value_status,
        value_numeric,
        value_comparator,
        value_low,
        value_high,
        value_unit,
        value_note,
        -- damage in the source, where the value was recovered from, the quality rules that hold it
        value_defect,
        recovery_rule,
        recovered_from_document_id,
        hold_rules,
        -- lineage
        source_file,
        source_line,
        record_number,
        column_position,
        n_source_rows,
        has_level_disagreement
    from {{ ref('int_indicator_values_repaired') }}

)

select * from final
